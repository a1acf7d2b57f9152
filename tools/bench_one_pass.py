"""What batch's uncertainty score costs per photo: one forward pass (core.pipeline.process, issue 30) against the
colour pass followed by a second pass for the score (the path before it), with one compute thread as in batch's
workers. Also how far the score of the one pass is from the second pass's (the same for 8-bit photos up to
core.guide.uncertainty.WORK_PIXELS; the second pass read a work copy of larger photos and the 8-bit grey of
16-bit ones). Run: .venv/bin/python tools/bench_one_pass.py [--repeat 5]"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    from core.batch.worker import pin_threads

    pin_threads()
    import numpy as np
    from skimage import data, transform

    from core import guide
    from core.lab import to_grey_rgb
    from core.pipeline import PhotoSettings, colorize_photo

    base = to_grey_rgb(data.astronaut())
    one = PhotoSettings("autoencoder", uncertainty=True)
    print("| photo | two passes (CPU s) | one pass (CPU s) | saved | score, two passes | score, one pass |")
    print("| --- | --- | --- | --- | --- | --- |")
    for side in (512, 1024, 2048, 3000):
        rgb = np.rint(transform.resize(base, (side, side), preserve_range=True)).astype(np.uint8)
        for kind, rgb16 in (("8-bit", None), ("16-bit", rgb.astype(np.uint16) * 257 + 100)):
            if rgb16 is not None and side not in (1024,):
                continue
            _one(rgb, rgb16, one)                                           # warm: the model and its graphs
            t_two, t_one = [], []
            for _ in range(args.repeat):
                t0 = time.process_time()
                colorize_photo(rgb, "autoencoder", rgb16=rgb16)
                s_two = guide.uncertainty_score(guide.uncertainty(rgb))
                t1 = time.process_time()
                res = _one(rgb, rgb16, one)
                t2 = time.process_time()
                t_two.append(t1 - t0)
                t_one.append(t2 - t1)
            a, b = float(np.median(t_two)), float(np.median(t_one))
            print(f"| {side} x {side} {kind} | {a:.3f} | {b:.3f} | {100 * (a - b) / a:.0f} % | {s_two:.4f} | "
                  f"{res.uncertainty:.4f} |")


def _one(rgb, rgb16, settings):
    """The colour and the score as batch's worker makes them (core.pipeline.finish; the photo already loaded,
    classified and its format chosen: png16 for a 16-bit master)."""
    from core.images import Master
    from core.pipeline import PhotoResult, finish

    res = PhotoResult(Master(rgb, rgb16), "photo", "grey", rgb, "png" if rgb16 is None else "png16", {})
    return finish(res, settings)


if __name__ == "__main__":
    main()
