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

import numpy as np
from skimage import color

from core import cie
from core.cie import L_MAX
from core.gamut import fit_ab_to_gamut, max_chroma  # noqa: F401  (the sRGB gamut, core.gamut; named here too)

AB_SCALE = 110.0     # the networks' ab_norm = ab / AB_SCALE (L_MAX, the CIE numbers: core.cie)


def rgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """uint8 RGB (H, W, 3) -> float32 Lab (H, W, 3), D65 (big images in strips: bounded temporaries)."""
    rgb = np.asarray(rgb)
    if rgb.dtype != np.uint8:
        raise TypeError(f"expected uint8 RGB, got {rgb.dtype}")

    def convert(part):
        return color.rgb2lab(part.astype(np.float32) / 255.0).astype(np.float32)

    return _in_strips(convert, 3, np.float32, rgb) if rgb.ndim == 3 else convert(rgb)


def neutral_srgb(L, xp=np):
    """sRGB value in [0, 1] of the neutral grey (a = b = 0) of lightness L: Y from L, then the sRGB curve.

    The one L -> grey sRGB formula (scikit-image's constants). ``xp`` is ``numpy`` or ``keras.ops``, so the
    networks compute exactly this inside the graph (:class:`core.training.network.LToGreyRGB`)."""
    fy = (L + cie.L_OFFSET) / cie.L_SCALE
    y = xp.where(fy > cie.F_KNEE, fy * fy * fy, (fy - cie.F_OFFSET) / cie.F_SLOPE)
    y = xp.clip(y, 0.0, 1.0)
    encoded = cie.SRGB_SCALE * xp.power(xp.maximum(y, 1e-8), 1.0 / cie.SRGB_GAMMA) - cie.SRGB_A
    return xp.where(y > cie.SRGB_LINEAR_KNEE, encoded, cie.SRGB_SLOPE * y)


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


# Lab -> sRGB is scikit-image's lab2rgb (its D65 white, its XYZ -> sRGB matrix, its clipping of negative Z)
# in float32, with OpenCV doing the arithmetic: cv2.transform for the two linear steps, cv2.pow for the gamma.
# tests/test_lab.py pins it to scikit-image's own numbers (the same uint8 except a handful of pixels by one).
_F_FROM_LAB = ((1 / cie.L_SCALE, 1 / cie.A_SCALE, 0.0, cie.F_OFFSET),      # fx = (L + 16) / 116 + a / 500
               (1 / cie.L_SCALE, 0.0, 0.0, cie.F_OFFSET),                  # fy = (L + 16) / 116
               (1 / cie.L_SCALE, 0.0, -1 / cie.B_SCALE, cie.F_OFFSET))     # fz = (L + 16) / 116 - b / 200


@functools.cache
def _srgb_matrices() -> tuple[np.ndarray, np.ndarray]:
    """(f of Lab as a 3 x 4 affine map, linear sRGB of f^-1 as 3 x 3: rgb_from_xyz times the D65 white)."""
    from skimage.color import colorconv

    white = np.array(cie.D65_WHITE)
    return np.array(_F_FROM_LAB, np.float32), (colorconv.rgb_from_xyz * white[None, :]).astype(np.float32)


def linear_srgb(lab: np.ndarray) -> np.ndarray:
    """float32 Lab (H, W, 3) -> linear sRGB (H, W, 3) float32, not clipped: in [0, 1] means inside the gamut."""
    import cv2

    f_from_lab, rgb_from_f = _srgb_matrices()
    f = cv2.transform(np.ascontiguousarray(lab, np.float32), f_from_lab)
    np.maximum(f[..., 2], 0.0, out=f[..., 2])           # scikit-image clips negative Z (fz < 0) to 0
    out = (f - np.float32(cie.F_OFFSET)) / np.float32(cie.F_SLOPE)
    np.copyto(out, f * f * f, where=f > np.float32(cie.F_KNEE))
    return cv2.transform(out, rgb_from_f)


def _grey_levels(L: np.ndarray, top: float) -> np.ndarray:
    """The exact grey code values (rounded in float64) of lightness ``L``: what a = b = 0 becomes."""
    return np.clip(np.rint(neutral_srgb(np.asarray(L, np.float64)) * top), 0, top)


def _encode_srgb(lin: np.ndarray | None, lab: np.ndarray, dtype) -> np.ndarray:
    """Linear sRGB (H, W, 3) float32 -> gamma-encoded, clipped, rounded RGB of ``dtype``; a = b = 0 -> exact grey
    (``lin`` None: every pixel is grey)."""
    import cv2

    top = _levels(dtype)
    if lin is None:
        return np.repeat(_grey_levels(lab[..., 0], top).astype(dtype)[..., None], 3, axis=-1)
    np.clip(lin, 0.0, 1.0, out=lin)
    rgb = cv2.pow(lin, 1.0 / cie.SRGB_GAMMA)
    rgb *= np.float32(cie.SRGB_SCALE)
    rgb -= np.float32(cie.SRGB_A)
    np.multiply(lin, np.float32(cie.SRGB_SLOPE), out=rgb, where=lin <= np.float32(cie.SRGB_LINEAR_KNEE))
    rgb *= top
    np.rint(rgb, out=rgb)
    out = np.clip(rgb, 0, top, out=rgb).astype(dtype)
    neutral = (lab[..., 1] == 0) & (lab[..., 2] == 0)
    if neutral.any():
        out[neutral] = _grey_levels(lab[..., 0][neutral], top)[:, None]
    return out


