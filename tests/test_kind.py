"""core.kind: grey, toned (sepia, cyanotype, yellowed paper) or colour, by a statistical rule.

Made-up scans of old prints from the scikit-image sample photos: the real black-and-white ones
(``camera``, ``coins``) and the colour ones made grey. Each is JPEG-compressed like a real scan.
Measured on the project's 13,509 colour training and validation photos (``../shared/data``, not
needed here): 98.8 % are "colour"; most of the rest are old toned photos or monochrome scenes.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from core import classify, lab, photo_kind
from core.images import fit_within, is_grey

SIDE = 256
BW = ("camera", "coins")                                   # real black-and-white photos
COLOUR = ("astronaut", "chelsea", "rocket", "coffee", "immunohistochemistry")


def _load(name: str) -> np.ndarray:
    from skimage import data

    arr = np.asarray(getattr(data, name)(), dtype=np.uint8)
    if arr.ndim == 2:
        arr = np.repeat(arr[..., None], 3, axis=2)
    return np.ascontiguousarray(fit_within(arr[..., :3], SIDE))


@pytest.fixture(scope="module")
def greys() -> dict[str, np.ndarray]:
    """Black-and-white photos: the real ones and the colour samples made grey."""
    out = {n: _load(n) for n in BW}
    out.update({f"grey {n}": lab.to_grey_rgb(_load(n)) for n in ("astronaut", "chelsea")})
    return out


def jpeg(rgb: np.ndarray, quality: int = 85) -> np.ndarray:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="JPEG", quality=quality)      # 4:2:0 chroma, like most scans
    return np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))


def chroma_noise(grey: np.ndarray, sigma: float, seed: int = 0) -> np.ndarray:
    """Independent noise in R, G and B (a scanner's colour noise)."""
    rng = np.random.default_rng(seed)
    return np.clip(grey.astype(np.float32) + rng.normal(0, sigma, grey.shape), 0, 255).astype(np.uint8)


def toned(grey: np.ndarray, hue: float, chroma: float, where: str = "mid") -> np.ndarray:
    """A toned print: the grey photo's L with one tint of ``hue`` (degrees in ab) whose strength
    follows the lightness (strongest in the midtones, the shadows or the highlights)."""
    L = lab.lightness(grey)
    t = L / 100.0
    k = {"mid": np.sin(np.pi * t), "dark": (1 - t) ** 0.7, "light": t}[where]
    h = np.deg2rad(hue)
    ab = np.stack([chroma * k * np.cos(h), chroma * k * np.sin(h)], axis=-1).astype(np.float32)
    return lab.join_l_ab(L, ab)


def sepia_matrix(grey: np.ndarray) -> np.ndarray:
    """The classic sepia filter (the RGB matrix of photo editors), highlights clipped."""
    m = np.array([[0.393, 0.769, 0.189], [0.349, 0.686, 0.168], [0.272, 0.534, 0.131]])
    return np.clip(grey.astype(np.float32) @ m.T, 0, 255).astype(np.uint8)


def cyanotype(grey: np.ndarray) -> np.ndarray:
    """Prussian blue shadows to paper white."""
    t = grey[..., :1].astype(np.float32) / 255.0
    dark, light = np.array([10, 35, 85]), np.array([235, 242, 250])
    return np.clip(dark * (1 - t) + light * t, 0, 255).astype(np.uint8)


def yellowed(grey: np.ndarray) -> np.ndarray:
    """Yellowed paper: the whole print multiplied by a cream colour."""
    return np.clip(grey.astype(np.float32) * np.array([1.0, 0.97, 0.86]), 0, 255).astype(np.uint8)


def hasler(rgb: np.ndarray) -> float:
    r, g, b = (rgb[..., i].astype(np.float64) for i in range(3))
    rg, yb = r - g, 0.5 * (r + g) - b
    return float(np.hypot(rg.std(), yb.std()) + 0.3 * np.hypot(rg.mean(), yb.mean()))


def mildly_colourful(rgb: np.ndarray, target: float = 15.0) -> np.ndarray:
    """The photo with its colours scaled down until its Hasler–Süsstrunk colourfulness is ``target``
    (15 = "slightly colourful" on their scale; an ordinary photo is 30–60)."""
    lab_img = lab.rgb_to_lab(rgb)
    lo, hi = 0.0, 1.0
    for _ in range(18):
        f = (lo + hi) / 2
        scaled = lab_img.copy()
        scaled[..., 1:] *= f
        if hasler(lab.lab_to_rgb(scaled)) < target:
            lo = f
        else:
            hi = f
    scaled = lab_img.copy()
    scaled[..., 1:] *= (lo + hi) / 2
    return jpeg(lab.lab_to_rgb(scaled), 90)


TONINGS = {
    "sepia (midtones)": lambda g: toned(g, 70, 12),
    "weak sepia": lambda g: toned(g, 70, 5),
    "sepia filter": sepia_matrix,
    "sepia with scanner noise": lambda g: chroma_noise(toned(g, 70, 10), 4),
    "cyanotype": cyanotype,
    "blue-toned shadows": lambda g: toned(g, 250, 15, "dark"),
    "yellowed paper": yellowed,
    "yellowed highlights": lambda g: toned(g, 90, 12, "light"),
}


@pytest.mark.parametrize("sigma", [0, 3, 6, 10])
def test_grey_jpegs_with_chroma_noise_are_grey(greys, sigma):
    for name, grey in greys.items():
        img = jpeg(chroma_noise(grey, sigma, seed=sigma), 75)
        if sigma >= 6:
            assert not is_grey(img), "the noise survives the JPEG (the old per-pixel rule called this colour)"
        k = classify(img)
        assert k.kind == "grey", (name, sigma, k)
        assert k.chroma < 0.5 and k.spread < k.limit, k
        assert photo_kind(img) == "grey"


@pytest.mark.parametrize("toning", list(TONINGS))
def test_toned_prints_are_toned(greys, toning):
    for name, grey in greys.items():
        k = classify(jpeg(TONINGS[toning](grey)))
        assert k.kind == "toned", (name, toning, k)
        assert k.spread < k.limit, k


def test_the_tint_is_named(greys):
    grey = greys["camera"]
    assert classify(jpeg(toned(grey, 70, 12))).tint == "sepia"
    assert classify(jpeg(cyanotype(grey))).tint == "blue"
    assert classify(jpeg(yellowed(grey))).tint == "yellowish"
    reason = classify(jpeg(toned(grey, 70, 12))).reason()
    assert reason.startswith("its colour is one even sepia tint (chroma ") and "spread" in reason


@pytest.mark.parametrize("name", COLOUR)
def test_colour_photos_are_colour(name):
    rgb = _load(name)
    k = classify(jpeg(rgb, 90))
    assert k.kind == "colour", k
    assert k.spread > 2 * k.limit, k                        # far from the line
    assert "several different colours" in k.reason()


@pytest.mark.parametrize("name", ["astronaut", "chelsea", "rocket", "immunohistochemistry"])
def test_mildly_colourful_photos_stay_colour(name):
    """Colour photos with their colours turned down to "slightly colourful" (Hasler–Süsstrunk 15)."""
    img = mildly_colourful(_load(name), 15.0)
    assert 13 < hasler(img) < 17
    k = classify(img)
    assert k.kind == "colour", k


def test_exactly_grey_and_odd_inputs():
    assert photo_kind(np.full((4, 5, 3), 128, np.uint8)) == "grey"
    assert photo_kind(np.zeros((1, 1, 3), np.uint8)) == "grey"
    assert photo_kind(np.full((30, 20), 7, np.uint8)) == "grey"                # an H x W grey array
    big = np.zeros((3000, 2000, 3), np.uint8)
    big[:, :1000] = (200, 30, 30)                                              # red and blue halves
    big[:, 1000:] = (30, 30, 200)
    assert photo_kind(big) == "colour"
    with pytest.raises(ValueError):
        classify(np.zeros((4, 4, 3), np.float32))


# --- stronger and weaker toning than above, and colour photos turned down to 20-40 % (issue 24, defect 9) ----

def cyanotype_of(grey: np.ndarray, dark, light, gamma: float = 1.0) -> np.ndarray:
    """A cyanotype from shadow colour ``dark`` to paper colour ``light`` (gamma < 1: more blue midtones)."""
    t = (grey[..., :1].astype(np.float32) / 255.0) ** gamma
    return np.clip(np.array(dark) * (1 - t) + np.array(light) * t, 0, 255).astype(np.uint8)


def turned_down(rgb: np.ndarray, share: float) -> np.ndarray:
    """The photo with ``share`` of its colour (a and b scaled; lightness kept)."""
    img = lab.rgb_to_lab(rgb)
    img[..., 1:] *= share
    return lab.lab_to_rgb(img)


CYANOTYPES = {
    "deep cyanotype": lambda g: cyanotype_of(g, [0, 20, 90], [200, 225, 255]),
    "deep cyanotype, blue midtones": lambda g: cyanotype_of(g, [5, 25, 110], [215, 235, 255], 0.7),
    "saturated cyanotype": lambda g: cyanotype_of(g, [0, 30, 120], [230, 240, 255], 1.5),
    "faded cyanotype": lambda g: cyanotype_of(g, [40, 55, 80], [240, 244, 248]),
    "cyanotype with scanner noise": lambda g: chroma_noise(cyanotype(g), 5),
    "blue tone 30": lambda g: toned(g, 260, 30),
    "blue shadows 45": lambda g: toned(g, 255, 45, "dark"),
}
STRONG_AND_WEAK = {
    **CYANOTYPES,
    "sepia 25": lambda g: toned(g, 70, 25),
    "sepia 35": lambda g: toned(g, 65, 35),
    "sepia 3": lambda g: toned(g, 70, 3),
    "strongly yellowed": lambda g: np.clip(g.astype(np.float32) * np.array([1.0, 0.93, 0.70]), 0, 255).astype(np.uint8),
    "yellow highlights 25": lambda g: toned(g, 90, 25, "light"),
}
MORE_PRINTS = ("camera", "coins", "astronaut", "chelsea", "coffee", "rocket", "page", "gravel")


@pytest.fixture(scope="module")
def more_greys() -> dict[str, np.ndarray]:
    return {n: lab.to_grey_rgb(_load(n)) for n in MORE_PRINTS}


@pytest.mark.parametrize("toning", list(STRONG_AND_WEAK))
def test_strongly_and_weakly_toned_prints_are_never_colour(more_greys, toning):
    for name, grey in more_greys.items():
        for img in (jpeg(STRONG_AND_WEAK[toning](grey), 75), jpeg(STRONG_AND_WEAK[toning](grey), 90),
                    jpeg(chroma_noise(STRONG_AND_WEAK[toning](grey), 4, seed=1), 75)):
            k = classify(img)
            assert k.kind != "colour", (name, toning, k)
            assert k.kind == "toned" or toning == "sepia 3", (name, toning, k)   # a tint of 3 may read as grey


@pytest.mark.parametrize("name", ["astronaut", "chelsea"])
@pytest.mark.parametrize("share", [0.2, 0.25, 0.3, 0.4])
def test_colour_photos_turned_down_to_a_fifth_stay_colour(name, share):
    """(The brown ``coffee`` sample turned down to 20-30 % is one even brown tint and reads as toned: see
    core.kind.)"""
    rgb = _load(name)
    for quality in (75, 90):
        k = classify(jpeg(turned_down(rgb, share), quality))
        assert k.kind == "colour", (name, share, quality, k)


@pytest.mark.parametrize("side", [64, 96, 128])
def test_small_toned_uploads_are_toned(side):
    """Toned prints as small uploads (JPEG twice, as in the app tests): more JPEG colour bleed per pixel."""
    for name in ("astronaut", "chelsea", "coffee", "rocket"):
        grey = lab.to_grey_rgb(np.ascontiguousarray(fit_within(_load(name), side)))
        for toning in ("sepia (midtones)", "cyanotype", "sepia filter", "yellowed paper"):
            k = classify(jpeg(jpeg(TONINGS[toning](grey)), 95))
            assert k.kind == "toned", (name, side, toning, k)
