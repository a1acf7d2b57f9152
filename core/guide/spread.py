"""Spreading colour hints over a photo, edge-aware, with OpenCV contrib's fast global smoother.

The problem is Levin, Lischinski & Weiss's (2004): find ab that equals the hints where there are hints and
varies smoothly where L is smooth, changing across L's edges. OpenCV contrib (``cv2.ximgproc``) solves
the same kind of weighted least squares in linear time with its fast global smoother (Min et al. 2014);
used as a normalised convolution (smooth the hint values and the hint mask with the same L-guided
filter, divide) it spreads each hint until an edge stops it. ``tools/bench_guide.py`` measures it
against Levin et al.'s sparse system (same accuracy, about 100 times faster at one megapixel).

Over an automatic result (``base``), the *difference* between the hint and the prediction is spread,
at full strength only where the hint's spread weight is at least ``REACH`` (the hint's own region,
whatever its size) and fading beyond and across edges, so one click on a door changes the door and
leaves the sky to the model. Each hint counts once whatever its size and whatever its region's size: a
first pass spreads the hints' pixels (1 / the hint's area each) alone, and each pixel's weight is then
divided by what reached it, so every hint spreads to about 1 over its own region. Hints combine: a click
on a small building does not outweigh, over the large water, the click made on the water (issue 34).

Against leaks (issue 24: a red vest's hint reddened the road) the guide is L after a median filter (texture
does not stop the colour, edges do, and sigma_color is small; long thin lines stay in it: issue 34) and beyond
its region the correction fades as the cube of the spread weight; ``tools/bench_leakage.py`` measures the leak
outside hand-masked objects and the 10-hint score together. Without a base the hint colours fill the whole
photo, as in Levin et al.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from core.guide.hints import Hint, rasterize

LAMBDA = 10000.0        # smoothness of the fast global smoother at 512 px on the long side ...
LAMBDA_SIDE = 512.0     # ... scaled with (long side / 512)^2, so a hint reaches as far on any size of photo
SIGMA_COLOR = 3.0       # how strongly L's edges stop the spreading (in 0-255 units of L)
MEDIAN = 3              # passes of a 5 x 5 median filter over the guide (0 = none)
THIN = 10.0             # ... but long thin lines that differ from it by more than this (L units) stay in it ...
THIN_LENGTH = 0.06      # ... "long": at least this x the photo's long side (a post, a waterline, a mast)
FALLOFF = 3.0           # beyond its region a hint's correction fades as (weight / level) ** FALLOFF
REACH = 0.3             # over a base: full correction where the spread hints are >= this x their value at the hints
TINY = 1e-12


def guide_image(L: np.ndarray, median: int = MEDIAN, thin: float = THIN, length: float = THIN_LENGTH) -> np.ndarray:
    """L (0-100) as the 8-bit guide of the edge-aware filters, after ``median`` passes of a 5 x 5 median
    filter (3 passes act like a 7 x 7 one, 100 times faster in OpenCV): fine texture and noise are
    flattened so that the colour spreads through them, while edges stay sharp. The median also wipes out
    thin lines (a wooden post, the dark line where a wall meets its reflection), and colour then ran across
    them (issue 34): where L differs from the median by more than ``thin`` L units along a connected line at
    least ``length`` x the photo's long side, the guide keeps L itself (0 = never)."""
    import cv2

    g = np.clip(np.asarray(L, np.float32) * 2.55 + 0.5, 0, 255).astype(np.uint8)
    if min(g.shape) <= 5:
        return g
    raw = g
    for _ in range(int(median)):
        g = cv2.medianBlur(g, 5)
    if thin > 0 and median > 0:
        far = (cv2.absdiff(raw, g) > thin * 2.55).astype(np.uint8)
        n, labels, stats, _ = cv2.connectedComponentsWithStats(far, connectivity=8)
        if n > 1:
            long = np.maximum(stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]) >= length * max(g.shape)
            long[0] = False
            if long.any():
                g = np.where(long[labels], raw, g)
    return g