def _lab_to_rgb_strip(lab: np.ndarray, dtype=np.uint8, fit: bool = False) -> np.ndarray:
    """One strip of Lab (H, W, 3) float32 -> RGB of ``dtype``. ``fit``: first pull the colours that sRGB cannot
    show (and any colour of black or white) towards grey along their hue (:func:`core.gamut.fit_ab_to_gamut`,
    called on those pixels only: the rest are found inside by the linear sRGB that the conversion needs anyway),
    in ``lab`` itself (the caller's own temporary)."""
    import cv2

    if lab.size == 0:
        return np.zeros(lab.shape, dtype)
    if not lab[..., 1:].any():                          # all grey (the grayscale model, to_grey_rgb)
        return _encode_srgb(None, lab, dtype)
    lin = linear_srgb(lab)
    if fit:
        from core.gamut import TOLERANCE

        L = lab[..., 0]
        extreme = (L <= 0.0) | (L >= L_MAX)              # black and white have no colour at all
        outside = cv2.inRange(lin, (-TOLERANCE,) * 3, (1.0 + TOLERANCE,) * 3) == 0
        outside &= ~extreme
        if extreme.any() or outside.any():
            lab[extreme, 1:] = 0.0
            flat_lab, flat_lin = lab.reshape(-1, 3), lin.reshape(-1, 3)
            idx = np.flatnonzero(outside)
            if idx.size:
                part = flat_lab[idx]
                part[:, 1:] = fit_ab_to_gamut(part[:, 0], part[:, 1:])
                flat_lab[idx] = part
                flat_lin[idx] = linear_srgb(part[:, None])[:, 0]
    return _encode_srgb(lin, lab, dtype)


def lab_to_rgb(lab: np.ndarray, dtype=np.uint8) -> np.ndarray:
    """float Lab (..., 3) -> RGB of ``dtype`` (uint8 or uint16; rounded, clipped to the sRGB gamut).

    Pixels with a = b = 0 exactly become exact greys (R = G = B). scikit-image's
    D65 white point and its XYZ -> sRGB matrix differ slightly, so its neutral
    axis is off by up to ~0.01 of a code value, which rounding could turn into a
    one-level tint (e.g. 228, 228, 229) in the "grey" output.

    The numbers are scikit-image's (``lab2rgb``) in float32, computed by OpenCV
    (about ten times faster); big images go in strips of about a megapixel, so
    the temporaries do not grow with the photo.
    """
    _levels(dtype)
    lab = np.asarray(lab, dtype=np.float32)
    if lab.ndim != 3:          # a list of colours (N, 3) and the like: small, in one piece
        return _lab_to_rgb_strip(lab.reshape(-1, 1, 3), dtype).reshape(lab.shape)
    return _in_strips(lambda part: _lab_to_rgb_strip(part, dtype), 3, dtype, lab)


def _rgb_to_l(rgb: np.ndarray) -> np.ndarray:
    """L (H, W) float32 of uint8 or uint16 RGB: scikit-image on ``rgb / 255`` or ``rgb / 65535``."""
    return color.rgb2lab(rgb.astype(np.float32) / np.float32(_levels(rgb.dtype)))[..., 0].astype(np.float32)


@functools.cache
def _luminance_table(dtype) -> np.ndarray:
    """(1, levels, 3) float32: each code value's linear sRGB (scikit-image's curve) times its channel's weight
    in Y (the middle row of scikit-image's xyz_from_rgb), so that Y = the sum over the channels."""
    from skimage.color import colorconv

    v = np.arange(int(_levels(dtype)) + 1, dtype=np.float64) / _levels(dtype)
    lin = np.where(v > cie.SRGB_ENCODED_KNEE, ((v + cie.SRGB_A) / cie.SRGB_SCALE) ** cie.SRGB_GAMMA, v / cie.SRGB_SLOPE)
    return (lin[None, :, None] * colorconv.xyz_from_rgb[1][None, None, :]).astype(np.float32)


def _fast_rgb_to_l(rgb: np.ndarray) -> np.ndarray:
    """:func:`_rgb_to_l` with OpenCV doing the arithmetic (a table per code value, a sum, a cube root)."""
    import cv2

    table = _luminance_table(rgb.dtype.type)
    weighted = cv2.LUT(rgb, table) if rgb.dtype == np.uint8 else table[0, rgb, np.arange(3)]
    y = cv2.transform(np.ascontiguousarray(weighted), np.ones((1, 3), np.float32))      # Y (white: Y = 1)
    fy = cv2.pow(y, 1.0 / 3.0)
    np.copyto(fy, y * np.float32(cie.F_SLOPE) + np.float32(cie.F_OFFSET), where=y <= np.float32(cie.T_KNEE))
    return fy * np.float32(cie.L_SCALE) - np.float32(cie.L_OFFSET)


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
    return _in_strips(_fast_rgb_to_l, 0, np.float32, rgb)


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
        return _lab_to_rgb_strip(np.concatenate([l_part[..., None], ab_part], -1), dtype, fit=True)

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
