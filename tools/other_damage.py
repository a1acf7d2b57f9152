"""Damage of other shapes than core/restore/synth.py draws, for tools/bench_restore.py --damage other (issue 34).

The detector was trained on synth.damage (1-4 px Bezier scratches and polylines, specks of 0.5-3.5 px, short
hairs, 45-100 % strength, half blurred). This generator is written apart from it and never trains anything;
each photo gets one kind (cycling, so each kind is measured on a fifth of the photos):

- **thick**: 1-2 straight or gently bent scratches 5-9 px wide at 60-100 % strength;
- **bright**: 1-3 sharp (never blurred) scratches 1-3 px wide, pure white or near it at full strength;
- **curved**: 1-3 arcs of a circle of radius 10-40 % of the photo's long side, 1-4 px wide (a ring left by
  a glass, a scratch along a curve);
- **crossing**: 2-3 pairs of scratches 1-3 px wide that cross, one bright and one dark or both alike;
- **clusters**: 2-4 clusters of 10-40 specks (radius 0.4-2.5 px) within 6-20 px of their centre.

The mask is where the drawn damage covers >= 25 % of a pixel, as for synth.damage.
"""

from __future__ import annotations

import cv2
import numpy as np

KINDS = ("thick", "bright", "curved", "crossing", "clusters")
MASK_ALPHA = 0.25


def _line(rng, h, w, bend: float = 0.1) -> np.ndarray:
    """Points (N, 2) of a long, nearly straight line across the photo (a gentle quadratic bend)."""
    size = max(h, w)
    p0 = rng.uniform([0, 0], [w, h])
    ang = rng.uniform(0, np.pi)
    length = rng.uniform(0.6, 1.3) * size
    d = np.array([np.cos(ang), np.sin(ang)])
    mid = p0 + d * length / 2 + rng.normal(0, bend, 2) * length
    t = np.linspace(0, 1, 96)[:, None]
    p2 = p0 + d * length
    return (1 - t) ** 2 * p0 + 2 * (1 - t) * t * mid + t ** 2 * p2


def _arc(rng, h, w) -> np.ndarray:
    size = max(h, w)
    r = rng.uniform(0.1, 0.4) * size
    c = rng.uniform([0, 0], [w, h])
    a0 = rng.uniform(0, 2 * np.pi)
    a = a0 + np.linspace(0, rng.uniform(0.5, 1.5) * np.pi, 128)
    return np.stack([c[0] + r * np.cos(a), c[1] + r * np.sin(a)], axis=1)


def _draw(alpha: np.ndarray, pts: np.ndarray, width: int) -> None:
    cv2.polylines(alpha, [np.round(pts * 4).astype(np.int32)], False, 1.0, max(1, int(width)), cv2.LINE_AA, 2)


def _apply(out: np.ndarray, alpha: np.ndarray, strength: float, bright: bool, rng) -> np.ndarray:
    a = alpha * strength
    if bright:
        return out + a * (rng.uniform(0.92, 1.0) - out).clip(0)
    return out - a * (out - rng.uniform(0.0, 0.1)).clip(0)


def damage(grey: np.ndarray, rng: np.random.Generator, kind: str,
           marks: list | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``grey`` float (H, W) in [0, 1] -> (damaged float32, mask bool) with damage of ``kind`` (KINDS).

    ``marks``: a list to which what a careful person would paint over each mark is appended (points (N, 2) in
    pixels, brush radius): along a scratch, a brush 2 px wider than it on each side; on a dust cluster, one
    dab 2 px wider than three standard deviations of its specks (tools/bench_restore.py --marks: the repair
    with marks made by hand)."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    h, w = grey.shape
    out = grey.astype(np.float32)
    mask = np.zeros((h, w), bool)
    drawn = []                                            # (points, width, strength, bright, blur)
    if kind == "thick":
        for _ in range(int(rng.integers(1, 3))):
            drawn.append((_line(rng, h, w), int(rng.integers(5, 10)), rng.uniform(0.6, 1.0), rng.random() < 0.5,
                          rng.random() < 0.5))
    elif kind == "bright":
        for _ in range(int(rng.integers(1, 4))):
            drawn.append((_line(rng, h, w, 0.05), int(rng.integers(1, 4)), 1.0, True, False))
    elif kind == "curved":
        for _ in range(int(rng.integers(1, 4))):
            drawn.append((_arc(rng, h, w), int(rng.integers(1, 5)), rng.uniform(0.5, 1.0), rng.random() < 0.5,
                          rng.random() < 0.5))
    elif kind == "crossing":
        for _ in range(int(rng.integers(2, 4))):
            a = _line(rng, h, w, 0.05)
            centre = a[len(a) // 2]
            ang = rng.uniform(0.3, 1.3) * (1 if rng.random() < 0.5 else -1)
            rot = np.array([[np.cos(ang), -np.sin(ang)], [np.sin(ang), np.cos(ang)]])
            b = (a - centre) @ rot.T + centre
            alike = rng.random() < 0.5
            first = rng.random() < 0.5
            for pts, bright in ((a, first), (b, first if alike else not first)):
                drawn.append((pts, int(rng.integers(1, 4)), rng.uniform(0.6, 1.0), bright, rng.random() < 0.3))
    else:
        for _ in range(int(rng.integers(2, 5))):
            c = rng.uniform([0, 0], [w, h])
            spread = rng.uniform(6, 20)
            bright = rng.random() < 0.5
            alpha = np.zeros((h, w), np.float32)
            for _ in range(int(rng.integers(10, 41))):
                p = c + rng.normal(0, spread / 2, 2)
                ax = (max(1, int(rng.uniform(0.4, 2.5) * 4)), max(1, int(rng.uniform(0.4, 2.5) * 4)))
                cv2.ellipse(alpha, (int(p[0] * 4), int(p[1] * 4)), ax, float(rng.uniform(0, 180)), 0, 360, 1.0, -1,
                            cv2.LINE_AA, 2)
            alpha = np.minimum(alpha, 1.0)
            if marks is not None:
                marks.append((c[None, :], 1.5 * spread + 2))
            out = _apply(out, alpha, rng.uniform(0.5, 1.0), bright, rng)
            mask |= alpha >= MASK_ALPHA
    for pts, width, strength, bright, blur in drawn:
        if marks is not None:
            marks.append((pts, width / 2 + 2))
        alpha = np.zeros((h, w), np.float32)
        _draw(alpha, pts, width)
        if blur:
            alpha = cv2.GaussianBlur(alpha, (0, 0), rng.uniform(0.3, 0.7))
        out = _apply(out, alpha, strength, bright, rng)
        mask |= alpha >= MASK_ALPHA
    return np.clip(out, 0, 1).astype(np.float32), mask