def smooth(L: np.ndarray, values: np.ndarray, lam: float = LAMBDA, sigma_color: float = SIGMA_COLOR,
           median: int = MEDIAN, guide: np.ndarray | None = None) -> np.ndarray:
    """Edge-aware smoothing of ``values`` (H, W, C <= 4) guided by L (or by ``guide``, :func:`guide_image`
    of L made once for several calls): the fast global smoother with its smoothness scaled to the photo's
    size. Pure: a new filter per call (safe from any thread)."""
    import cv2

    h, w = L.shape
    scale = (max(h, w) / LAMBDA_SIDE) ** 2
    values = np.ascontiguousarray(values, np.float32)
    g = guide_image(L, median) if guide is None else guide
    out = cv2.ximgproc.fastGlobalSmootherFilter(g, values, float(lam * scale), float(sigma_color))
    return out.reshape(values.shape)


def fade(weight: np.ndarray, level: float, falloff: float = FALLOFF) -> np.ndarray:
    """How fully a hint corrects each pixel, 0-1: 1 where its spread ``weight`` is at least ``level``,
    falling as (weight / level) ** ``falloff`` beyond (further away, across edges)."""
    out = np.clip(np.asarray(weight, np.float32) * np.float32(1.0 / max(level, TINY)), 0.0, 1.0)
    if falloff == 3.0:
        out *= out * out                        # 30 times faster than np.power
    elif falloff != 1.0:
        np.power(out, np.float32(falloff), out=out)
    return out


def spread_ab(L: np.ndarray, hints: Sequence[Hint], base_ab: np.ndarray | None = None, *,
              lam: float = LAMBDA, sigma_color: float = SIGMA_COLOR, reach: float = REACH,
              median: int = MEDIAN, falloff: float = FALLOFF, thin: float = THIN,
              thin_length: float = THIN_LENGTH) -> np.ndarray:
    """ab (H, W, 2) after the hints: over ``base_ab`` local corrections (see the module's docstring), or,
    when it is None, the hint colours alone filling the photo."""
    h, w = L.shape
    base = np.zeros((h, w, 2), np.float32) if base_ab is None else np.asarray(base_ab, np.float32)
    if not hints:
        return base.copy()
    hint_ab, mask, share = rasterize(hints, h, w)
    inside = mask > 0
    # each hint counts once, whatever its size (its pixels carry 1 / its area: ``share``) and whatever the size
    # of its region: the spread share at a hint's own pixels (``own``) is what a lone hint would reach
    # everywhere in its region, so each pixel's share is divided by it and every hint spreads to about 1 in
    # its own region. Two hints then combine: a click in a small region (a building) no longer outweighs,
    # in a large one (the water), the click made there earlier.
    g = guide_image(L, median, thin, thin_length)
    own = smooth(L, share[..., None], lam, sigma_color, median, g)[..., 0]
    src = np.zeros((h, w, 3), np.float32)
    src[..., 2][inside] = share[inside] / np.maximum(own[inside], TINY)
    np.subtract(hint_ab, base, out=src[..., :2])
    src[..., :2] *= src[..., 2:]
    out = smooth(L, src, lam, sigma_color, median, g)
    weight = out[..., 2]
    scale = 1.0 / np.maximum(weight, TINY)
    if base_ab is not None:
        # full correction where a hint's normalised spread reaches ``reach`` (its own region, whatever its
        # size), fading beyond it and across edges
        scale *= fade(weight, reach, falloff)
    correction = np.ascontiguousarray(out[..., :2])
    correction *= scale[..., None]
    residual = src[..., :2][inside] / src[..., 2][inside][:, None]
    np.clip(correction, np.minimum(residual.min(0), 0), np.maximum(residual.max(0), 0), out=correction)  # rounding
    if base_ab is None:
        # far from every hint, across strong edges, the smoothed share can vanish: the mean hint colour there
        far = weight <= TINY
        if far.any():
            correction[far] = (hint_ab * mask[..., None]).reshape(-1, 2).sum(0) / max(float(mask.sum()), 1.0)
    correction += base
    np.copyto(correction, hint_ab, where=inside[..., None])     # the hints themselves are kept exactly
    return correction
