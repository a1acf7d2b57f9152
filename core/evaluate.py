"""Score models on a folder of colour photos, following the evaluation protocol.

    python -m core.evaluate --data DIR --models autoencoder,grayscale[,eccv16] \
        [--render-factor N] [--out report.csv] [--limit N]

For every colour photo: make it grey (its L with a = b = 0), colorize it,
compare with the original. Prints a markdown table of the means per model
(MSE, PSNR, SSIM, ΔE2000, colourfulness ratio) and the median seconds per image.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time

import numpy as np

FIELDS = ["mse", "psnr", "ssim", "delta_e2000", "colorfulness_ratio"]


def evaluate(files, models, render_factor=None, progress=None, colorizers=None):
    """Returns (per-image rows, per-model summary dict)."""
    from core import ImageError, colorize, load_image
    from core.images import is_grey
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
            s = {k: float(np.mean([x[k] for x in r])) for k in FIELDS}
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
    ap = argparse.ArgumentParser(prog="python -m core.evaluate", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True, help="folder of colour photos")
    ap.add_argument("--models", default="autoencoder,grayscale", help="comma-separated model names")
    ap.add_argument("--render-factor", type=int, default=None, help="default: each model's own")
    ap.add_argument("--out", default=None, help="write per-image rows to this CSV")
    ap.add_argument("--limit", type=int, default=0, help="use only the first N photos")
    args = ap.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

    from tqdm import tqdm

    from core import ModelUnavailable, available_models, get_colorizer
    from core.train import list_images

    known = available_models()
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    for m in models:
        if m not in known:
            print(f"error: unknown model {m!r}; choose from {', '.join(known)}", file=sys.stderr)
            return 2
        try:
            get_colorizer(m).check_render_factor(args.render_factor)
        except (ModelUnavailable, ValueError) as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
    if not os.path.isdir(args.data):
        print(f"error: {args.data} is not a folder", file=sys.stderr)
        return 2
    files = list_images([args.data])
    if args.limit:
        files = files[: args.limit]
    if not files:
        print(f"error: no images in {args.data}", file=sys.stderr)
        return 1
    bar = tqdm(total=len(files), desc="evaluating", unit="img", file=sys.stderr)
    rows, summary, skipped = evaluate(files, models, args.render_factor, progress=lambda i, n: bar.update(1))
    bar.close()
    for f, why in skipped:
        print(f"skipped {f}: {why}", file=sys.stderr)
    if not rows:
        print("error: no colour photos to evaluate", file=sys.stderr)
        return 1
    rf = args.render_factor if args.render_factor else "each model's default"
    print(f"{len(files) - len(skipped)} photos from {args.data}, render factor: {rf}\n")
    print(markdown_table(summary))
    if args.out:
        with open(args.out, "w", newline="") as fh:
            wr = csv.DictWriter(fh, fieldnames=["file", "model", *FIELDS, "seconds"])
            wr.writeheader()
            wr.writerows(rows)
        print(f"\nper-image rows: {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
