"""L, a and b as pictures with meaningful colour maps, and what colours an image uses.

a is drawn as the Lab colour ``(L=70, a, 0)`` so negative a is green, zero is
neutral grey and positive a is red/magenta; b likewise ``(70, 0, b)`` from blue
through grey to yellow. Images are ``H x W x 3`` ``uint8`` RGB throughout.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from core import lab
from core.images import fit_within

CHANNEL_DISPLAY_L = 70.0    # lightness used to draw the a and b channels
CHANNEL_GAIN = 2.0          # a and b pictures show each value twice as saturated, so colour is visible on a projector
AB_LIMIT = 100.0            # axis range of the ab plots: -100 ... +100
ANALYSIS_SIDE = 800         # histograms and densities look at a copy at most this big (same shares of colour)


def split_lab(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(L, a, b) float32 maps of an RGB image."""
    lab_img = lab.rgb_to_lab(rgb)
    return lab_img[..., 0], lab_img[..., 1], lab_img[..., 2]


def l_image(L: np.ndarray) -> np.ndarray:
    """L in [0, 100] drawn as grey levels 0-255 (black = 0, white = 100)."""
    g = np.clip(np.rint(np.asarray(L, np.float32) * 2.55), 0, 255).astype(np.uint8)
    return np.repeat(g[..., None], 3, axis=2)


def _axis_image(values: np.ndarray, axis: int, lightness: float = CHANNEL_DISPLAY_L) -> np.ndarray:
    v = np.clip(np.asarray(values, np.float32) * CHANNEL_GAIN, -AB_LIMIT, AB_LIMIT)
    lab_img = np.zeros(v.shape + (3,), np.float32)
    lab_img[..., 0] = lightness
    lab_img[..., axis] = v
    return lab.lab_to_rgb(lab_img)


def a_image(a: np.ndarray) -> np.ndarray:
    """The a channel as colour: green (negative) - neutral grey (0) - red/magenta (positive).

    Drawn as the Lab colour (70, CHANNEL_GAIN x a, 0): the true direction of a, twice as saturated."""
    return _axis_image(a, 1)


def b_image(b: np.ndarray) -> np.ndarray:
    """The b channel as colour: blue (negative) - neutral grey (0) - yellow (positive)."""
    return _axis_image(b, 2)


def ab_image(rgb: np.ndarray, lightness: float = CHANNEL_DISPLAY_L) -> np.ndarray:
    """Only the colour of an image: its a and b at one constant lightness."""
    _, a, b = split_lab(rgb)
    lab_img = np.stack([np.full_like(a, lightness), a, b], axis=-1)
    return lab.lab_to_rgb(lab_img)


def channel_images(rgb: np.ndarray) -> dict[str, np.ndarray]:
    """{"L": ..., "a": ..., "b": ...} images of one RGB image, each the image's size."""
    L, a, b = split_lab(rgb)
    return {"L": l_image(L), "a": a_image(a), "b": b_image(b)}


CHANNEL_LEGENDS = {
    "L": ("0 black", "100 white"),
    "a": (f"-{AB_LIMIT / CHANNEL_GAIN:.0f} green", f"+{AB_LIMIT / CHANNEL_GAIN:.0f} red"),
    "b": (f"-{AB_LIMIT / CHANNEL_GAIN:.0f} blue", f"+{AB_LIMIT / CHANNEL_GAIN:.0f} yellow"),
}


def channel_legend(channel: str, width: int = 256, height: int = 14) -> np.ndarray:
    """A colour bar of the map used for ``channel`` ("L", "a" or "b"), left = low, right = high."""
    if channel == "L":
        ramp = np.linspace(0, 100, width, dtype=np.float32)
        row = l_image(ramp[None, :])
    elif channel in ("a", "b"):
        lim = AB_LIMIT / CHANNEL_GAIN
        ramp = np.linspace(-lim, lim, width, dtype=np.float32)[None, :]
        row = a_image(ramp) if channel == "a" else b_image(ramp)
    else:
        raise ValueError(f"unknown channel {channel!r}")
    return np.ascontiguousarray(np.repeat(row, height, axis=0))


def render_preview(rgb: np.ndarray, render_factor: int, stride: int) -> np.ndarray:
    """What a network sees: the grey image at the render resolution (16 x factor px, long side)."""
    L = lab.lightness(rgb)
    h, w = lab.render_size(*L.shape, render_factor, stride)
    return l_image(lab.resize_l(L, h, w))


def analysis_ab(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    _, a, b = split_lab(fit_within(np.asarray(rgb, np.uint8), ANALYSIS_SIDE))
    return a, b


def ab_stats(rgb: np.ndarray) -> dict[str, float]:
    """Summary of the colour an image uses: mean chroma, mean a and b, and the
    share of the ab plane it covers (10 x 10 bins holding at least 0.1 % of the pixels)."""
    a, b = analysis_ab(rgb)
    chroma = np.sqrt(a * a + b * b)
    hist, _, _ = np.histogram2d(a.ravel(), b.ravel(), bins=22, range=[[-110, 110], [-110, 110]])
    used = float((hist >= max(1.0, 0.001 * a.size)).sum()) / hist.size
    return {"mean_chroma": float(chroma.mean()), "mean_a": float(a.mean()), "mean_b": float(b.mean()),
            "ab_coverage": used}


def ab_stats_table(sources: Mapping[str, np.ndarray]) -> list[dict]:
    """Rows of :func:`ab_stats` for labelled images, rounded for display."""
    rows = []
    for label, rgb in sources.items():
        s = ab_stats(rgb)
        rows.append({"picture": label, "mean chroma": round(s["mean_chroma"], 1), "mean a": round(s["mean_a"], 1),
                     "mean b": round(s["mean_b"], 1), "share of the ab plane used (%)": round(100 * s["ab_coverage"])})
    return rows


def ab_density(rgb: np.ndarray, bins: int = 44) -> tuple[np.ndarray, np.ndarray]:
    """2-D histogram of (a, b) as a share of pixels; returns (density[b, a], bin centres)."""
    a, b = analysis_ab(rgb)
    edges = np.linspace(-AB_LIMIT, AB_LIMIT, bins + 1)
    hist, _, _ = np.histogram2d(np.clip(b.ravel(), -AB_LIMIT, AB_LIMIT), np.clip(a.ravel(), -AB_LIMIT, AB_LIMIT),
                                bins=[edges, edges])
    return hist / max(1, a.size), 0.5 * (edges[:-1] + edges[1:])
