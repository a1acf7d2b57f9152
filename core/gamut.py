"""The sRGB gamut in CIE Lab: which (L, a, b) a screen can show, and pulling colours inside it along their hue.

Part of the Lab contract of :mod:`core.lab` (the same D65 white and XYZ -> sRGB matrix as scikit-image), kept
in its own module for size: :func:`core.lab.join_l_ab` calls :func:`fit_ab_to_gamut` before converting, and
``core.lab`` re-exports these names. This module imports nothing of ``core`` but its numbers (:mod:`core.cie`),
so nothing imports in a circle.
"""

from __future__ import annotations

import functools

import numpy as np

from core.cie import A_SCALE, B_SCALE, D65_WHITE, F_KNEE, F_OFFSET, F_SLOPE, L_MAX, L_OFFSET, L_SCALE

_D65_WHITE = np.array(D65_WHITE, np.float32)


@functools.cache
def _rgb_from_xyz() -> np.ndarray:
    from skimage.color import colorconv

    return colorconv.rgb_from_xyz.astype(np.float32)


def _linear_rgb(L: np.ndarray, ab: np.ndarray) -> np.ndarray:
    """Linear sRGB (N, 3) of Lab colours ``L`` (N,) and ``ab`` (N, 2): scikit-image's formulas up to the gamma
    (which keeps [0, 1] in [0, 1]), so "in gamut" here means exactly what :func:`core.lab.lab_to_rgb` would not clip."""
    fy = (L + L_OFFSET) / L_SCALE
    f = np.stack([fy + ab[:, 0] / A_SCALE, np.broadcast_to(fy, ab[:, 0].shape), fy - ab[:, 1] / B_SCALE], -1)
    f = np.maximum(f, 0.0)
    xyz = np.where(f > F_KNEE, f * f * f, (f - F_OFFSET) / F_SLOPE) * _D65_WHITE
    return xyz @ _rgb_from_xyz().T


TOLERANCE = 1e-4     # linear sRGB this far outside [0, 1] still counts as inside (core.lab.join_l_ab uses it too)


def _in_gamut(L: np.ndarray, ab: np.ndarray, tol: float = TOLERANCE) -> np.ndarray:
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
