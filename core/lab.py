"""The one Lab contract of the project.

Every conversion between RGB and CIE Lab, and every normalisation that a
network sees, is defined here and nowhere else.

* RGB images are ``H x W x 3`` ``uint8`` sRGB.
* Lab is CIE Lab under D65 (scikit-image ``rgb2lab`` on ``rgb / 255``):
  L in [0, 100], a and b roughly in [-110, 110].
* Networks see ``L_norm = L / 50 - 1`` (in [-1, 1]) and the autoencoder
  predicts ``ab_norm = ab / 110``.
* Colorizing = predict ab at the render resolution, resize ab to the original
  size, join it with the ORIGINAL full-resolution L (:func:`join_l_ab`).
"""

from __future__ import annotations

import functools
import warnings

import numpy as np
from skimage import color

L_MAX = 100.0
AB_SCALE = 110.0


def rgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """uint8 RGB (H, W, 3) -> float32 Lab (H, W, 3), D65."""
    rgb = np.asarray(rgb)
    if rgb.dtype != np.uint8:
        raise TypeError(f"expected uint8 RGB, got {rgb.dtype}")
    return color.rgb2lab(rgb.astype(np.float32) / 255.0).astype(np.float32)


def neutral_srgb(L, xp=np):
    """sRGB value in [0, 1] of the neutral grey (a = b = 0) of lightness L: Y from L, then the sRGB curve.

    The one L -> grey sRGB formula (scikit-image's constants). ``xp`` is ``numpy`` or ``keras.ops``, so the
    networks compute exactly this inside the graph (:class:`core.training.network.LToGreyRGB`)."""
    fy = (L + 16.0) / 116.0
    y = xp.where(fy > 6.0 / 29.0, fy * fy * fy, (fy - 16.0 / 116.0) / 7.787)
    y = xp.clip(y, 0.0, 1.0)
    return xp.where(y > 0.0031308, 1.055 * xp.power(xp.maximum(y, 1e-8), 1.0 / 2.4) - 0.055, 12.92 * y)


CHUNK_PIXELS = 1 << 20   # large images are converted in strips of about a megapixel (bounded memory)


