"""Colour transfer from a reference colour photo of similar content; the grey photo's L is kept.

Two matchings, both after the reference's lightness is remapped to the photo's (Reinhard et al. 2001):

* **local** (Welsh, Ashikhmin & Mueller 2002): about 200 jittered samples of the reference, each with
  its lightness and the standard deviation of lightness around it; every pixel of the photo takes the
  ab of the sample closest in those two numbers, and the result is smoothed along L's edges by the
  fast global smoother (the one of :mod:`core.guide.spread`);
* **per luminance band** (Reinhard et al.'s statistics, taken separately for dark, middle and bright
  parts): the base's mean ab in each band of L is moved to the reference's, which keeps the base's own
  spatial detail.

The two are averaged, and over an automatic result (``base``) blended with it (``strength``): a
reference of other content alone is worse than the network (``tools/bench_guide.py``), so it corrects
the prediction instead of replacing it.
"""

from __future__ import annotations

import numpy as np

from core import lab
from core.guide.spread import smooth

SAMPLES = 200               # Welsh et al.'s jittered samples of the reference
REFERENCE_SIDE = 512        # the reference is matched on a copy at most this long (statistics and samples)
BANDS = 8                   # luminance bands (Gaussian, over L 0-100)
BAND_WIDTH = 8.0
STRENGTH_OVER_BASE = 0.7    # default share of the reference over an automatic result
_L_STEP, _S_STEP = 0.5, 0.5
_L_CELLS, _S_CELLS = 201, 121      # the nearest-sample table over (L, local std of L)


class ReferencePhotoError(ValueError):
    """The reference cannot be used (it has no colour, or is too small); the message says why."""


def local_std(L: np.ndarray, size: int = 5) -> np.ndarray:
    """Standard deviation of L in a ``size`` x ``size`` window around each pixel."""
    import cv2

    L = np.asarray(L, np.float32)
    mean = cv2.blur(L, (size, size))
    return np.sqrt(np.maximum(cv2.blur(L * L, (size, size)) - mean * mean, 0.0))


def _remap_l(L_ref: np.ndarray, L: np.ndarray) -> np.ndarray:
    """The reference's L moved to the photo's mean and spread (Welsh et al.'s luminance remapping)."""
    return (L_ref - L_ref.mean()) / (L_ref.std() + 1e-6) * L.std() + L.mean()


def welsh_ab(L: np.ndarray, ref_lab: np.ndarray, samples: int = SAMPLES, seed: int = 0) -> np.ndarray:
    """Welsh et al.'s local matching: ab (H, W, 2) for the photo of lightness L, smoothed along its edges."""
    L = np.asarray(L, np.float32)
    L_ref = _remap_l(ref_lab[..., 0], L)
    s_ref = local_std(L_ref)
    h, w = L_ref.shape
    g = max(1, int(np.ceil(np.sqrt(samples))))
    rng = np.random.default_rng(seed)
    ys = ((np.arange(g)[:, None] + rng.random((g, g))) * h / g).astype(np.int64).clip(0, h - 1).reshape(-1)
    xs = ((np.arange(g)[None, :] + rng.random((g, g))) * w / g).astype(np.int64).clip(0, w - 1).reshape(-1)
    feats = np.stack([L_ref[ys, xs], s_ref[ys, xs]], -1)
    colours = ref_lab[ys, xs, 1:].astype(np.float32)
    # the nearest sample of every cell of a fine (L, std) grid, then a lookup per pixel: O(pixels)
    gl = np.arange(_L_CELLS, dtype=np.float32) * _L_STEP
    gs = np.arange(_S_CELLS, dtype=np.float32) * _S_STEP
    dist = ((gl[:, None, None] - feats[None, None, :, 0]) ** 2 + (gs[None, :, None] - feats[None, None, :, 1]) ** 2)
    nearest = dist.argmin(-1)
    li = np.clip(np.rint(L / _L_STEP), 0, _L_CELLS - 1).astype(np.int32)
    si = np.clip(np.rint(local_std(L) / _S_STEP), 0, _S_CELLS - 1).astype(np.int32)
    return smooth(L, colours[nearest[li, si]])


