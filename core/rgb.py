"""RGB inputs of the engine: the one check of an RGB array (:func:`check_rgb`) and the one test for "no colour"
(:func:`is_grey`, with one tolerance, :data:`GREY_TOLERANCE`). Imports nothing of ``core``.
"""

from __future__ import annotations

import numpy as np

GREY_TOLERANCE = 2     # code values: a black-and-white scan's JPEG and scanner noise is not colour


def is_grey(rgb: np.ndarray, tol: int = GREY_TOLERANCE) -> bool:
    """True when the RGB image (H x W x 3, uint8 or uint16) carries no colour: at every pixel the channels are
    within ``tol`` code values of each other. ``tol=0``: exactly equal, for the shortcuts that work on one
    channel for all three and must lose nothing (a repair, a 16-bit master's lightness, a channel file)."""
    rgb = np.asarray(rgb)
    if tol == 0:
        return bool(np.array_equal(rgb[..., 0], rgb[..., 1]) and np.array_equal(rgb[..., 1], rgb[..., 2]))
    rgb = rgb.astype(np.int32 if rgb.dtype == np.uint16 else np.int16)
    return bool(np.abs(rgb[..., 0] - rgb[..., 1]).max() <= tol and np.abs(rgb[..., 1] - rgb[..., 2]).max() <= tol)


def check_rgb(image, what: str = "the photo", *, grey: bool = True) -> np.ndarray:
    """The one check of an RGB input of the engine: uint8 H x W x 3 (contiguous) from uint8 H x W x 3, H x W x 4
    (the alpha is dropped) or, with ``grey`` (the default), a grey H x W or H x W x 1; ValueError otherwise."""
    arr = np.asarray(image)
    if grey and arr.dtype == np.uint8 and (arr.ndim == 2 or (arr.ndim == 3 and arr.shape[2] == 1)):
        arr = np.repeat(arr.reshape(arr.shape[:2] + (1,)), 3, axis=2)
    if arr.ndim == 3 and arr.shape[2] == 4 and arr.dtype == np.uint8:
        arr = arr[..., :3]
    if arr.dtype != np.uint8 or arr.ndim != 3 or arr.shape[2] != 3:
        raise ValueError(f"{what} must be an RGB image (H x W x 3, uint8), not {arr.dtype} {arr.shape}")
    if min(arr.shape[:2]) < 1:
        raise ValueError(f"{what} has no pixels")
    return np.ascontiguousarray(arr)
