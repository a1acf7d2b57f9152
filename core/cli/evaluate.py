"""Score models on a folder of colour photos, following the evaluation protocol.

    python -m core evaluate --data DIR --models autoencoder,grayscale[,eccv16] \
        [--render-factor N] [--out report.csv] [--limit N]

For every colour photo: make it grey (its L with a = b = 0), colorize it,
compare with the original. Prints a markdown table of the means per model
(MSE, PSNR, SSIM, ΔE2000, colourfulness ratio) and the median seconds per image.
"""

from __future__ import annotations

import argparse
import csv
import fnmatch
import os
import sys
import time

import numpy as np

from core.cli import semantic
from core.metrics import METRIC_NAMES


def evaluate(files, models, render_factor=None, progress=None, colorizers=None, colour_only=False):
    """Returns (per-image rows, per-model summary dict, skipped (file, why) pairs).

    The protocol scores every photo that carries colour; photos that :func:`core.kind.classify` finds
    grey (no colour beyond noise) are skipped, since there is nothing to compare. ``colour_only=True``
    also skips toned ones (sepia, cyanotype, yellowed paper): use it on a folder of real scans, where a
    monochrome "original" says nothing about colour."""
    from core import ImageError, colorize, load_image
    from core.images import is_grey
    from core.kind import classify
    from core.lab import to_grey_rgb
    from core.metrics import compare

    rows = []
    skipped = []
    for i, f in enumerate(files):
        try:
            ref = load_image(f)
        except ImageError as e:
            skipped.append((f, str(e)))
            continue
        if is_grey(ref):
            skipped.append((f, "already grey, nothing to compare"))
            continue
        kind = classify(ref)
        if kind.kind == "grey" or (kind.kind == "toned" and colour_only):
            skipped.append((f, f"looks black-and-white: {kind.reason()}; nothing to compare"))
            continue
        grey = to_grey_rgb(ref)
        for m in models:
            t0 = time.perf_counter()
            if colorizers and m in colorizers:
                out = colorizers[m].colorize(grey, render_factor)
            else:
                out = colorize(grey, model=m, render_factor=render_factor)
            dt = time.perf_counter() - t0
            rows.append({"file": os.path.basename(str(f)), "model": m, **compare(ref, out), "seconds": dt})
        if progress:
            progress(i + 1, len(files))
    summary = {}
    for m in models:
        r = [x for x in rows if x["model"] == m]
        if r:
            s = {k: float(np.mean([x[k] for x in r])) for k in METRIC_NAMES}
            s["seconds"] = float(np.median([x["seconds"] for x in r]))
            s["n"] = len(r)
            summary[m] = s
    return rows, summary, skipped


def markdown_table(summary) -> str:
    lines = ["| model | images | MSE | PSNR (dB) | SSIM | ΔE2000 | colourfulness ratio | s / image |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for m, s in summary.items():
        lines.append(f"| {m} | {s['n']} | {s['mse']:.1f} | {s['psnr']:.2f} | {s['ssim']:.4f} | "
                     f"{s['delta_e2000']:.2f} | {s['colorfulness_ratio']:.2f} | {s['seconds']:.3f} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m core evaluate", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True, help="folder of colour photos")
    ap.add_argument("--models", default="autoencoder,grayscale", help="comma-separated model names")
    ap.add_argument("--render-factor", type=int, default=None, help="default: each model's own")
    ap.add_argument("--out", default=None, help="write per-image rows to this CSV")
    ap.add_argument("--limit", type=int, default=0, help="use only the first N photos")
    ap.add_argument("--colour-only", action="store_true",
                    help="also skip photos that look toned (sepia, cyanotype, yellowed paper), e.g. on real scans: "
                         "a monochrome original says nothing about colour (grey ones are always skipped)")
    ap.add_argument("--pattern", default="*", help="only files whose name matches this pattern (e.g. 'bsds_2*')")
    ap.add_argument("--semantic", action="store_true",
                    help="instead: the semantic check on the imnet_* photos of --data (ImageNet classifier top-1 "
                         "on colour, grey and colorized; see core/training/semantic.py), by each --judge")
    semantic.add_arguments(ap, "--data")
    args = ap.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

    from tqdm import tqdm

    from core import ModelUnavailable, get_colorizer
    from core.colorizers import model_info, unknown
    from core.images import list_images

    models = [m.strip() for m in args.models.split(",") if m.strip()]
    for m in models:
        if model_info(m) is None:
            print(f"error: {unknown(m)}", file=sys.stderr)
            return 2
        try:
            get_colorizer(m).check_render_factor(args.render_factor)
        except (ModelUnavailable, ValueError) as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
    if not os.path.isdir(args.data):
        print(f"error: {args.data} is not a folder", file=sys.stderr)
        return 2
    files = [f for f in list_images([args.data]) if fnmatch.fnmatch(os.path.basename(f), args.pattern)]
    if args.semantic:
        return _semantic(args, files, [m for m in models if m != "grayscale"])
    if args.limit:
        files = files[: args.limit]
    if not files:
        print(f"error: no images in {args.data}", file=sys.stderr)
        return 1
    bar = tqdm(total=len(files), desc="evaluating", unit="img", file=sys.stderr)
    rows, summary, skipped = evaluate(files, models, args.render_factor, progress=lambda i, n, bar=bar: bar.update(1),
                                      colour_only=args.colour_only)
    bar.close()
    for f, why in skipped:
        print(f"skipped {f}: {why}", file=sys.stderr)
    if skipped:
        print(f"{len(skipped)} of {len(files)} photos skipped (see above)", file=sys.stderr)
    if not rows:
        print("error: no colour photos to evaluate", file=sys.stderr)
        return 1
    rf = args.render_factor if args.render_factor else "each model's default"
    print(f"{len(files) - len(skipped)} photos from {args.data}, render factor: {rf}\n")
    print(markdown_table(summary))
    if args.out:
        with open(args.out, "w", newline="") as fh:
            wr = csv.DictWriter(fh, fieldnames=["file", "model", *METRIC_NAMES, "seconds"])
            wr.writeheader()
            wr.writerows(rows)
        print(f"\nper-image rows: {args.out}")
    return 0


def _semantic(args, files, models) -> int:
    from tqdm import tqdm

    from core.training.semantic import check_inputs, semantic_check

    files = [f for f in files if os.path.basename(f).startswith("imnet_")]
    if args.limit:
        files = files[: args.limit]
    try:
        inputs = [(j, check_inputs(args.data, args.synsets, args.classifier, j)) for j in semantic.judges(args)]
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if not files:
        print(f"error: no imnet_* photos in {args.data}", file=sys.stderr)
        return 1
    for judge, (synsets, clf) in inputs:
        bar = tqdm(total=len(files) * len(models), desc=f"semantic check ({judge})", unit="img", file=sys.stderr)
        r = semantic_check(files, synsets, clf, models, args.render_factor,
                           progress=lambda i, n, bar=bar: bar.update(1), judge=judge)
        bar.close()
        print(f"{r['n']} imnet_* photos, ImageNet EfficientNet-{judge.title()} top-1 (%)\n")
        print("| version | top-1 (%) | grey -> colour gap closed |")
        print("| --- | ---: | ---: |")
        print(f"| colour (truth) | {r['colour']:.1f} | 100 % |")
        print(f"| grey | {r['grey']:.1f} | 0 % |")
        for m in models:
            print(f"| {m} | {r[m]:.1f} | {r['gap_closed_' + m]:.1f} % |")
        print()
    return 0
