"""Specialising on a domain's colour examples, measured (docs/specialise.md).

    python tools/bench_specialise.py --domains histology,satellite,astronomy --n 50 --minutes 10
    python tools/bench_specialise.py --albums --minutes 2

Domains (``../shared/data/domains/<d>/train`` and ``val``, never trained on): ``specialise`` on the first ``--n``
train examples, then every ``val`` photo made grey is coloured by: no colour, the general model, a per-lightness-band
mean-ab lookup built from the same examples (the trivial baseline to beat) and the specialised model; the evaluation
protocol's ΔE2000 and colourfulness ratio, and the time ``specialise`` took.

Albums: for each colour sample photo of scikit-image (astronaut, coffee, chelsea, rocket), one "fixed shot" (a crop
of it) teaches a model; four other shots of the same scene (other framings and scales) are then coloured by the
general model, our reference transfer from the fixed shot (``core.guide.transfer``), the band lookup of the fixed
shot, and the specialised model.
"""

from __future__ import annotations

import argparse
import glob
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from core import lab  # noqa: E402

BAND = 2.5          # L units per band of the lookup


def band_lookup(examples):
    """The per-lightness-band mean ab of the examples, as a function L -> ab."""
    n = int(lab.L_MAX / BAND) + 1
    sums, counts = np.zeros((n, 2)), np.zeros(n)
    for rgb in examples:
        full = lab.rgb_to_lab(rgb).reshape(-1, 3)
        idx = np.clip((full[:, 0] / BAND).astype(int), 0, n - 1)
        np.add.at(sums, idx, full[:, 1:])
        np.add.at(counts, idx, 1)
    means = sums / np.maximum(counts, 1)[:, None]
    seen = counts > 0                       # empty bands take the nearest band's mean
    if not seen.all():
        near = np.array([np.flatnonzero(seen)[np.abs(np.flatnonzero(seen) - i).argmin()] for i in range(n)])
        means = means[near]

    def colour(grey_rgb):
        L = lab.lightness(grey_rgb)
        ab = means[np.clip((L / BAND).astype(int), 0, n - 1)].astype(np.float32)
        return lab.join_l_ab(L, ab)

    return colour


def evaluate(refs, methods):
    from core.metrics import compare

    out = {}
    for name, fn in methods.items():
        rows, t = [], time.perf_counter()
        for ref in refs:
            rows.append(compare(ref, fn(lab.to_grey_rgb(ref))))
        out[name] = (float(np.mean([r["delta_e2000"] for r in rows])),
                     float(np.mean([r["colorfulness_ratio"] for r in rows])), (time.perf_counter() - t) / len(refs))
    return out


def table(title, res, ref_key="general"):
    print(f"\n{title}\n| method | ΔE2000 | × general | colourfulness ratio |\n| --- | ---: | ---: | ---: |")
    for name, (de, cf, _) in res.items():
        print(f"| {name} | {de:.2f} | {de / res[ref_key][0]:.2f} | {cf:.2f} |")


def domains(args):
    from core import get_colorizer, load_image
    from core.training.specialise import specialise

    general = get_colorizer("autoencoder")
    for d in args.domains.split(","):
        root = os.path.join(args.root, d)
        train = sorted(glob.glob(os.path.join(root, "train", "*")))[:args.n]
        val = [load_image(f) for f in sorted(glob.glob(os.path.join(root, "val", "*")))[:args.val]]
        t = time.perf_counter()
        r = specialise(train, minutes=args.minutes, log=lambda m: print("  " + m, flush=True), seed=args.seed)
        took = time.perf_counter() - t
        path = os.path.join(args.out, f"{d}.keras")
        r.save(path)
        mine = get_colorizer(path)
        lookup = band_lookup([load_image(f) for f in train])
        res = evaluate(val, {"no colour (grey)": lambda g: g, "general model": general.colorize,
                             "band lookup (same examples)": lookup, "specialised": mine.colorize})
        print(f"\n{d}: {len(train)} examples, specialise took {took:.0f} s ({took / 60:.1f} min); "
              f"val {len(val)} photos; {r.summary()}")
        table(d, res, "general model")
        de = {k: v[0] for k, v in res.items()}
        mine_de = de["specialised"]
        print(f"specialised / general {mine_de / de['general model']:.3f}, "
              f"/ grey {mine_de / de['no colour (grey)']:.3f}, "
              f"/ lookup {mine_de / de['band lookup (same examples)']:.3f}", flush=True)


def shots(rgb, rng):
    """One fixed shot and four other shots of a photo: crops at other framings and scales."""
    h, w = rgb.shape[:2]

    def cut(fy, fx, fs):
        s = int(min(h, w) * fs)
        y, x = int((h - s) * fy), int((w - s) * fx)
        return np.ascontiguousarray(rgb[y:y + s, x:x + s])

    fixed = cut(0.5, 0.2, 0.75)
    others = [cut(0.3, 0.9, 0.6), cut(0.8, 0.5, 0.5), cut(0.1, 0.1, 0.85), cut(0.5, 0.7, 0.4)]
    return fixed, others


def albums(args):
    from skimage import data

    from core import get_colorizer, guide
    from core.training.specialise import specialise

    general = get_colorizer("autoencoder")
    total = {}
    for name in ("astronaut", "coffee", "chelsea", "rocket"):
        fixed, others = shots(getattr(data, name)(), np.random.default_rng(0))
        t = time.perf_counter()
        r = specialise([(name, fixed)], minutes=args.minutes, log=lambda m: None, seed=args.seed)
        took = time.perf_counter() - t
        path = os.path.join(args.out, f"album_{name}.keras")
        r.save(path)
        mine = get_colorizer(path)
        res = evaluate(others, {
            "general model": general.colorize,
            "reference transfer from the fixed shot": lambda g, f=fixed: guide.transfer(g, f, base=general.colorize(g)),
            "band lookup of the fixed shot": band_lookup([fixed]),
            "specialised on the fixed shot": mine.colorize})
        print(f"{name}: specialise on one shot took {took:.0f} s")
        table(f"album {name} (4 other shots)", res, "general model")
        for k, v in res.items():
            total.setdefault(k, []).append(v)
    mean = {k: tuple(np.mean(np.array(v), 0)) for k, v in total.items()}
    table("albums, mean over the four scenes", mean, "general model")
    mine, transfer = mean["specialised on the fixed shot"][0], mean["reference transfer from the fixed shot"][0]
    print(f"specialised / transfer {mine / transfer:.3f}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", default="../shared/data/domains")
    ap.add_argument("--domains", default="histology,satellite,astronomy")
    ap.add_argument("--n", type=int, default=50, help="train examples per domain")
    ap.add_argument("--val", type=int, default=60)
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--albums", action="store_true")
    ap.add_argument("--out", default="runs/specialise")
    args = ap.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    if args.albums:
        albums(args)
    else:
        domains(args)


if __name__ == "__main__":
    main()
