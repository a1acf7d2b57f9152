"""Where to click: the few hints that would change the most, with the model's own alternative colours.

One hint (:func:`core.guide.apply_hints`) recolours the region that the edge-aware spreading of
:mod:`core.guide.spread` fills from it, fading at edges. A hint is worth what it can fix there, so each
candidate point is scored by the model's uncertainty (:mod:`core.guide.uncertainty`) summed over that
region, each pixel weighted by how fully the hint reaches it: uncertainty times area. A hint in a large
unsure region beats one in a small speck. The points are picked greedily: once a region is covered, its
uncertainty no longer counts for the next point, so the suggestions go to different places.

The candidate points are one per cell of a grid over the photo, each at the most uncertain flat spot of
its cell (away from edges, where a hint would leak). The regions are worked out on a small copy
(REGION_SIDE pixels on the long side) with the same smoother, its smoothness scaled to the size as
:func:`core.guide.spread.smooth` does, so they match what ``apply_hints`` fills on the photo.

The colours offered at a point are the distinct modes of the model's distribution pooled over the
region: the bins' probabilities summed with the region's weights, then the most probable colour, then the
most probable one at least MIN_AB_DISTANCE (Lab units) from it, and so on, each as the probability-weighted
mean ab around its mode, shown at the region's lightness and pulled inside the sRGB gamut along its hue
(:func:`core.gamut.fit_ab_to_gamut`). Deterministic and safe from several threads.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field

import numpy as np

from core import gamut, lab
from core.guide import spread
from core.guide.uncertainty import distribution, uncertainty_map
from core.rgb import check_rgb

REGION_SIDE = 192          # the long side, in pixels, of the copy on which regions are worked out
GRID = 8                   # candidate points: about GRID x GRID cells over the photo
CANDIDATES = 3             # colours offered per suggestion
MIN_AB_DISTANCE = 28.0     # between two offered colours, in Lab ab units (about 15-25 ΔE2000)
MODE_RADIUS = 12.0         # an offered colour is the mean of the pooled bins within this of its mode
MAX_K = 20
BORDER = 3                 # pixels of the small copy along the border where a point is less welcome


@dataclass(frozen=True)
class Suggestion:
    """One place to click. ``x``, ``y``: image pixels (0, 0 = top-left). ``candidates``: the model's own
    alternative colours there, (r, g, b) 0-255, most probable first (at least three, all different colours).
    ``region``: bool H x W, what one click there would recolour (None when not asked for). ``reason``: one
    short sentence for the user. ``score``: the share of the photo's uncertainty that the click covers.
    ``probabilities``: the model's pooled probability near each candidate. ``uncertainty``: the mean
    uncertainty (0-1) over the region."""

    x: int
    y: int
    candidates: tuple[tuple[int, int, int], ...]
    region: np.ndarray | None = field(default=None, compare=False, repr=False)
    reason: str = ""
    score: float = 0.0
    probabilities: tuple[float, ...] = ()
    uncertainty: float = 0.0

    @property
    def hexes(self) -> list[str]:
        return ["#{:02x}{:02x}{:02x}".format(*c) for c in self.candidates]


# ------------------------------------------------------------------------------------------ colour names
_HUE_EDGES = (20, 50, 80, 110, 170, 225, 310, 345)       # Lab hue angles (degrees) where a name starts
_HUE_NAMES = ("pink", "red", "orange", "yellow", "green", "teal", "blue", "purple", "pink")


def colour_name(L: float, a: float, b: float) -> str:
    """A plain English name for a Lab colour (grey, red, orange, brown, yellow, green, teal, blue, purple, pink)."""
    c = math.hypot(a, b)
    if c < 9.0:
        return "white" if L > 88 else "black" if L < 15 else "grey"
    hue = math.degrees(math.atan2(b, a)) % 360.0
    name = _HUE_NAMES[bisect.bisect_right(_HUE_EDGES, hue)]
    if name in ("red", "orange", "yellow") and L < 45 and c < 45:
        name = "brown"
    elif name == "orange" and L >= 60 and c < 30:
        name = "beige"
    return name


def _reason(names: list[str], top: float) -> str:
    unique = list(dict.fromkeys(names))
    if len(unique) == 1:
        return f"the model is unsure which {unique[0]} this is"
    if top >= 0.6:
        return f"the model leans to {unique[0]} here, but it could be {' or '.join(unique[1:3])}"
    if len(unique) == 2:
        return f"the model hesitates between {unique[0]} and {unique[1]} here"
    return f"the model hesitates between {unique[0]}, {unique[1]} and {unique[2]} here"


# ------------------------------------------------------------------------------------------ the pieces
def _small_l(L: np.ndarray, side: int = REGION_SIDE) -> np.ndarray:
    h, w = L.shape
    scale = min(1.0, side / float(max(h, w)))
    return lab.resize_l(L, max(1, round(h * scale)), max(1, round(w * scale)))


def _candidate_points(L: np.ndarray, u: np.ndarray, grid: int = GRID) -> list[tuple[int, int]]:
    """One point per grid cell: where uncertainty is high and L is flat (a hint on an edge leaks)."""
    import cv2

    h, w = L.shape
    gx = cv2.Sobel(L, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(L, cv2.CV_32F, 0, 1, ksize=3)
    edge = cv2.GaussianBlur(np.hypot(gx, gy), (0, 0), 1.5)
    flat = 1.0 / (1.0 + edge / 8.0)
    value = u * flat
    m = BORDER                                  # a click on the photo's very border is awkward
    if h > 2 * m and w > 2 * m:
        value[:m] *= 0.5
        value[-m:] *= 0.5
        value[:, :m] *= 0.5
        value[:, -m:] *= 0.5
    cell = max(1.0, max(h, w) / float(grid))
    ny, nx = max(1, round(h / cell)), max(1, round(w / cell))
    ys = np.linspace(0, h, ny + 1).round().astype(int)
    xs = np.linspace(0, w, nx + 1).round().astype(int)
    points = []
    for y0, y1 in zip(ys[:-1], ys[1:], strict=True):
        for x0, x1 in zip(xs[:-1], xs[1:], strict=True):
            if y1 <= y0 or x1 <= x0:
                continue
            part = value[y0:y1, x0:x1]
            iy, ix = np.unravel_index(int(np.argmax(part)), part.shape)     # first maximum: deterministic
            points.append((int(x0 + ix), int(y0 + iy)))
    return points


def _reach(L: np.ndarray, points: list[tuple[int, int]]) -> np.ndarray:
    """(N, h, w) float32 in [0, 1]: how fully one hint at each point would recolour each pixel, as
    :func:`core.guide.spread.spread_ab` over a base (1 inside its region, fading beyond and across edges)."""
    h, w = L.shape
    out = np.empty((len(points), h, w), np.float32)
    for start in range(0, len(points), 4):                  # the smoother takes up to 4 channels at once
        part = points[start:start + 4]
        src = np.zeros((h, w, 4), np.float32)
        for c, (x, y) in enumerate(part):
            src[y, x, c] = 1.0
        sm = spread.smooth(L, src)
        for c, (x, y) in enumerate(part):
            weight = sm[..., c]
            level = max(float(weight[y, x]) * spread.REACH, spread.TINY)
            out[start + c] = spread.fade(weight, level)
    return out


def _modes(pooled: np.ndarray, centres: np.ndarray, n: int) -> list[tuple[np.ndarray, float]]:
    """``n`` distinct colours of a pooled distribution: greedy modes at least MIN_AB_DISTANCE apart, each
    (ab, probability within MODE_RADIUS of it); fewer apart when the bins run out."""
    p = np.asarray(pooled, np.float64)
    p = p / max(p.sum(), spread.TINY)
    d = np.sqrt(((centres[:, None, :] - centres[None, :, :]) ** 2).sum(-1))       # (Q, Q)
    near = d <= MODE_RADIUS
    mass = near.astype(np.float64) @ p                  # probability within MODE_RADIUS of each bin
    picked: list[int] = []
    out = []
    distance = MIN_AB_DISTANCE
    while len(out) < n:
        allowed = np.ones(len(p), bool)
        for q in picked:
            allowed &= d[q] >= distance
        if not allowed.any():
            distance *= 0.7                            # the distribution is narrow: accept closer colours
            continue
        q = int(np.argmax(np.where(allowed, mass, -1.0)))
        picked.append(q)
        weights = p * near[q]
        ab = (weights[:, None] * centres).sum(0) / weights.sum() if weights.sum() > spread.TINY else centres[q]
        out.append((ab.astype(np.float32), float(mass[q])))
    return out


def _swatches(L_value: float, abs_: list[np.ndarray]) -> list[tuple[int, int, int]]:
    """Each ab as an sRGB colour at lightness ``L_value``, pulled inside the gamut along its hue."""
    ab = np.array(abs_, np.float32).reshape(1, -1, 2)
    L = np.full(ab.shape[:2], np.float32(np.clip(L_value, 1.0, 99.0)))
    rgb = lab.join_l_ab(L, gamut.fit_ab_to_gamut(L, ab))[0]
    return [tuple(int(v) for v in c) for c in rgb]


# ------------------------------------------------------------------------------------------ the API
def suggest(rgb: np.ndarray, model: str = "autoencoder", k: int = 3, render_factor: int | None = None, *,
            regions: bool = True) -> list[Suggestion]:
    """The ``k`` clicks that would change the most, most useful first (see the module's docstring): each a
    :class:`Suggestion` with its point, at least CANDIDATES alternative colours, the region one click
    there recolours (bool H x W, or None with ``regions=False``) and a reason. Fewer than ``k`` when the
    photo has fewer places worth a click. Errors as :func:`core.guide.uncertainty.uncertainty`
    (NoDistribution for the grayscale model), and ValueError for ``k`` outside 1 to MAX_K."""
    import cv2

    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= int(k) <= MAX_K:
        raise ValueError(f"k, the number of suggestions, must be a whole number from 1 to {MAX_K}, not {k!r}")
    rgb = check_rgb(rgb)
    H, W = rgb.shape[:2]
    L_work, probs, centres = distribution(rgb, model, render_factor)
    L = _small_l(L_work)
    h, w = L.shape
    u = uncertainty_map(L, probs)
    points = _candidate_points(L, u)
    reach = _reach(L, points)                                     # (N, h, w)
    remaining = u.astype(np.float64)
    total = max(float(remaining.sum()), spread.TINY)
    oh, ow = probs.shape[:2]
    flat_probs = probs.reshape(-1, probs.shape[-1])
    out: list[Suggestion] = []
    used = np.zeros(len(points), bool)
    for _ in range(int(k)):
        gains = np.einsum("nij,ij->n", reach, remaining)
        gains[used] = -1.0
        i = int(np.argmax(gains))
        if gains[i] <= 0.02 * total:            # nothing left worth a click
            break
        used[i] = True
        soft = reach[i]
        remaining *= 1.0 - soft
        # the model's distribution pooled over the region, at its output resolution
        soft_out = cv2.resize(soft, (ow, oh), interpolation=cv2.INTER_AREA).reshape(-1)
        if soft_out.sum() <= spread.TINY:
            px, py = points[i]
            soft_out = np.zeros(oh * ow, np.float32)
            soft_out[min(oh - 1, py * oh // h) * ow + min(ow - 1, px * ow // w)] = 1.0
        pooled = soft_out @ flat_probs
        modes = _modes(pooled, centres, CANDIDATES)
        inside = soft >= 0.5
        L_region = float(np.median(L[inside])) if inside.any() else float(L[points[i][1], points[i][0]])
        swatches = _swatches(L_region, [ab for ab, _ in modes])
        names = [colour_name(L_region, float(ab[0]), float(ab[1])) for ab, _ in modes]
        px, py = points[i]
        x = int(min(W - 1, round((px + 0.5) * W / w - 0.5)))
        y = int(min(H - 1, round((py + 0.5) * H / h - 0.5)))
        region = None
        if regions:
            region = cv2.resize(soft, (W, H), interpolation=cv2.INTER_LINEAR) >= 0.5
            region[y, x] = True
        out.append(Suggestion(x, y, tuple(swatches), region, _reason(names, modes[0][1]),
                              float(gains[i] / total), tuple(m for _, m in modes),
                              float((u * soft).sum() / max(float(soft.sum()), spread.TINY))))
    return out