def _band_means(L: np.ndarray, ab: np.ndarray) -> np.ndarray:
    centres = np.linspace(0.0, lab.L_MAX, BANDS, dtype=np.float32)
    wts = np.exp(-((L.reshape(-1, 1) - centres) ** 2) / (2 * BAND_WIDTH ** 2))
    return (wts.T @ ab.reshape(-1, 2)) / (wts.sum(0)[:, None] + 1e-6), wts.sum(0)


def _band_curve(means: np.ndarray) -> np.ndarray:
    """A per-band value (BANDS, 2) as a smooth function of L: its value at L = 0, 0.1, ..., 100 (1001, 2)."""
    centres = np.linspace(0.0, lab.L_MAX, BANDS, dtype=np.float32)
    levels = np.linspace(0.0, lab.L_MAX, 1001, dtype=np.float32)
    wts = np.exp(-((levels[:, None] - centres) ** 2) / (2 * BAND_WIDTH ** 2))
    wts /= wts.sum(1, keepdims=True)
    return (wts @ means).astype(np.float32)


def bands_ab(L: np.ndarray, ref_lab: np.ndarray, base_ab: np.ndarray | None) -> np.ndarray:
    """The base's mean ab in each luminance band moved to the reference's (grey base: the reference's
    mean colour of each band)."""
    L = np.asarray(L, np.float32)
    small_l = lab.resize_l(L, *_small_size(L.shape))
    ref_means, _ = _band_means(_remap_l(ref_lab[..., 0], small_l), ref_lab[..., 1:])
    if base_ab is None:
        shift, base = ref_means, np.zeros(L.shape + (2,), np.float32)
    else:
        base = np.asarray(base_ab, np.float32)
        small_ab = lab.resize_ab(base, *small_l.shape)
        base_means, _ = _band_means(small_l, small_ab)
        shift = ref_means - base_means
    curve = _band_curve(shift)
    idx = np.clip(np.rint(L * 10.0), 0, 1000).astype(np.int32)
    return base + curve[idx]


def _small_size(shape) -> tuple[int, int]:
    h, w = shape[:2]
    s = min(1.0, REFERENCE_SIDE / max(h, w))
    return max(1, round(h * s)), max(1, round(w * s))


def reference_lab(reference_rgb: np.ndarray) -> np.ndarray:
    """Lab of the reference, shrunk to at most REFERENCE_SIDE; ReferencePhotoError when it has no colour."""
    from core.images import fit_within, is_grey

    ref = np.asarray(reference_rgb)
    if ref.ndim != 3 or ref.shape[2] != 3 or ref.dtype != np.uint8:
        raise ReferencePhotoError("the reference must be an RGB photo")
    if min(ref.shape[:2]) < 8:
        raise ReferencePhotoError("the reference photo is too small (it needs at least 8 x 8 pixels)")
    if is_grey(ref):
        raise ReferencePhotoError("the reference photo has no colour: choose a colour photo of similar content")
    return lab.rgb_to_lab(fit_within(ref, REFERENCE_SIDE))


def transfer_ab(L: np.ndarray, ref_lab: np.ndarray, base_ab: np.ndarray | None = None,
                strength: float | None = None, seed: int = 0) -> np.ndarray:
    """ab after the transfer (see the module's docstring)."""
    if strength is None:
        strength = 1.0 if base_ab is None else STRENGTH_OVER_BASE
    strength = float(strength)
    if not 0.0 <= strength <= 1.0:
        raise ValueError(f"strength must be from 0 to 1, not {strength!r}")
    target = 0.5 * (welsh_ab(L, ref_lab, seed=seed) + bands_ab(L, ref_lab, base_ab))
    base = np.zeros_like(target) if base_ab is None else np.asarray(base_ab, np.float32)
    return base + np.float32(strength) * (target - base)
