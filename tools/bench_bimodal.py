"""Why a model paints blotches on skin: its distribution over the ab bins on the face skin of the blotch measure.

    python tools/bench_bimodal.py --model autoencoder
    python tools/bench_bimodal.py --model runs/v3/full_w1/autoencoder.keras
    python tools/bench_bimodal.py --model autoencoder --render-factor 32    # 4 x the skin pixels, not as shipped

For every skin pixel of the faces of tools/bench_blotches.py (the 39 held-out faces and astronaut; camera, the
real black-and-white photo, in a column of its own) at the distribution's resolution (1/4 of the render size),
from the network's own probabilities p over the bins (temperature 1) it finds:

* the **modes**: local maxima of p smoothed over the bin grid (a Gaussian of one bin spacing, 10 ab units),
  each compared with its 8 grid neighbours; a pixel is **bimodal** when its two highest modes are more than
  BIMODAL_APART (30) ab units apart and the second has at least BIMODAL_RATIO (half) of the first's height;
* the colour as decoded by the model's own annealed mean (its T, prior strength and chroma gain), the same at
  chroma gain 1, and the top mode's colour (decoding by the mode: the p-weighted mean of the mode's bin and its
  8 neighbours, finer than the 10-unit bins);
* for each pixel decoded as a blotch, its cause, the first that applies: (c) the top mode itself is a blotch
  colour (the network believes it); (b) the chroma gain (not a blotch at gain 1); (a) the annealed mean
  between modes (a bimodal pixel); other (a broad, one-mode distribution whose mean lies outside skin).

Shares are of the skin pixels, or of the blotch pixels for the causes; each with the measure's sector
(tools/blotches.py SKIN_HUE) and the strict one (STRICT_HUE). Needs a model with a distribution (the
autoencoder's classification head); prints one markdown table.
"""

from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import blotches  # noqa: E402  (tools/blotches.py, beside this script)
import numpy as np  # noqa: E402
from bench_blotches import faces_to_measure, parse_models  # noqa: E402


def grid_neighbours(centres: np.ndarray) -> tuple[np.ndarray, float]:
    """(Q, 8) indices of each bin's neighbours on the ab grid (itself where it has fewer), and the spacing."""
    d = np.linalg.norm(centres[:, None] - centres[None], axis=-1)
    spacing = float(np.min(d[d > 1e-6]))
    out = np.tile(np.arange(len(centres))[:, None], (1, 8))
    for i, row in enumerate(d):
        near = np.flatnonzero((row > 1e-6) & (row <= 1.5 * spacing))[:8]
        out[i, : len(near)] = near
    return out, spacing


