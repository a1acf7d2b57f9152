"""The Lab contract (core.lab): round trips, full-resolution L, render sizes."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from skimage import color
from skimage.color.colorconv import rgb_from_xyz

from core import colorize, lab


def _random_rgb(h, w, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)


def _in_gamut(lab_img: np.ndarray, margin: float = 0.0) -> np.ndarray:
    """Pixels whose Lab colour is inside the sRGB gamut (linear RGB not clipped)."""
    lin = color.lab2xyz(np.asarray(lab_img, np.float64)) @ rgb_from_xyz.T
    return ((lin >= margin) & (lin <= 1 - margin)).all(axis=-1)


def _checkerboard(h, w, lo=60, hi=200, cell=1):
    yy, xx = np.mgrid[0:h, 0:w]
    board = ((yy // cell + xx // cell) % 2).astype(bool)
    return np.where(board, hi, lo).astype(np.uint8)


# --- grey round trips -----------------------------------------------------------------------------

def test_grey_ramp_is_a_fixed_point():
    ramp = np.repeat(np.repeat(np.arange(256, dtype=np.uint8)[None, :, None], 3, axis=2), 3, axis=0)
    assert np.array_equal(lab.to_grey_rgb(ramp), ramp)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_to_grey_rgb_is_exactly_grey_and_idempotent(seed):
    x = _random_rgb(120, 160, seed)
    g = lab.to_grey_rgb(x)
    assert g.shape == x.shape and g.dtype == np.uint8
    assert np.array_equal(g[..., 0], g[..., 1]) and np.array_equal(g[..., 1], g[..., 2])
    assert np.array_equal(lab.to_grey_rgb(g), g)
    # the grey keeps the lightness of the colour image (up to 8-bit rounding)
    assert np.abs(lab.lightness(g) - lab.lightness(x)).max() < 0.5


@pytest.mark.parametrize("render_factor", [None, 1, 4, 33])
def test_grayscale_model_returns_the_grey_input(render_factor, photos):
    for name, photo in photos.items():
        grey = lab.to_grey_rgb(photo)
        out = colorize(grey, "grayscale", render_factor=render_factor)
        assert np.array_equal(out, grey), name
        # and a colour input gives its own grey
        assert np.array_equal(colorize(photo, "grayscale", render_factor=render_factor), grey), name


def test_grayscale_model_on_random_noise():
    x = _random_rgb(77, 53, 5)
    assert np.array_equal(colorize(lab.to_grey_rgb(x), "grayscale"), lab.to_grey_rgb(x))


# --- conversions ----------------------------------------------------------------------------------

def test_rgb_to_lab_ranges_and_known_values():
    px = np.array([[[255, 255, 255], [0, 0, 0], [255, 0, 0]]], np.uint8)
    L = lab.rgb_to_lab(px)
    assert L.dtype == np.float32 and L.shape == (1, 3, 3)
    np.testing.assert_allclose(L[0, 0], [100, 0, 0], atol=0.02)
    np.testing.assert_allclose(L[0, 1], [0, 0, 0], atol=0.02)
    np.testing.assert_allclose(L[0, 2], [53.24, 80.09, 67.20], atol=0.05)   # sRGB red under D65


def test_rgb_to_lab_rejects_float_input():
    with pytest.raises(TypeError):
        lab.rgb_to_lab(np.zeros((2, 2, 3), np.float32))


def test_lab_round_trip_of_colours():
    x = _random_rgb(64, 64, 3)
    back = lab.lab_to_rgb(lab.rgb_to_lab(x))
    assert np.abs(back.astype(int) - x).max() <= 1


def test_normalisations():
    L = np.array([0.0, 50.0, 100.0], np.float32)
    np.testing.assert_allclose(lab.normalize_l(L), [-1, 0, 1])
    np.testing.assert_allclose(lab.denormalize_l(lab.normalize_l(L)), L)
    np.testing.assert_allclose(lab.caffe_l(L), [-50, 0, 50])
    ab = np.array([-110.0, 0.0, 55.0], np.float32)
    np.testing.assert_allclose(lab.normalize_ab(ab), [-1, 0, 0.5])
    np.testing.assert_allclose(lab.denormalize_ab(lab.normalize_ab(ab)), ab, rtol=1e-6)


# --- L at full resolution -------------------------------------------------------------------------

def test_join_l_ab_keeps_full_resolution_l_with_low_res_ab():
    rng = np.random.default_rng(0)
    L = rng.uniform(5, 95, (240, 180)).astype(np.float32)          # detail at every pixel
    ab_small = rng.uniform(-25, 25, (15, 12, 2)).astype(np.float32)  # 16x smaller colour map
    out = lab.join_l_ab(L, ab_small)
    assert out.shape == (240, 180, 3) and out.dtype == np.uint8
    ab_full = lab.resize_ab(ab_small, 240, 180)
    ok = _in_gamut(np.concatenate([L[..., None], ab_full], axis=-1))
    assert 0.5 < ok.mean() < 1.0          # the test really has both kinds of pixels
    err = np.abs(lab.lightness(out) - L)
    assert err[ok].max() < 0.5
    # and the colour is the resized ab (up to 8-bit rounding) where in gamut
    got_ab = lab.rgb_to_lab(out)[..., 1:]
    ok_inner = _in_gamut(np.concatenate([L[..., None], ab_full], axis=-1), margin=0.02) & (L > 20)
    assert np.abs(got_ab - ab_full)[ok_inner].max() < 2.0


def test_join_l_ab_with_constant_ab_map():
    L = np.full((31, 47), 60.0, np.float32)
    ab = np.zeros((3, 5, 2), np.float32)
    ab[..., 0], ab[..., 1] = 20.0, -15.0
    out = lab.rgb_to_lab(lab.join_l_ab(L, ab))
    np.testing.assert_allclose(out[..., 0], 60.0, atol=0.3)
    np.testing.assert_allclose(out[..., 1], 20.0, atol=1.0)
    np.testing.assert_allclose(out[..., 2], -15.0, atol=1.0)


def test_resize_ab_shape_and_identity():
    ab = np.random.default_rng(1).normal(size=(4, 6, 2)).astype(np.float32)
    assert lab.resize_ab(ab, 4, 6) is ab or np.array_equal(lab.resize_ab(ab, 4, 6), ab)
    assert lab.resize_ab(ab, 1, 1).shape == (1, 1, 2)
    assert lab.resize_ab(ab, 37, 11).shape == (37, 11, 2)


def test_checkerboard_stays_sharp_after_autoencoder(autoencoder):
    grey = _checkerboard(96, 128)                  # 1-pixel cells: the finest detail there is
    rgb = np.repeat(grey[..., None], 3, axis=2)
    out = autoencoder.colorize(rgb)                # colour is rendered at 16 x default px, then resized
    assert out.shape == rgb.shape
    L_in, L_out = lab.lightness(rgb), lab.lightness(out)
    assert np.abs(L_out - L_in).mean() < 0.5
    assert np.median(np.abs(L_out - L_in)) < 0.3
    # sharpness: neighbour differences are kept (a blurred board would have ~0)
    edge_in = np.abs(np.diff(L_in, axis=1)).mean()
    edge_out = np.abs(np.diff(L_out, axis=1)).mean()
    assert edge_in > 40
    assert edge_out > 0.97 * edge_in
    # at a very small render factor too
    out4 = autoencoder.colorize(rgb, 4)
    assert np.abs(lab.lightness(out4) - L_in).mean() < 0.5


# --- render_size ----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("h", "w", "rf", "stride", "expected"),
    [
        (512, 768, 16, 8, (168, 256)),     # landscape: long side 16 x 16
        (768, 512, 16, 8, (256, 168)),     # portrait
        (300, 400, 10, 8, (120, 160)),
        (224, 224, 14, 8, (224, 224)),
        (100, 200, 4, 1, (32, 64)),
        (1, 1, 16, 8, (256, 256)),         # tiny images are rendered at the full size
        (1, 5000, 16, 8, (8, 256)),        # at least one stride on the short side
        (5000, 1, 16, 1, (256, 1)),
        (3, 2, 1, 8, (16, 8)),
    ],
)
def test_render_size_examples(h, w, rf, stride, expected):
    assert lab.render_size(h, w, rf, stride) == expected


@pytest.mark.parametrize("stride", [1, 4, 8])
def test_render_size_properties(stride):
    rng = np.random.default_rng(stride)
    for _ in range(200):
        h, w = (int(v) for v in rng.integers(1, 4000, 2))
        rf = int(rng.integers(1, 65))
        rh, rw = lab.render_size(h, w, rf, stride)
        assert rh % stride == 0 and rw % stride == 0
        assert rh >= stride and rw >= stride
        long_side = rh if h >= w else rw
        assert abs(long_side - 16 * rf) <= stride / 2
        if min(rh, rw) > 4 * stride:     # aspect kept up to the rounding to the stride
            assert abs(rh / rw - h / w) <= (h / w) * 2 * stride / min(rh, rw)


@pytest.mark.parametrize("bad", [0, -1, -16])
def test_render_size_rejects_invalid_factor(bad):
    with pytest.raises(ValueError, match="render_factor"):
        lab.render_size(100, 100, bad, 8)


def test_strips_give_the_same_result_as_one_piece(monkeypatch):
    """Big photos are converted in strips (bounded memory); the result must not change."""
    from core import lab

    rng = np.random.default_rng(3)
    rgb = rng.integers(0, 256, (37, 53, 3), dtype=np.uint8)
    L = lab.lightness(rgb)
    ab = rng.normal(0, 30, (10, 14, 2)).astype(np.float32)
    whole = lab.join_l_ab(L, ab)
    monkeypatch.setattr(lab, "CHUNK_PIXELS", 200)          # strips of 3 rows
    assert np.array_equal(lab.lightness(rgb), L)
    assert np.array_equal(lab.join_l_ab(L, ab), whole)
    labimg = np.concatenate([L[..., None], lab.resize_ab(ab, 37, 53)], -1)
    monkeypatch.setattr(lab, "CHUNK_PIXELS", 1 << 20)
    one = lab.lab_to_rgb(labimg)
    monkeypatch.setattr(lab, "CHUNK_PIXELS", 100)
    assert np.array_equal(lab.lab_to_rgb(labimg), one)


# --- 16-bit masters (issue 21) ----------------------------------------------------------------------

def _grey16(values) -> np.ndarray:
    v = np.asarray(values, np.uint16)
    return np.repeat(np.repeat(v[None, :, None], 3, axis=2), 2, axis=0)


def test_lightness_of_uint16_is_scikit_image_on_rgb_over_65535():
    rng = np.random.default_rng(7)
    colour = rng.integers(0, 65536, (20, 30, 3)).astype(np.uint16)
    grey = _grey16(rng.integers(0, 65536, 500))
    for rgb in (colour, grey):
        want = color.rgb2lab(rgb.astype(np.float64) / 65535.0)[..., 0]
        got = lab.lightness(rgb)
        assert got.dtype == np.float32 and got.shape == rgb.shape[:2]
        assert np.abs(got - want).max() < 1e-3


def test_a_16_bit_ramp_keeps_its_lightness_finer_than_8_bits():
    ramp = _grey16(np.linspace(0, 65535, 3001).round())
    L16 = lab.lightness(ramp)
    L8 = lab.lightness((ramp // 257).astype(np.uint8))
    truth = color.rgb2lab(ramp.astype(np.float64) / 65535.0)[..., 0]
    err16, err8 = np.abs(L16 - truth).max(), np.abs(L8 - truth).max()
    assert err16 < err8 / 20                       # 8-bit rounding loses up to ~0.2 of L; 16 bits ~0.003
    # joined with no colour, the 16-bit result is the input itself (exact greys, every level back)
    out = lab.join_l_ab(L16, np.zeros((3, 4, 2), np.float32), dtype=np.uint16)
    assert out.dtype == np.uint16 and np.array_equal(out, ramp)
    assert np.array_equal(lab.join_l_ab(L16, np.zeros((3, 4, 2), np.float32)), (ramp / 257.0).round())


def test_join_l_ab_uint16_is_the_uint8_result_at_16_bits():
    rng = np.random.default_rng(8)
    L = rng.uniform(5, 95, (40, 50)).astype(np.float32)
    ab = rng.normal(0, 25, (5, 6, 2)).astype(np.float32)
    out8, out16 = lab.join_l_ab(L, ab), lab.join_l_ab(L, ab, dtype=np.uint16)
    assert out16.dtype == np.uint16 and out16.shape == out8.shape
    assert np.abs(out16 / 257.0 - out8).max() <= 0.5 + 1e-6       # the same sRGB, rounded finer
    assert len(np.unique(out16)) > 2 * len(np.unique(out8))
    with pytest.raises(TypeError):
        lab.join_l_ab(L, ab, dtype=np.float32)


def test_the_gamut_module_shares_the_lab_contract():
    from core import cie, gamut

    assert gamut.L_MAX is lab.L_MAX is cie.L_MAX
    assert lab.fit_ab_to_gamut is gamut.fit_ab_to_gamut and lab.max_chroma is gamut.max_chroma


def test_the_cie_numbers_are_written_once():
    """The CIE and sRGB numbers live in core/cie.py (issue 30: L_MAX and the Lab formulas' numbers were typed in
    three modules); the others import them. scikit-image's own values are the ones named there."""
    import re
    from pathlib import Path

    from skimage.color import colorconv

    from core import cie

    assert np.array_equal(colorconv.xyz_tristimulus_values(illuminant="D65", observer="2"), np.array(cie.D65_WHITE))
    assert cie.F_OFFSET == 16 / 116 and cie.SRGB_SCALE == 1 + cie.SRGB_A
    assert abs(cie.F_KNEE - 6 / 29) < 1e-7 and abs(cie.T_KNEE - (6 / 29) ** 3) < 1e-6
    assert abs(cie.F_SLOPE - (29 / 6) ** 2 / 3) < 1e-3
    numbers = re.compile(r"(?<![\d.])(0\.2068966|7\.787|0\.008856|0\.0031308|12\.92|1\.055|0\.04045|0\.95047|"
                         r"1\.08883|L_MAX = )(?![\d])")
    core = Path(lab.__file__).parent
    found = {str(p.relative_to(core)): m for p in core.rglob("*.py") if p.name != "cie.py"
             for m in numbers.findall(p.read_text(encoding="utf-8"))}
    assert not found, f"CIE numbers outside core/cie.py: {found}"


