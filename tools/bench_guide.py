"""Measure guided colour (core.guide) on colour photos: hints, reference transfer, vibrance, speed.

    python tools/bench_guide.py --data ../shared/data/val [--limit N] [--levin-every 5] [--skip-levin]

Follows the evaluation protocol (../shared/reference/EVALUATION.md): grey input = the original's L with
a = b = 0 (core.lab.to_grey_rgb), ΔE2000 by core.metrics. The automatic result is
``core.colorize(grey, model=--model)`` (default: autoencoder, its default render factor). Hints are
"ground truth": random places (seed = the photo's index), the original's mean colour over a disk of
radius 2 (core.guide.sample_hints), as a user who knows the true colours would give them.

Prints markdown tables:

1. spreading hints from grey: Levin et al. 2004 (scipy.sparse, the classic; on every ``--levin-every``-th
   photo because it is slow) against OpenCV contrib's edge-aware filters used as a normalised convolution
   (fast global smoother = what core.guide ships; domain transform); ΔE2000 and time at 0.25 and 1 MP;
2. the targets: 10 and 50 hints over the automatic result (ΔE2000 <= 0.75x and <= 0.6x the automatic one);
3. transfer: Reinhard et al. (global Lab statistics), ab histogram matching, per-luminance-band means,
   Welsh et al. (local), and the shipped mix, with the photo's own original, a similar photo and a random
   other photo as the reference, from grey and over the automatic result;
4. vibrance and the speed of every function at 0.25 and 1 MP (median of --repeats).

The machine is whatever runs it (the README's numbers: 2 shared CPU cores).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

SIZES = {"0.25 MP": (612, 408), "1 MP": (1224, 816)}


# --------------------------------------------------------------------------- alternatives measured here


def levin_ab(L: np.ndarray, hints, base_ab=None) -> np.ndarray:
    """Levin, Lischinski & Weiss 2004, "Colorization using optimization": every pixel's ab is the weighted
    mean of its 3 x 3 neighbours' (weights from the similarity of their L), hint pixels fixed; one sparse
    linear system per channel (scipy.sparse.linalg.spsolve). Over a base, the residual is solved for."""
    import scipy.sparse as sp
    from scipy.sparse.linalg import spsolve

    from core.guide.hints import rasterize

    h, w = L.shape
    n = h * w
    y = np.asarray(L, np.float64) / 100.0
    idx = np.arange(n).reshape(h, w)
    hint_ab, mask, _ = rasterize(hints, h, w)
    base = np.zeros((h, w, 2), np.float32) if base_ab is None else base_ab
    fixed = mask.reshape(-1) > 0
    # Levin et al.'s weights: exp(-(Y_r - Y_s)^2 / sigma_r^2) over the 8 neighbours, sigma_r^2 = 0.6 x the
    # variance of the 3 x 3 window (at least what gives the closest neighbour 1 % weight, and 2e-6)
    offsets = [(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1) if dy or dx]
    pad_y = np.pad(y, 1, mode="edge")
    pad_i = np.pad(idx, 1, constant_values=-1)
    nbr_y = np.stack([pad_y[1 + dy:1 + dy + h, 1 + dx:1 + dx + w] for dy, dx in offsets])
    nbr_i = np.stack([pad_i[1 + dy:1 + dy + h, 1 + dx:1 + dx + w] for dy, dx in offsets])
    valid = nbr_i >= 0
    window = np.concatenate([nbr_y, y[None]])
    var = 0.6 * np.var(window, axis=0)
    diff2 = np.where(valid, (nbr_y - y) ** 2, np.inf)
    var = np.maximum(np.maximum(var, diff2.min(0) / np.log(100.0)), 2e-6)
    wgt = np.where(valid, np.exp(-diff2 / var), 0.0)
    wgt /= np.maximum(wgt.sum(0), 1e-12)
    free = ~fixed
    rows, cols, vals = [], [], []
    for k in range(len(offsets)):
        ok = valid[k].reshape(-1) & free
        rows.append(idx.reshape(-1)[ok])
        cols.append(nbr_i[k].reshape(-1)[ok])
        vals.append(-wgt[k].reshape(-1)[ok])
    rows.append(np.arange(n))
    cols.append(np.arange(n))
    vals.append(np.ones(n))
    A = sp.csc_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n))
    b = np.zeros((n, 2))
    b[fixed] = (hint_ab - base).reshape(-1, 2)[fixed]
    out = spsolve(A, b).astype(np.float32).reshape(h, w, 2)
    return base + out


def normalised_conv_ab(L, hints, base_ab=None, method="fgs"):
    """The shipped normalised convolution with another OpenCV contrib filter in place of the smoother."""
    import cv2

    from core.guide import spread
    from core.guide.hints import rasterize

    if method == "fgs":
        return spread.spread_ab(L, hints, base_ab)
    h, w = L.shape
    hint_ab, mask, _ = rasterize(hints, h, w)
    base = np.zeros((h, w, 2), np.float32) if base_ab is None else base_ab
    src = np.dstack([(hint_ab - base) * mask[..., None], mask]).astype(np.float32)
    g = spread.guide_image(L)
    s = max(h, w) / 512.0
    out = cv2.ximgproc.dtFilter(g, src, 200.0 * s, 20.0, mode=cv2.ximgproc.DTF_RF, numIters=3)
    val = out[..., :2] / np.maximum(out[..., 2:], 1e-9)
    return base + val


def reinhard_ab(L, ref_lab, base_ab=None):
    """Reinhard et al. 2001 on ab: the base's mean and spread moved to the reference's (grey: its mean)."""
    ra = ref_lab[..., 1:].reshape(-1, 2)
    if base_ab is None:
        return np.broadcast_to(ra.mean(0), L.shape + (2,)).astype(np.float32)
    b = base_ab.reshape(-1, 2)
    return ((base_ab - b.mean(0)) / (b.std(0) + 1e-6) * ra.std(0) + ra.mean(0)).astype(np.float32)


def histogram_ab(L, ref_lab, base_ab=None):
    """Histogram matching of a and b separately (skimage.exposure.match_histograms); it ignores L."""
    from skimage.exposure import match_histograms

    src = np.zeros(L.shape + (2,), np.float32) if base_ab is None else base_ab
    return match_histograms(src, ref_lab[..., 1:], channel_axis=-1).astype(np.float32)


def transfer_methods():
    from core.guide import matching as tr

    return {
        "Reinhard (global Lab statistics)": reinhard_ab,
        "histogram matching of ab": histogram_ab,
        "luminance bands (per-band means)": lambda L, r, b: tr.bands_ab(L, r, b),
        "Welsh et al. (local, 200 samples, smoothed)": lambda L, r, b: tr.welsh_ab(L, r),
        "**shipped**: Welsh + bands, blended with the base": lambda L, r, b: tr.transfer_ab(L, r, b),
    }


# --------------------------------------------------------------------------- helpers


def median_time(fn, repeats: int) -> float:
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def de(ref, L, ab) -> float:
    from core import gamut, lab
    from core.metrics import delta_e2000

    return delta_e2000(ref, lab.join_l_ab(L, gamut.fit_ab_to_gamut(L, ab)))


def load_photos(folder, limit, model, render_factor, prefixes=None):
    """The colour photos of ``folder`` (only names starting with one of ``prefixes``, when given; at most
    ``limit``, evenly spaced), each with its grey version and the model's automatic result."""
    from core import colorize, lab, load_image
    from core.images import is_grey, list_images

    files = list_images([folder])
    if prefixes:
        files = [f for f in files if os.path.basename(f).startswith(tuple(prefixes))]
    if limit:
        files = files[:: max(1, len(files) // limit)][:limit]
    photos = []
    for f in files:
        ref = load_image(f)
        if is_grey(ref):
            continue
        grey = lab.to_grey_rgb(ref)
        auto = colorize(grey, model=model, render_factor=render_factor)
        photos.append({"name": os.path.basename(f), "ref": ref, "grey": grey, "auto": auto,
                       "L": lab.lightness(grey), "ref_lab": lab.rgb_to_lab(ref),
                       "auto_ab": lab.rgb_to_lab(auto)[..., 1:]})
    return photos


def similar_index(photos) -> np.ndarray:
    """For each photo, the most similar *other* photo: nearest 8 x 8 Lab thumbnail of the colour originals
    (Torralba's tiny images), i.e. similar layout and colours, as a user picking a similar photo by eye."""
    import cv2

    desc = np.array([cv2.resize(p["ref_lab"], (8, 8), interpolation=cv2.INTER_AREA).reshape(-1) for p in photos])
    d = ((desc[:, None] - desc[None]) ** 2).sum(-1)
    np.fill_diagonal(d, np.inf)
    return d.argmin(1)


def random_index(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.array([(i + 1 + int(rng.integers(0, n - 1))) % n for i in range(n)])


def table(header, rows) -> str:
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(["---"] + ["---:"] * (len(header) - 1)) + " |"]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def big_photo(photo, size):
    import cv2

    from core import lab

    w, h = size
    ref = cv2.resize(photo["ref"], (w, h), interpolation=cv2.INTER_CUBIC)
    grey = lab.to_grey_rgb(ref)
    auto = cv2.resize(photo["auto"], (w, h), interpolation=cv2.INTER_CUBIC)
    return ref, grey, auto


# --------------------------------------------------------------------------- the sections


def section_spread(photos, levin_every, skip_levin, repeats):
    from core import guide

    counts = (10, 20, 60)
    subset = photos[::levin_every]
    methods = {"grey (no hints)": None,
               "fast global smoother, normalised (**shipped**)": lambda L, hs: normalised_conv_ab(L, hs),
               "domain transform (dtFilter), normalised": lambda L, hs: normalised_conv_ab(L, hs, method="dt")}
    if not skip_levin:
        methods["Levin et al. 2004, scipy.sparse spsolve"] = levin_ab
    rows = []
    for name, fn in methods.items():
        cells = [name]
        for n in counts:
            scores = []
            for i, p in enumerate(subset):
                hs = guide.sample_hints(p["ref"], n, seed=i)
                ab = np.zeros(p["L"].shape + (2,), np.float32) if fn is None else fn(p["L"], hs)
                scores.append(de(p["ref"], p["L"], ab))
            cells.append(f"{np.mean(scores):.2f}")
        p = photos[0]
        for size in SIZES.values():
            ref, grey, _ = big_photo(p, size)
            from core import lab

            L = lab.lightness(grey)
            hs = guide.sample_hints(ref, 20, seed=0, radius=max(2, round(2 * size[0] / 481)))
            if fn is None:
                cells.append("–")
            elif fn is levin_ab and size[0] > 1000:
                t0 = time.perf_counter()
                fn(L, hs)
                cells.append(f"{time.perf_counter() - t0:.1f} s (1 run)")
            else:
                n = 1 if fn is levin_ab else repeats
                cells.append(f"{median_time(lambda fn=fn, L=L, hs=hs: fn(L, hs), n):.3f} s")
        rows.append(cells)
        print(f"  spread: {name} done", file=sys.stderr, flush=True)
    head = ["from grey", *(f"ΔE2000, {n} hints" for n in counts), *(f"time {k}" for k in SIZES)]
    return (f"**Spreading hints from grey** ({len(subset)} photos: every {levin_every}th; times: the spreading "
            "alone, 20 hints, one photo enlarged, median)\n\n" + table(head, rows))


def section_targets(photos):
    from core import guide

    rows = []
    auto = [de(p["ref"], p["L"], p["auto_ab"]) for p in photos]
    grey = [de(p["ref"], p["L"], np.zeros(p["L"].shape + (2,), np.float32)) for p in photos]
    rows.append(["grey input", f"{np.mean(grey):.2f}", "", ""])
    rows.append(["automatic result", f"{np.mean(auto):.2f}", "1.00", ""])
    for n, target in ((10, 0.75), (50, 0.6)):
        for base_name, over in (("over the automatic result", True), ("from grey", False)):
            scores = []
            for i, p in enumerate(photos):
                hs = guide.sample_hints(p["ref"], n, seed=i)
                out = guide.apply_hints(p["grey"], hs, base=p["auto"] if over else None)
                from core.metrics import delta_e2000

                scores.append(delta_e2000(p["ref"], out))
            ratio = np.mean(scores) / np.mean(auto)
            verdict = ("met" if ratio <= target else "**missed**") if over else ""
            rows.append([f"{n} hints {base_name}", f"{np.mean(scores):.2f}", f"{ratio:.2f}",
                         f"≤ {target} ({verdict})" if over else ""])
        print(f"  targets: {n} hints done", file=sys.stderr, flush=True)
    return (f"**Hints, the targets** ({len(photos)} photos, core.guide.apply_hints)\n\n"
            + table(["", "ΔE2000", "× automatic", "target"], rows))


def section_transfer(photos, repeats):
    from core import guide

    sim, rnd = similar_index(photos), random_index(len(photos))
    refs = {"own original (upper bound)": np.arange(len(photos)), "similar photo": sim, "random other photo": rnd}
    grey = np.mean([de(p["ref"], p["L"], np.zeros(p["L"].shape + (2,), np.float32)) for p in photos])
    auto = np.mean([de(p["ref"], p["L"], p["auto_ab"]) for p in photos])
    rows = []
    for name, fn in transfer_methods().items():
        cells = [name]
        for over in (False, True):
            for idx in refs.values():
                scores = [de(p["ref"], p["L"], fn(p["L"], photos[j]["ref_lab"], p["auto_ab"] if over else None))
                          for p, j in zip(photos, idx, strict=True)]
                cells.append(f"{np.mean(scores):.2f}")
        rows.append(cells)
        print(f"  transfer: {name} done", file=sys.stderr, flush=True)
    p = photos[0]
    ref, grey_big, auto_big = big_photo(p, SIZES["1 MP"])
    t = median_time(lambda: guide.transfer(grey_big, photos[sim[0]]["ref"], base=auto_big), repeats)
    head = ["method", *(f"grey + {k}" for k in refs), *(f"automatic + {k}" for k in refs)]
    return (f"**Transfer** ({len(photos)} photos; grey input {grey:.2f}, automatic result {auto:.2f}; "
            f"target with the own original from grey: < 0.8 × grey = {0.8 * grey:.2f}; "
            f"core.guide.transfer at 1 MP over the automatic result: {t:.2f} s)\n\n" + table(head, rows))


def page_update(grey, hints, auto):
    """What the Guide page does after a click: the guided picture, its on-screen JPEG and its PNG download."""
    from core import guide
    from core.figures import export

    out = guide.apply_hints(grey, hints, base=auto)
    export.to_data_uri(out, max_side=1024)
    export.png_bytes(out, compress_level=1)


def section_speed(photos, repeats):
    from core import guide, lab
    from core.metrics import colorfulness

    p = photos[0]
    reference = photos[1]["ref"] if len(photos) > 1 else p["ref"]
    rows = []
    for label, size in SIZES.items():
        ref, grey, auto = big_photo(p, size)
        hs = guide.sample_hints(ref, 20, seed=0, radius=max(2, round(size[0] / 100)))
        jobs = [
            lambda g=grey, h=hs, a=auto: guide.apply_hints(g, h, base=a),
            lambda g=grey, h=hs: guide.apply_hints(g, h),
            lambda g=grey, a=auto: guide.transfer(g, reference, base=a),
            lambda a=auto: guide.vibrance(a, 1.3),
            lambda g=grey, h=hs, a=auto: guide.guide(g, a, hints=h, reference=reference, vibrance=1.3),
            lambda g=grey, h=hs, a=auto: page_update(g, h, a),
        ]
        rows.append([label, *(f"{median_time(job, repeats):.3f}" for job in jobs)])
    speed = table(["size", "apply_hints over a base (s)", "apply_hints from grey (s)", "transfer (s)",
                   "vibrance 1.3 (s)", "all in one guide() (s)",
                   "Guide page after a click: result, picture, PNG (s)"], rows)
    vib_rows = []
    for amount in (0.0, 0.5, 1.3, 1.6, 2.0):
        ratios, lerr = [], []
        for q in photos:
            out = guide.vibrance(q["auto"], amount)
            c = colorfulness(q["auto"])
            ratios.append(colorfulness(out) / c if c > 1e-6 else np.nan)
            lerr.append(float(np.abs(lab.lightness(out) - lab.lightness(q["auto"])).max()))
        vib_rows.append([f"{amount:g}", f"{np.nanmean(ratios):.2f}", f"{max(lerr):.2f}"])
    vib = table(["vibrance", "colourfulness / automatic", "largest change of L"], vib_rows)
    return (f"**Speed** (median of {repeats}; photo enlarged; 20 hints)\n\n{speed}\n\n"
            f"**Vibrance** on the automatic results ({len(photos)} photos)\n\n{vib}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="../shared/data/val")
    ap.add_argument("--model", default="autoencoder")
    ap.add_argument("--render-factor", type=int, default=None)
    ap.add_argument("--limit", type=int, default=0, help="use this many photos (evenly spaced; 0 = all)")
    ap.add_argument("--levin-every", type=int, default=5, help="Levin et al. on every n-th photo (slow)")
    ap.add_argument("--skip-levin", action="store_true")
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--sections", default="spread,targets,transfer,speed")
    args = ap.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if not os.path.isdir(args.data):
        print(f"error: no folder {args.data}", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    photos = load_photos(args.data, args.limit, args.model, args.render_factor)
    print(f"{len(photos)} photos from {args.data}, base = {args.model} ({time.perf_counter() - t0:.0f} s)",
          file=sys.stderr, flush=True)
    sections = {"spread": lambda: section_spread(photos, args.levin_every, args.skip_levin, args.repeats),
                "targets": lambda: section_targets(photos),
                "transfer": lambda: section_transfer(photos, args.repeats),
                "speed": lambda: section_speed(photos, args.repeats)}
    for name in args.sections.split(","):
        print(sections[name.strip()]() + "\n", flush=True)
    print(f"(total {time.perf_counter() - t0:.0f} s, {os.cpu_count()} CPUs)", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
