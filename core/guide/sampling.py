"""Hints sampled from a colour original: what a user who knows the true colours would give (the Guide page's
test mode, the tests and the benchmarks)."""

from __future__ import annotations

import numpy as np

from core.guide.hints import Hint


def sample_hints(reference_rgb: np.ndarray, n: int, seed: int = 0, radius: int = 2) -> list[Hint]:
    """``n`` point hints at random places (fixed ``seed``), each with the colour original's mean colour over
    its disk: what a user who knows the true colours would give. For test mode and the benchmark."""
    import cv2

    ref = np.asarray(reference_rgb)
    h, w = ref.shape[:2]
    rng = np.random.default_rng(seed)
    r = int(max(0, radius))
    disk = np.zeros((2 * r + 1, 2 * r + 1), np.uint8)
    cv2.circle(disk, (r, r), r, 1, -1)
    out = []
    for _ in range(int(n)):
        x = int(rng.integers(0, w))
        y = int(rng.integers(0, h))
        y0, y1, x0, x1 = max(0, y - r), min(h, y + r + 1), max(0, x - r), min(w, x + r + 1)
        patch = ref[y0:y1, x0:x1].reshape(-1, 3)
        keep = disk[y0 - y + r:y1 - y + r, x0 - x + r:x1 - x + r].reshape(-1).astype(bool)
        colour = tuple(int(round(v)) for v in patch[keep].astype(np.float64).mean(0))
        out.append(Hint(((float(x), float(y)),), colour, float(r)))
    return out
