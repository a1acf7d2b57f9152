"""Quantised ab space for the classification loss (Zhang et al. 2016).

The bins are the cells of a 10 x 10 grid on ab in [-110, 110] that the sRGB
gamut reaches (computed here from the gamut, not copied from anywhere), so
every bin centre is a colour a screen can show.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import gaussian_filter

from core.lab import AB_SCALE

GRID = 10.0
N_CELLS = int(2 * AB_SCALE / GRID)  # 22


def gamut_bins() -> np.ndarray:
    """(Q, 2) float32 ab centres of the grid cells reached by the sRGB gamut."""
    from skimage import color

    v = np.linspace(0.0, 1.0, 64)
    rgb = np.stack(np.meshgrid(v, v, v, indexing="ij"), -1).reshape(-1, 1, 3)
    ab = color.rgb2lab(rgb).reshape(-1, 3)[:, 1:]
    cells = np.unique(_cell(ab), axis=0)
    return (cells * GRID - AB_SCALE + GRID / 2).astype(np.float32)


def _cell(ab: np.ndarray) -> np.ndarray:
    c = np.floor((np.asarray(ab) + AB_SCALE) / GRID).astype(np.int64)
    return np.clip(c, 0, N_CELLS - 1)


class Quantizer:
    """Maps ab values to the nearest gamut bin through a 22 x 22 lookup table."""

    def __init__(self, centres: np.ndarray):
        self.centres = np.asarray(centres, np.float32)
        grid = (np.arange(N_CELLS) * GRID - AB_SCALE + GRID / 2).astype(np.float32)
        ga, gb = np.meshgrid(grid, grid, indexing="ij")
        cells = np.stack([ga, gb], -1).reshape(-1, 2)
        d = ((cells[:, None, :] - self.centres[None]) ** 2).sum(-1)
        self.lut = d.argmin(1).reshape(N_CELLS, N_CELLS).astype(np.int32)

    @property
    def n_bins(self) -> int:
        return len(self.centres)

    def encode(self, ab: np.ndarray) -> np.ndarray:
        """ab (..., 2) in Lab units -> bin index (...)."""
        c = _cell(ab)
        return self.lut[c[..., 0], c[..., 1]]

    def smoothed_prior(self, counts: np.ndarray, sigma: float = 5.0) -> np.ndarray:
        """Bin frequencies smoothed on the ab grid (Gaussian, sigma in ab units), summing to 1."""
        p = np.asarray(counts, np.float64)
        p = p / max(p.sum(), 1.0)
        grid = np.zeros((N_CELLS, N_CELLS))
        cells = _cell(self.centres)
        grid[cells[:, 0], cells[:, 1]] = p
        grid = gaussian_filter(grid, sigma / GRID, mode="constant")
        ps = grid[cells[:, 0], cells[:, 1]]
        return ps / max(ps.sum(), 1e-12)

    def rebalance_weights(self, counts: np.ndarray, lam: float = 0.5, sigma: float = 5.0) -> np.ndarray:
        """Zhang et al.'s class rebalancing: w ~ ((1 - lam) * p_smooth + lam / Q)^-1,
        normalised so that the expected weight under p is 1."""
        p = np.asarray(counts, np.float64)
        p = p / max(p.sum(), 1.0)
        ps = self.smoothed_prior(counts, sigma)
        w = 1.0 / ((1 - lam) * ps + lam / len(p))
        w = w / (p * w).sum()
        return w.astype(np.float32)

    def decoding_prior(self, counts: np.ndarray, sigma: float = 5.0, floor: float = 0.01) -> np.ndarray:
        """The prior stored in the decoder: smoothed frequencies mixed with a little
        of the uniform distribution so that never-seen bins are not boosted without bound."""
        ps = self.smoothed_prior(counts, sigma)
        return (1 - floor) * ps + floor / len(ps)