def modes(p: np.ndarray, centres: np.ndarray, smooth: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For probabilities p (n, Q): the top two modes of p smoothed over the grid (or not), as bin indices (n,),
    (n,) and the second's height over the first's (0 where there is one mode)."""
    nbr, spacing = grid_neighbours(centres)
    d2 = np.sum((centres[:, None] - centres[None]) ** 2, axis=-1)
    s = p @ np.exp(-d2 / (2 * spacing ** 2)) if smooth else p
    peak = np.all(s[:, :, None] >= s[:, nbr], axis=-1)
    height = np.where(peak, s, -np.inf)
    order = np.argsort(-height, axis=1)[:, :2]
    first, second = order[:, 0], order[:, 1]
    rows = np.arange(len(p))
    ratio = np.where(np.isfinite(height[rows, second]), height[rows, second] / height[rows, first], 0.0)
    return first, second, ratio


def mode_colour(p: np.ndarray, centres: np.ndarray, mode: np.ndarray) -> np.ndarray:
    """Where a mode is, finer than its bin: the mean of the bin centres of the mode and its grid neighbours,
    weighted by p (a bin centre alone is 10 ab units coarse: (15, 5), skin's commonest top bin, has a hue of
    18 deg, just outside the sector)."""
    nbr, _ = grid_neighbours(centres)
    idx = np.concatenate([mode[:, None], nbr[mode]], axis=1)              # (n, 9), repeats where fewer
    first = np.concatenate([np.ones((len(p), 1), bool), idx[:, 1:] != mode[:, None]], axis=1)
    w = np.take_along_axis(p, idx, axis=1) * first
    return np.einsum("nk,nkc->nc", w, centres[idx]) / np.maximum(w.sum(axis=1, keepdims=True), 1e-30)


def decode(p: np.ndarray, centres: np.ndarray, log_prior: np.ndarray, t: float, beta: float) -> np.ndarray:
    """The annealed mean (core/training/network.py AnnealedMeanAB) of probabilities p (n, Q), before the gain."""
    z = (np.log(np.maximum(p, 1e-30)) - beta * log_prior) / t
    z -= z.max(axis=1, keepdims=True)
    q = np.exp(z)
    return (q / q.sum(axis=1, keepdims=True)) @ centres


def skin_cells(L: np.ndarray, boxes, grid: tuple[int, int]) -> np.ndarray:
    """The skin mask of every box, sampled at the centres of the distribution's grid cells (h', w')."""
    mask = np.zeros(L.shape, bool)
    for box in boxes:
        mask |= blotches.skin_mask(L, box)
    ys = ((np.arange(grid[0]) + 0.5) * L.shape[0] / grid[0]).astype(int)
    xs = ((np.arange(grid[1]) + 0.5) * L.shape[1] / grid[1]).astype(int)
    return mask[np.ix_(ys, xs)]


def collect(col, data: str, cache: str, render_factor: int | None = None):
    """{"faces": ..., "camera": ...}: the skin pixels' probabilities (n, Q) and the model's own ab (n, 2)."""
    from core.lab import lightness

    groups: dict[str, list] = {"faces": [], "camera": []}
    centres = None
    for name, rgb, boxes, _ in faces_to_measure(data, cache):
        L = lightness(rgb)
        ab, probs, centres = col.ab_and_distribution_for_lightness(L, render_factor)
        cells = skin_cells(L, boxes, probs.shape[:2])
        own = ab[cells] if ab.shape[:2] == probs.shape[:2] else np.full((int(cells.sum()), 2), np.nan)
        groups["camera" if name == "camera" else "faces"].append((probs[cells], own))
    return {k: (np.concatenate([p for p, _ in v]), np.concatenate([a for _, a in v])) for k, v in groups.items()}, \
        np.asarray(centres, np.float64)


def figures(p, own, centres, log_prior, dec, sector) -> dict[str, float]:
    """The table's figures for the skin pixels' probabilities p (n, Q)."""
    def bimodal_of(smooth):
        first, second, ratio = modes(p, centres, smooth)
        apart = np.linalg.norm(centres[first] - centres[second], axis=1)
        return first, second, (apart > blotches.BIMODAL_APART) & (ratio >= blotches.BIMODAL_RATIO)

    first, second, bimodal = bimodal_of(True)
    raw_bimodal = bimodal_of(False)[2]
    mean1 = decode(p, centres, log_prior, dec["temperature"], dec["prior_strength"])
    shipped = mean1 * dec["chroma_gain"]

    def blot(ab):
        return blotches.classify(ab, sector)[0]

    b_ship, b_gain1, b_mode, b_mode2 = blot(shipped), blot(mean1), blot(mode_colour(p, centres, first)), \
        blot(mode_colour(p, centres, second))
    c = b_ship & b_mode
    b = b_ship & ~c & ~b_gain1
    a = b_ship & ~c & ~b & bimodal
    n_blot = max(int(b_ship.sum()), 1)
    return {
        "skin pixels": len(p),
        "bimodal (modes > 30 apart, 2nd >= half the 1st)": bimodal.mean(),
        "bimodal with a blotch-coloured mode": (bimodal & (b_mode | b_mode2)).mean(),
        "bimodal without the smoothing (raw local maxima)": raw_bimodal.mean(),
        "blotch share, decoded as shipped": b_ship.mean(),
        "blotch share at chroma gain 1": b_gain1.mean(),
        "blotch share decoded by the top mode": b_mode.mean(),
        "of the blotch pixels: (c) the top mode is a blotch colour": c.sum() / n_blot,
        "of the blotch pixels: (b) the chroma gain (not at gain 1)": b.sum() / n_blot,
        "of the blotch pixels: (a) the mean between two modes": a.sum() / n_blot,
        "of the blotch pixels: other": (b_ship & ~c & ~b & ~a).sum() / n_blot,
        "check: the model's own ab vs this decoding (mean abs, ab units)": float(np.nanmean(np.abs(own - shipped))),
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="autoencoder", help="a model name or .keras file with a distribution")
    ap.add_argument("--data", default=os.path.join("..", "shared", "data"), help="the data folder (train/, val/)")
    ap.add_argument("--cache", default=os.path.join("runs", "blotch", "faces.json"), help="the face boxes found")
    ap.add_argument("--render-factor", type=int, help="the render factor (default: the model's, as shipped; "
                    "higher gives more skin pixels, e.g. on camera's small face, but other colours)")
    args = ap.parse_args(argv)
    if not os.path.isdir(os.path.join(args.data, "train")):
        ap.error(f"no data folder at {args.data} (it needs train/ and val/; give --data)")
    (_, model), = parse_models(ap, [args.model])
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from core.colorizers import get_colorizer

    col = get_colorizer(model)
    if not getattr(col, "has_distribution", False) or not hasattr(col, "decoding"):
        ap.error(f"{args.model} predicts no distribution over colours (only the autoencoder's classification head "
                 "does)")
    try:
        dec = col.decoding()
        log_prior = col.model.get_layer("annealed_mean").log_prior.numpy().astype(np.float64)
    except ValueError:
        ap.error(f"{args.model} has a regression head (no annealed mean): nothing to diagnose")
    groups, centres = collect(col, args.data, args.cache, args.render_factor)
    sectors = ((blotches.SKIN_HUE, "sector"), (blotches.STRICT_HUE, "strict"))
    table = {f"{g}, {name} {s[0]:.0f}–{s[1]:.0f}°": figures(*groups[g], centres, log_prior, dec, s)
             for g in groups for s, name in sectors}
    print(f"{args.model}: T = {dec['temperature']:.2f}, prior strength = {dec['prior_strength']:.2f}, "
          f"chroma gain = {dec['chroma_gain']:.2f}\n")
    print("| skin pixels of the faces | " + " | ".join(table) + " |")
    print("| --- |" + " ---: |" * len(table))
    for key in next(iter(table.values())):
        cells = [v[key] for v in table.values()]
        fmt = (lambda x: f"{x:,d}") if key == "skin pixels" else (lambda x: f"{x:.2f}") if key.startswith("check") \
            else (lambda x: f"{x:.1%}")
        print(f"| {key} | " + " | ".join(fmt(x) for x in cells) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
