"""Measuring flicker: the mean change of colour (|Δab|) between consecutive frames, along the motion."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from core import lab

MATCH_L = 3.0      # flow-aligned: pixels whose lightness does not match after warping (occlusions) are left out


def _warp(prev: np.ndarray, mx: np.ndarray, my: np.ndarray) -> np.ndarray:
    import cv2

    return cv2.remap(prev, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def _maps(shape, motion, L_prev: np.ndarray, L: np.ndarray):
    """Where each pixel of the current frame was in the previous one (mx, my), and which pixels count."""
    import cv2

    h, w = shape
    gx, gy = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    if motion is None:                                   # unknown motion: dense optical flow on L
        u8 = [np.clip(x * 2.55 + 0.5, 0, 255).astype(np.uint8) for x in (L, L_prev)]
        flow = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM).calc(u8[0], u8[1], None)
        mx, my = gx + flow[..., 0], gy + flow[..., 1]
    else:                                                # a known 2 x 3 map: current -> previous pixels
        m = np.asarray(motion, np.float32)
        mx = m[0, 0] * gx + m[0, 1] * gy + m[0, 2]
        my = m[1, 0] * gx + m[1, 1] * gy + m[1, 2]
    valid = (mx >= 0) & (mx <= w - 1) & (my >= 0) & (my <= h - 1)
    if motion is None:
        valid &= np.abs(_warp(L_prev, mx, my) - L) < MATCH_L
    return mx, my, valid


def frame_flicker(prev_rgb: np.ndarray, rgb: np.ndarray, motion=None) -> float:
    """Mean |Δab| (Euclidean, Lab units) between ``rgb`` and ``prev_rgb`` warped onto it. ``motion``: the
    2 x 3 affine map from this frame's pixels to the previous frame's (known for a synthetic clip), or None
    to follow dense optical flow on L (leaving out pixels whose L does not match after warping)."""
    prev_lab, cur_lab = lab.rgb_to_lab(prev_rgb), lab.rgb_to_lab(rgb)
    mx, my, valid = _maps(cur_lab.shape[:2], motion, prev_lab[..., 0], cur_lab[..., 0])
    if not valid.any():
        return float("nan")
    warped = _warp(np.ascontiguousarray(prev_lab[..., 1:]), mx, my)
    return float(np.linalg.norm(cur_lab[..., 1:] - warped, axis=-1)[valid].mean())


def flicker(frames: Sequence[np.ndarray], motions: Sequence | None = None, cuts: Sequence[int] = ()) -> float:
    """Mean of :func:`frame_flicker` over consecutive pairs of ``frames`` (RGB), skipping the pairs whose
    second frame starts a new shot (``cuts``). ``motions[i]``: the map from frame i to frame i - 1 (or None
    for optical flow); ``motions=None``: optical flow throughout."""
    values = [frame_flicker(frames[i - 1], frames[i], None if motions is None else motions[i])
              for i in range(1, len(frames)) if i not in set(cuts)]
    values = [v for v in values if v == v]
    return float(np.mean(values)) if values else float("nan")