# --- the fast Lab -> sRGB path (OpenCV arithmetic), pinned to scikit-image's numbers (issue 21) ---------

def _skimage_rgb(lab_img: np.ndarray, top: float = 255.0) -> np.ndarray:
    """scikit-image's own lab2rgb in float64, rounded to ``top`` levels: the numbers the fast path must give."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)          # "negative Z values ... clipped", as intended
        rgb = color.lab2rgb(lab_img.astype(np.float64))
    return np.clip(np.rint(rgb * top), 0, top)


def test_lab_to_rgb_matches_scikit_image_on_a_dense_lab_grid():
    L, a, b = np.meshgrid(np.linspace(0, 100, 41), np.linspace(-128, 127, 103), np.linspace(-128, 127, 103),
                          indexing="ij")
    grid = np.stack([L, a, b], -1).reshape(-1, 103, 3).astype(np.float32)   # in and far outside the gamut
    for dtype, top in ((np.uint8, 255.0), (np.uint16, 65535.0)):
        got = lab.lab_to_rgb(grid, dtype)
        assert got.dtype == dtype
        diff = np.abs(got.astype(np.float64) - _skimage_rgb(grid, top)).max(axis=-1)
        assert diff.max() <= 1 and (diff > 0).mean() < (1e-3 if dtype is np.uint8 else 0.2), (dtype, diff.mean())


def test_every_eighth_rgb_level_round_trips_exactly():
    g = np.arange(0, 256, 3, dtype=np.uint8)
    grid = np.stack(np.meshgrid(g, g, g, indexing="ij"), -1).reshape(-1, g.size, 3)
    assert np.array_equal(lab.lab_to_rgb(lab.rgb_to_lab(grid)), grid)


@pytest.mark.parametrize("name", ["astronaut", "coffee", "chelsea"])
def test_join_l_ab_matches_scikit_image_on_photos(name):
    from skimage import data

    from core import gamut

    photo = getattr(data, name)()
    lab_img = lab.rgb_to_lab(photo)
    L, ab = lab_img[..., 0], lab_img[..., 1:] * 1.6                 # more vivid: some leave the gamut
    ab_small = lab.resize_ab(ab, max(1, photo.shape[0] // 8), max(1, photo.shape[1] // 8))
    got = lab.join_l_ab(L, ab_small)
    want = _skimage_rgb(np.concatenate([L[..., None], gamut.fit_ab_to_gamut(
        L, lab.resize_ab(ab_small, *L.shape))], -1))
    diff = np.abs(got.astype(int) - want).max(axis=-1)
    assert diff.max() <= 1 and (diff > 0).mean() < 1e-3, (diff > 0).mean()


def test_fast_path_keeps_neutral_greys_exact_in_both_depths():
    L = np.linspace(0, 100, 5001, dtype=np.float32)[None]
    ab = np.zeros(L.shape + (2,), np.float32)
    ab[0, ::2, 0] = 5.0                                  # every other pixel coloured: the mixed path
    for dtype in (np.uint8, np.uint16):
        out = lab.join_l_ab(L, ab, dtype=dtype)
        grey = out[0, 1::2]
        assert np.array_equal(grey[:, 0], grey[:, 1]) and np.array_equal(grey[:, 1], grey[:, 2])
        top = 255.0 if dtype is np.uint8 else 65535.0
        want = np.clip(np.rint(lab.neutral_srgb(L[0, 1::2].astype(np.float64)) * top), 0, top)
        assert np.array_equal(grey[:, 0], want)


def test_strips_give_the_same_16_bit_result_as_one_piece(monkeypatch):
    rng = np.random.default_rng(4)
    L = rng.uniform(0, 100, (29, 41)).astype(np.float32)
    ab = rng.normal(0, 40, (6, 9, 2)).astype(np.float32)
    whole = lab.join_l_ab(L, ab, dtype=np.uint16)
    monkeypatch.setattr(lab, "CHUNK_PIXELS", 150)
    # OpenCV's float32 arithmetic may take another SIMD path for a strip's last few pixels (seen on an AVX-512
    # machine): a value can move by one ulp and, rarely, round to the next of the 65,536 levels
    diff = np.abs(lab.join_l_ab(L, ab, dtype=np.uint16).astype(np.int64) - whole)
    assert diff.max() <= 1 and (diff > 0).mean() < 0.01


def test_lightness_of_colour_uint8_is_scikit_image():
    from skimage import data

    for rgb in (data.astronaut(), data.coffee(), _random_rgb(300, 200, 9)):
        want = color.rgb2lab(rgb.astype(np.float64) / 255.0)[..., 0]
        assert np.abs(lab.lightness(rgb) - want).max() < 1e-3
