"""Median end-to-end latency per image of each available model.

    python -m core bench [--repeats 7] [--models autoencoder,eccv16,grayscale] [--eccv16-dir DIR]

The input is a fixed synthetic 768 x 512 photo-like image (smooth gradients,
shapes and noise, seeded). Timed: ``colorize`` on the grey image (Lab
conversion, resize, network, join), the model already loaded. Load times are
reported separately. ``--eccv16-dir`` points at another folder of eccv16 files
(e.g. random weights of the real architecture, for timing without the release).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np


def synthetic_photo(width: int = 768, height: int = 512, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    img = np.zeros((height, width, 3), np.float32)
    img[..., 0] = 60 + 150 * xx / width
    img[..., 1] = 80 + 120 * yy / height
    img[..., 2] = 200 - 120 * (xx + yy) / (width + height)
    for _ in range(12):
        cy, cx, r = rng.uniform(0, height), rng.uniform(0, width), rng.uniform(20, 120)
        mask = (yy - cy) ** 2 + (xx - cx) ** 2 < r * r
        img[mask] = rng.uniform(0, 255, 3)
    img += rng.normal(0, 6, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


def bench(models, repeats=7, render_factor=None):
    from core import get_colorizer
    from core.lab import to_grey_rgb

    grey = to_grey_rgb(synthetic_photo())
    results = {}
    for m in models:
        t0 = time.perf_counter()
        col = get_colorizer(m)
        load = time.perf_counter() - t0
        col.colorize(grey, render_factor)          # warm-up (graph tracing)
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            col.colorize(grey, render_factor)
            times.append(time.perf_counter() - t0)
        rf = col.check_render_factor(render_factor)
        results[m] = {"load_s": load, "median_s": float(np.median(times)), "render_factor": rf}
    return results


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m core bench", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--models", default=None, help="comma-separated (default: every available model)")
    ap.add_argument("--render-factor", type=int, default=None, help="default: each model's own")
    ap.add_argument("--eccv16-dir", default=None, help="folder with eccv16 files to time instead of the fetched ones")
    args = ap.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if args.eccv16_dir:
        import tempfile
        from pathlib import Path

        tmp = Path(tempfile.mkdtemp(prefix="bench-home-"))
        (tmp / "eccv16").symlink_to(Path(args.eccv16_dir).resolve(), target_is_directory=True)
        os.environ["COLORIZER_HOME"] = str(tmp)

    from core import available_models

    avail = available_models()
    if args.models:
        models = [m.strip() for m in args.models.split(",")]
    else:
        models = [m for m, i in avail.items() if i.available]
    for m in models:
        if m not in avail or not avail[m].available:
            why = avail[m].reason if m in avail else "unknown model"
            print(f"error: {m} cannot be timed: {why}", file=sys.stderr)
            return 2
    t0 = time.perf_counter()
    import cv2  # noqa: F401  (library imports are not part of a model's load time)

    from core.quiet import import_tensorflow

    import_tensorflow()

    import_s = time.perf_counter() - t0
    res = bench(models, args.repeats, args.render_factor)
    print(f"768 x 512 synthetic photo, median of {args.repeats} runs, {os.cpu_count()} CPU threads "
          f"(importing TensorFlow + OpenCV: {import_s:.1f} s, not counted in load)\n")
    print("| model | render factor | load (s) | median per image (s) |")
    print("| --- | ---: | ---: | ---: |")
    for m, r in res.items():
        print(f"| {m} | {r['render_factor']} | {r['load_s']:.2f} | {r['median_s']:.3f} |")
    if "autoencoder" in res and "eccv16" in res:
        print(f"\nautoencoder / eccv16 time ratio: {res['autoencoder']['median_s'] / res['eccv16']['median_s']:.3f}")
    return 0
