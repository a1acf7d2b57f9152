"""The one Lab contract of the project.

Every conversion between RGB and CIE Lab, and every normalisation that a
network sees, is defined here and nowhere else.

* RGB images are ``H x W x 3`` ``uint8`` sRGB; 16-bit masters are ``uint16`` (0..65535), whose
  lightness (:func:`lightness`) and result (:func:`join_l_ab` with ``dtype=np.uint16``) keep 16 bits.
* Lab is CIE Lab under D65 (scikit-image ``rgb2lab`` on ``rgb / 255``, or ``rgb / 65535``):
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

from core.gamut import fit_ab_to_gamut, max_chroma  # noqa: F401  (the sRGB gamut, core.gamut; named here too)

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


_LEVELS = {np.dtype(np.uint8): 255.0, np.dtype(np.uint16): 65535.0}


def _levels(dtype) -> float:
    """The top code value of an RGB dtype: 255 for uint8, 65535 for uint16 (TypeError otherwise)."""
    try:
        return _LEVELS[np.dtype(dtype)]
    except (KeyError, TypeError):
        raise TypeError(f"expected uint8 or uint16 RGB, got {dtype}") from None


def _lab_to_rgb_strip(lab: np.ndarray, dtype=np.uint8) -> np.ndarray:
    with warnings.catch_warnings():
        # predicted colours outside the sRGB gamut are clipped, as intended
        warnings.filterwarnings("ignore", message=".*negative Z values.*", category=UserWarning)
        rgb = color.lab2rgb(lab)
    neutral = (lab[..., 1] == 0) & (lab[..., 2] == 0)
    if neutral.any():
        rgb[neutral] = neutral_srgb(lab[..., 0][neutral].astype(np.float64))[:, None]
    top = _levels(dtype)
    return np.clip(np.rint(rgb * top), 0, top).astype(dtype)


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


def _rgb_to_l(rgb: np.ndarray) -> np.ndarray:
    """L (H, W) float32 of uint8 or uint16 RGB: scikit-image on ``rgb / 255`` or ``rgb / 65535``."""
    return color.rgb2lab(rgb.astype(np.float32) / np.float32(_levels(rgb.dtype)))[..., 0].astype(np.float32)


@functools.cache
def _grey_l_table(dtype=np.uint8) -> np.ndarray:
    """L of every grey level (R = G = B = v) of ``dtype`` (256 or 65536 of them), computed once by scikit-image."""
    levels = np.arange(int(_levels(dtype)) + 1).astype(dtype)
    return _rgb_to_l(np.repeat(levels[None, :, None], 3, axis=2))[0].copy()


def lightness(rgb: np.ndarray) -> np.ndarray:
    """The L channel (H, W) float32 in [0, 100] of an RGB image, uint8 or uint16 (16-bit precision kept).

    A grey image (R = G = B, the usual input) takes its L from a table of every grey level that
    scikit-image computed, so the values are the same, several times faster."""
    rgb = np.asarray(rgb)
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"expected RGB (H, W, 3), got shape {rgb.shape}")
    _levels(rgb.dtype)                                   # uint8 or uint16, else TypeError
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    if np.array_equal(r, g) and np.array_equal(g, b):
        return _grey_l_table(rgb.dtype.type)[r]
    return _in_strips(_rgb_to_l, 0, np.float32, rgb)


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


def join_l_ab(L: np.ndarray, ab: np.ndarray, dtype=np.uint8) -> np.ndarray:
    """Join full-resolution L (H, W) with ab of any size (h, w, 2) -> RGB (H, W, 3) of ``dtype``: uint8
    (default) or uint16 (0..65535, rounded from the same sRGB values: a 16-bit L keeps its precision).

    ab is resized to L's size; L is used exactly as given, so the grey detail
    of the input is preserved at full resolution. Colours that sRGB cannot show
    at their pixel's lightness lose chroma along their own hue
    (:func:`core.gamut.fit_ab_to_gamut`) instead of being clipped per channel,
    which would change the lightness. a = b = 0 gives exact greys in both dtypes.
    """
    _levels(dtype)
    L = np.asarray(L, np.float32)
    h, w = L.shape
    ab = resize_ab(ab, h, w)

    def strip(l_part, ab_part):
        ab_part = fit_ab_to_gamut(l_part, ab_part)
        return _lab_to_rgb_strip(np.concatenate([l_part[..., None], ab_part], -1), dtype)

    return _in_strips(strip, 3, dtype, L, ab)


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