def _in_strips(fn, channels: int, dtype, *arrays: np.ndarray) -> np.ndarray:
    """``fn(*arrays)`` computed on strips of rows of about CHUNK_PIXELS each, so that
    scikit-image's temporaries stay around a megapixel instead of growing with the
    photo. The arrays share height and width; ``fn`` maps each strip to ``channels``
    values per pixel (0 = a 2-D result) of ``dtype``."""
    h, w = arrays[0].shape[:2]
    if h * w <= CHUNK_PIXELS:
        return fn(*arrays)
    out = np.empty((h, w, channels) if channels else (h, w), dtype)
    rows = max(1, CHUNK_PIXELS // max(w, 1))
    for y in range(0, h, rows):
        strip = slice(y, min(h, y + rows))
        out[strip] = fn(*(a[strip] for a in arrays))
    return out


def _lab_to_rgb_strip(lab: np.ndarray) -> np.ndarray:
    with warnings.catch_warnings():
        # predicted colours outside the sRGB gamut are clipped, as intended
        warnings.filterwarnings("ignore", message=".*negative Z values.*", category=UserWarning)
        rgb = color.lab2rgb(lab)
    neutral = (lab[..., 1] == 0) & (lab[..., 2] == 0)
    if neutral.any():
        rgb[neutral] = neutral_srgb(lab[..., 0][neutral].astype(np.float64))[:, None]
    return np.clip(np.rint(rgb * 255.0), 0, 255).astype(np.uint8)


def lab_to_rgb(lab: np.ndarray) -> np.ndarray:
    """float Lab (H, W, 3) -> uint8 RGB (rounded, clipped to the sRGB gamut).

    Pixels with a = b = 0 exactly become exact greys (R = G = B). scikit-image's
    D65 white point and its XYZ -> RGB matrix differ slightly, so its neutral
    axis is off by up to ~0.01 of a code value, which rounding could turn into a
    one-level tint (e.g. 228, 228, 229) in the "grey" output.

    float32 keeps scikit-image's formulas and halves the time of this, the
    costliest step of colorizing (rounding to uint8 hides the precision
    difference); big images go in strips so that scikit-image's temporaries stay
    around a megapixel instead of growing with the photo.
    """
    lab = np.asarray(lab, dtype=np.float32)
    if lab.ndim != 3:          # a list of colours (N, 3) and the like: small, in one piece
        return _lab_to_rgb_strip(lab)
    return _in_strips(_lab_to_rgb_strip, 3, np.uint8, lab)


@functools.cache
def _grey_l_table() -> np.ndarray:
    """L of the 256 grey levels (R = G = B = v), computed once by scikit-image."""
    levels = np.repeat(np.arange(256, dtype=np.uint8)[None, :, None], 3, axis=2)
    return rgb_to_lab(levels)[0, :, 0].copy()


def lightness(rgb: np.ndarray) -> np.ndarray:
    """The L channel (H, W) float32 in [0, 100] of an RGB uint8 image.

    A grey image (R = G = B, the usual input) takes its L from a 256-entry table
    that scikit-image computed, so the values are the same, several times faster."""
    rgb = np.asarray(rgb)
    if rgb.dtype == np.uint8 and rgb.ndim == 3 and rgb.shape[2] == 3:
        r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
        if np.array_equal(r, g) and np.array_equal(g, b):
            return _grey_l_table()[r]
    return _in_strips(lambda part: rgb_to_lab(part)[..., 0], 0, np.float32, rgb)


def to_grey_rgb(rgb: np.ndarray) -> np.ndarray:
    """The evaluation protocol's grey input: L of the image with a = b = 0, as RGB uint8.

    This is also exactly the output of the ``grayscale`` model.
    """
    L = lightness(rgb)
    return join_l_ab(L, np.zeros(L.shape + (2,), np.float32))


def normalize_l(L: np.ndarray) -> np.ndarray:
    return (np.asarray(L, np.float32) / (L_MAX / 2.0)) - 1.0


def caffe_l(L: np.ndarray) -> np.ndarray:
    """What the Zhang et al. eccv16 Caffe net sees: mean-centred L (L - 50)."""
    return np.asarray(L, np.float32) - L_MAX / 2.0


def denormalize_l(L_norm: np.ndarray) -> np.ndarray:
    return (np.asarray(L_norm, np.float32) + 1.0) * (L_MAX / 2.0)


def denormalize_l_ops(L_norm):
    """:func:`denormalize_l` for tensors (any array type with arithmetic): L_norm -> L in [0, 100]."""
    return (L_norm + 1.0) * (L_MAX / 2.0)


def normalize_ab(ab: np.ndarray) -> np.ndarray:
    return np.asarray(ab, np.float32) / AB_SCALE


def denormalize_ab(ab_norm: np.ndarray) -> np.ndarray:
    return np.asarray(ab_norm, np.float32) * AB_SCALE


def resize_ab(ab: np.ndarray, height: int, width: int) -> np.ndarray:
    """Bilinear resize of an (h, w, 2) ab map to (height, width, 2)."""
    import cv2

    ab = np.asarray(ab, np.float32)
    if ab.shape[:2] == (height, width):
        return ab
    return cv2.resize(ab, (width, height), interpolation=cv2.INTER_LINEAR).reshape(height, width, 2)


def join_l_ab(L: np.ndarray, ab: np.ndarray) -> np.ndarray:
    """Join full-resolution L (H, W) with ab of any size (h, w, 2) -> RGB uint8 (H, W, 3).

    ab is resized to L's size; L is used exactly as given, so the grey detail
    of the input is preserved at full resolution. Colours that sRGB cannot show
    at their pixel's lightness lose chroma along their own hue
    (:func:`core.gamut.fit_ab_to_gamut`) instead of being clipped per channel,
    which would change the lightness.
    """
    L = np.asarray(L, np.float32)
    h, w = L.shape
    ab = resize_ab(ab, h, w)

    def strip(l_part, ab_part):
        ab_part = fit_ab_to_gamut(l_part, ab_part)
        return _lab_to_rgb_strip(np.concatenate([l_part[..., None], ab_part], -1))

    return _in_strips(strip, 3, np.uint8, L, ab)


def resize_rgb(rgb: np.ndarray, height: int, width: int) -> np.ndarray:
    """Area/bilinear resize of uint8 RGB used to make the render-resolution input."""
    import cv2

    if rgb.shape[:2] == (height, width):
        return rgb
    interp = cv2.INTER_AREA if height * width < rgb.shape[0] * rgb.shape[1] else cv2.INTER_LINEAR
    return cv2.resize(rgb, (width, height), interpolation=interp)


def resize_l(L: np.ndarray, height: int, width: int) -> np.ndarray:
    """Resize an L map (float32) for the network's render resolution."""
    import cv2

    L = np.asarray(L, np.float32)
    if L.shape == (height, width):
        return L
    interp = cv2.INTER_AREA if height * width < L.shape[0] * L.shape[1] else cv2.INTER_LINEAR
    return cv2.resize(L, (width, height), interpolation=interp)


RENDER_UNIT = 16    # the render factor counts steps of this many pixels on the long side


def render_long_side(render_factor: int) -> int:
    """The long side, in pixels, at which colour is rendered: RENDER_UNIT x render_factor."""
    return RENDER_UNIT * int(render_factor)


def render_size(height: int, width: int, render_factor: int, stride: int = 1) -> tuple[int, int]:
    """Render resolution: :func:`render_long_side` pixels on the long side, aspect kept,
    each side rounded to a multiple of ``stride`` (at least one stride)."""
    if render_factor < 1:
        raise ValueError("render_factor must be >= 1")
    target = render_long_side(render_factor)
    scale = target / float(max(height, width))
    h = max(stride, int(round(height * scale / stride)) * stride)
    w = max(stride, int(round(width * scale / stride)) * stride)
    return h, w


# --------------------------------------------------------------------------- the sRGB gamut
# Which (L, a, b) a screen can show, and pulling colours inside it along their hue (same D65 white and
# XYZ -> sRGB matrix as scikit-image). core.gamut is the short name for this part.
_D65_WHITE = np.array([0.95047, 1.0, 1.08883], np.float32)     # scikit-image's D65, 2° observer


@functools.cache
def _rgb_from_xyz() -> np.ndarray:
    from skimage.color import colorconv

    return colorconv.rgb_from_xyz.astype(np.float32)


def _linear_rgb(L: np.ndarray, ab: np.ndarray) -> np.ndarray:
    """Linear sRGB (N, 3) of Lab colours ``L`` (N,) and ``ab`` (N, 2): scikit-image's formulas up to the gamma
    (which keeps [0, 1] in [0, 1]), so "in gamut" here means exactly what :func:`core.lab.lab_to_rgb` would not clip."""
    fy = (L + 16.0) / 116.0
    f = np.stack([fy + ab[:, 0] / 500.0, np.broadcast_to(fy, ab[:, 0].shape), fy - ab[:, 1] / 200.0], -1)
    f = np.maximum(f, 0.0)
    xyz = np.where(f > 0.2068966, f * f * f, (f - 16.0 / 116.0) / 7.787) * _D65_WHITE
    return xyz @ _rgb_from_xyz().T


def _in_gamut(L: np.ndarray, ab: np.ndarray, tol: float = 1e-4) -> np.ndarray:
    rgb = _linear_rgb(L, ab)
    return np.all((rgb >= -tol) & (rgb <= 1.0 + tol), axis=-1)


_GAMUT_L_STEP = 0.5      # the table of the largest chroma sRGB shows: every 0.5 of L ...
_GAMUT_HUES = 360        # ... and every degree of hue


@functools.cache
def _max_chroma_table() -> np.ndarray:
    """The largest chroma inside sRGB at each (L, hue) of a grid, (201, 361) float32 (the last hue column
    repeats the first), found by bisection once per process (~0.1 s)."""
    levels = np.arange(0.0, L_MAX + _GAMUT_L_STEP / 2, _GAMUT_L_STEP, dtype=np.float32)
    hues = np.deg2rad(np.arange(_GAMUT_HUES, dtype=np.float32))
    L = np.repeat(levels, hues.size)
    unit = np.tile(np.stack([np.cos(hues), np.sin(hues)], -1), (levels.size, 1)).astype(np.float32)
    lo = np.zeros(L.size, np.float32)
    hi = np.full(L.size, 200.0, np.float32)
    for _ in range(16):
        mid = (lo + hi) * 0.5
        ok = _in_gamut(L, unit * mid[:, None])
        lo = np.where(ok, mid, lo)
        hi = np.where(ok, hi, mid)
    table = lo.reshape(levels.size, hues.size)
    return np.concatenate([table, table[:, :1]], axis=1)


def max_chroma(L: np.ndarray, ab: np.ndarray) -> np.ndarray:
    """The largest chroma sRGB can show at each pixel's lightness ``L`` (...) and hue (of ``ab`` (..., 2)),
    interpolated from a table on a grid of L and hue (to within about 1 unit near the corners of the gamut)."""
    table = _max_chroma_table()
    L = np.asarray(L, np.float32)
    ab = np.asarray(ab, np.float32)
    hue = np.degrees(np.arctan2(ab[..., 1], ab[..., 0])) % 360.0
    lf = np.clip(L / _GAMUT_L_STEP, 0, table.shape[0] - 1.001)
    li = lf.astype(np.int32)
    hi = np.clip(hue.astype(np.int32), 0, _GAMUT_HUES - 1)
    tl, th = lf - li, hue - hi
    top = table[li, hi] * (1 - th) + table[li, hi + 1] * th
    bottom = table[li + 1, hi] * (1 - th) + table[li + 1, hi + 1] * th
    return (top * (1 - tl) + bottom * tl).astype(np.float32)


@functools.cache
def _min_max_chroma() -> np.ndarray:
    """Over all hues, the smallest of the table's maximum chroma at each L of the grid, less a margin: a
    colour of lower chroma is inside sRGB whatever its hue."""
    table = _max_chroma_table().min(axis=1)
    return np.maximum(np.minimum(table[:-1], table[1:]) * 0.98 - 0.5, 0.0).astype(np.float32)


def _surely_inside(L: np.ndarray, ab: np.ndarray) -> np.ndarray:
    """True where the colour is certainly inside sRGB: its chroma is below the smallest of the table's maxima
    at the corners of its grid cell, less a margin (a cheap test that lets the exact check skip almost every
    pixel of a photo). Most colours of a photo pass a test on L alone first."""
    li = np.clip((L * (1.0 / _GAMUT_L_STEP)).astype(np.int32), 0, _max_chroma_table().shape[0] - 2)
    c2 = ab[:, 0] * ab[:, 0] + ab[:, 1] * ab[:, 1]
    bound = _min_max_chroma()[li]
    inside = c2 < bound * bound
    rest = np.flatnonzero(~inside)
    if rest.size:
        table = _max_chroma_table()
        a, b, lr = ab[rest, 0], ab[rest, 1], li[rest]
        hi = np.clip((np.degrees(np.arctan2(b, a)) % 360.0).astype(np.int32), 0, _GAMUT_HUES - 1)
        cell = np.minimum(np.minimum(table[lr, hi], table[lr + 1, hi]),
                          np.minimum(table[lr, hi + 1], table[lr + 1, hi + 1]))
        inside[rest] = np.sqrt(c2[rest]) < cell * 0.98 - 0.5
    return inside


def fit_ab_to_gamut(L: np.ndarray, ab: np.ndarray, steps: int = 10) -> np.ndarray:
    """ab (H, W, 2) with every colour that sRGB cannot show at its lightness moved towards grey along its own
    hue until it can, so that :func:`join_l_ab` has nothing to clip: L and hue stay, only the chroma of those
    pixels drops (to within about 1 % of the most sRGB shows there). Colours already inside are returned
    unchanged. The chroma comes from the table of :func:`max_chroma`, checked exactly; the few colours near
    a corner of the gamut where the table is too generous are found by bisection."""
    L = np.asarray(L, np.float32)
    ab = np.array(ab, np.float32, copy=True)
    flat_l, flat_ab = L.reshape(-1), ab.reshape(-1, 2)
    extreme = (flat_l <= 0.0) | (flat_l >= L_MAX)      # black and white have no colour at all
    if extreme.any():
        flat_ab[extreme] = 0.0
    idx = np.flatnonzero(~_surely_inside(flat_l, flat_ab))
    if idx.size:
        idx = idx[~_in_gamut(flat_l[idx], flat_ab[idx])]
    if not idx.size:
        return ab
    l_out, ab_out = flat_l[idx], flat_ab[idx]
    chroma = np.maximum(np.hypot(ab_out[:, 0], ab_out[:, 1]), 1e-6)
    t = np.minimum(max_chroma(l_out, ab_out) * 0.995 / chroma, 1.0).astype(np.float32)
    ok = _in_gamut(l_out, ab_out * t[:, None])
    if not ok.all():                               # near a corner of the gamut: bisect between grey and t
        bad = np.flatnonzero(~ok)
        lb, ab_b = l_out[bad], ab_out[bad]
        lo = np.zeros(bad.size, np.float32)        # grey (chroma 0) is always inside
        hi = t[bad]
        for _ in range(steps):
            mid = (lo + hi) * 0.5
            inside = _in_gamut(lb, ab_b * mid[:, None])
            lo = np.where(inside, mid, lo)
            hi = np.where(inside, hi, mid)
        t[bad] = lo
    flat_ab[idx] = ab_out * t[:, None]
    return ab
