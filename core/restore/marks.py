"""Strokes a person paints over damage the detector missed (issue 34; :func:`core.restore.restore` ``marks``).

A stroke (two points or more) repairs everything its brush covers: a scratch, however wide. A dab (one point,
a click) repairs only the specks under the brush that stand out from a thin ring around it: dust. Marks are
checked before anything is drawn, and bounded (count, points, radius, the pixels the brush sweeps).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from core.restore.network import detector_input

MAX_MARKS = 500                  # marks per photo
MAX_MARK_POINTS = 20_000         # points of all marks of a photo together
MAX_MARK_PIXELS = 200_000_000    # pixels the brush passes over, added up (a stroke going to and fro is bounded)
MAX_MARK_RADIUS = 2000           # px (OpenCV draws lines at most 32,767 px thick)
DAB_RING = 0.25                  # a dab's surroundings: a ring this share of its radius wide (at least 2 px) ...
DAB_MARGIN = 3 / 255             # ... and what stands out from it by this much is dust (tools/bench_restore_shapes.py)


@dataclass(frozen=True)
class Mark:
    """A stroke painted over damage: ``points`` ((x, y), ...) in pixels of the photo and the brush ``radius`` in
    pixels. A stroke repairs everything it covers; a dab (one point) the specks under it (:func:`marked`)."""

    points: tuple[tuple[float, float], ...]
    radius: float


def check_marks(marks, width: int, height: int) -> tuple[Mark, ...]:
    """``marks`` (Mark or (points, radius) pairs) as checked Marks; ValueError with a clear reason otherwise:
    at most MAX_MARKS marks and MAX_MARK_POINTS points, finite points within a brush radius of the photo, a
    radius of 0.5 px to the photo's long side, and no more than MAX_MARK_PIXELS pixels to paint in all."""
    out, points, cover = [], 0, 0.0
    for i, m in enumerate(marks or ()):
        if i >= MAX_MARKS:
            raise ValueError(f"too many marks: at most {MAX_MARKS} per photo")
        pts, radius = (m.points, m.radius) if isinstance(m, Mark) else m
        try:
            arr = np.asarray(pts, dtype=np.float64).reshape(-1, 2)
            r = float(radius)
        except (TypeError, ValueError):
            raise ValueError(f"mark {i + 1}: points must be (x, y) pairs and the radius a number") from None
        points += len(arr)
        if not len(arr) or points > MAX_MARK_POINTS:
            raise ValueError(f"mark {i + 1}: a mark needs 1 point, and all marks at most {MAX_MARK_POINTS:,}")
        top = min(max(width, height), MAX_MARK_RADIUS)
        if not (np.isfinite(arr).all() and np.isfinite(r)) or not 0.5 <= r <= top:
            raise ValueError(f"mark {i + 1}: the radius must be 0.5 to {top} px and the points finite")
        if (arr < -r).any() or (arr[:, 0] > width + r).any() or (arr[:, 1] > height + r).any():
            raise ValueError(f"mark {i + 1}: a point lies outside the {width} x {height} photo")
        length = float(np.hypot(*np.diff(arr, axis=0).T).sum()) if len(arr) > 1 else 0.0
        cover += (length + 2 * r) * (2 * r + 1)
        if cover > MAX_MARK_PIXELS:
            raise ValueError("the marks cover too much to paint; use fewer or shorter strokes or a smaller brush")
        out.append(Mark(tuple((float(x), float(y)) for x, y in arr), r))
    return tuple(out)


def _ring_width(radius: float) -> int:
    """The width of the ring around a dab that says what its surroundings look like."""
    return max(2, int(round(DAB_RING * radius)))


def _dust_under(light: np.ndarray, disc: np.ndarray, radius: float) -> np.ndarray:
    """The pixels of ``disc`` (bool, over the lightness crop ``light``) that stand out from the ring around it:
    darker than the darkest or brighter than the brightest ring pixel near them, by DAB_MARGIN (grown by 1 px
    within the disc, for the soft edges of a speck). Nothing stands out: nothing is selected."""
    ring_w = _ring_width(radius)
    ring = cv2.dilate(disc.astype(np.uint8), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * ring_w + 1,) * 2))
    ring = ring.astype(bool) & ~disc
    win = (2 * int(np.ceil(radius + ring_w)) + 1,) * 2
    lo = cv2.erode(np.where(ring, light, 2.0).astype(np.float32), cv2.getStructuringElement(cv2.MORPH_RECT, win))
    hi = cv2.dilate(np.where(ring, light, -1.0).astype(np.float32), cv2.getStructuringElement(cv2.MORPH_RECT, win))
    seen = (lo <= 1.0) & (hi >= 0.0)                     # a ring pixel in reach (not cut off by the photo's edge)
    out = disc & seen & ((light < lo - DAB_MARGIN) | (light > hi + DAB_MARGIN))
    return cv2.dilate(out.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool) & disc


def marked(rgb: np.ndarray, marks) -> np.ndarray:
    """The bool (H, W) mask of what the checked ``marks`` ask to repair in ``rgb``: all a stroke covers (a
    scratch), and under a dab (a click) the specks that stand out from its surroundings (:func:`_dust_under`:
    dust; on the tuning half, filling a whole dab over a dust cluster lost 2.7 dB, the specks alone gained 2.8)."""
    h, w = rgb.shape[:2]
    lines = np.zeros((h, w), np.uint8)
    out = np.zeros((h, w), bool)
    shift = 4
    for m in check_marks(marks, w, h):
        if len(m.points) > 1:
            pts = np.round(np.asarray(m.points) * 2 ** shift).astype(np.int32)
            cv2.polylines(lines, [pts], False, 1, 2 * max(1, int(round(m.radius))) + 1, cv2.LINE_8, shift)
            continue
        (cx, cy), r = m.points[0], m.radius
        reach = int(np.ceil(2 * (r + _ring_width(r)) + 2))          # the disc, its ring and the ring's window
        x0, x1 = max(0, int(cx) - reach), min(w, int(cx) + reach + 1)
        y0, y1 = max(0, int(cy) - reach), min(h, int(cy) + reach + 1)
        if x0 >= x1 or y0 >= y1:
            continue
        disc = np.zeros((y1 - y0, x1 - x0), np.uint8)
        cv2.circle(disc, (int(round((cx - x0) * 2 ** shift)), int(round((cy - y0) * 2 ** shift))),
                   int(round(r * 2 ** shift)), 1, -1, cv2.LINE_8, shift)
        out[y0:y1, x0:x1] |= _dust_under(detector_input(rgb[y0:y1, x0:x1]), disc.astype(bool), r)
    return out | lines.astype(bool)
