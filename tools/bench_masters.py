"""16-bit masters (issue 21): how much finer the lightness of a 16-bit result is than of an 8-bit one, and what
each output format costs.

    .venv/bin/python tools/bench_masters.py [--model autoencoder] [--side 1024]

Input: a synthetic 16-bit grey scan of ``side`` x ``side`` pixels (a smooth field of soft shapes and a full
ramp, about 4096 grey levels or more). Each route (16-bit: ``colorize_photo(rgb16=...)``; 8-bit: the same
photo rounded to 8 bits first, as before) is coloured by the model; the table gives the L error of its result
against the 16-bit input's L (CIE L, 0..100). Then every format of ``core.outputs`` writes the 16-bit result:
seconds to encode and the file size. Prints a Markdown table (docs/archive.md).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def scan16(side: int) -> np.ndarray:
    """A smooth 16-bit grey picture: soft blobs over a diagonal ramp (deterministic)."""
    import cv2

    rng = np.random.default_rng(0)
    noise = cv2.GaussianBlur(rng.random((side, side), np.float32), (0, 0), side / 24)
    noise = (noise - noise.min()) / max(1e-6, float(np.ptp(noise)))
    yy, xx = np.mgrid[0:side, 0:side].astype(np.float32) / max(1, side - 1)
    field = 0.6 * (xx + yy) / 2 + 0.4 * noise
    return np.rint(field / field.max() * 65535).astype(np.uint16)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="autoencoder")
    ap.add_argument("--side", type=int, default=1024)
    args = ap.parse_args(argv)
    from core import lab, outputs
    from core.metadata import Meta
    from core.pipeline import colorize_photo

    grey = scan16(args.side)
    rgb16 = np.repeat(grey[..., None], 3, axis=2)
    rgb = np.rint(rgb16 / 257.0).astype(np.uint8)
    truth = lab.lightness(rgb16)
    print(f"{args.side} x {args.side} synthetic 16-bit scan, {len(np.unique(grey))} grey levels, model {args.model}\n")
    print("| route | result | L error max | L error mean | seconds |")
    print("| --- | --- | --- | --- | --- |")
    err = np.abs(lab.lightness(rgb) - truth)
    print(f"| the input rounded to 8 bits (no model) | uint8 | {err.max():.4f} | {err.mean():.4f} | |")
    colorize_photo(rgb[:64, :64], args.model)                 # load the model before anything is timed
    results = {}
    for name, kw in (("16-bit (rgb16=...)", {"rgb16": rgb16}), ("8-bit (as before)", {})):
        t0 = time.perf_counter()
        out = colorize_photo(rgb, args.model, **kw)
        dt = time.perf_counter() - t0
        err = np.abs(lab.lightness(out) - truth)
        results[name] = out
        print(f"| {name} | {out.dtype} | {err.max():.4f} | {err.mean():.4f} | {dt:.2f} |")
    deep = results["16-bit (rgb16=...)"]
    meta = Meta(dpi=(1200.0, 1200.0), date="1952:06:01 10:30:00", make="Epson", model="Perfection V850")
    facts = {"model": args.model, "render_factor": None, "hints": False, "restore": False}
    import inspect

    level = inspect.signature(outputs.encode).parameters["compress_level"].default
    print(f"\n| format (PNG compression level {level}) | bits | encode seconds | file size |")
    print("| --- | --- | --- | --- |")
    for fmt in outputs.FORMATS:
        t0 = time.perf_counter()
        data = outputs.encode(deep, fmt, meta, facts)
        dt = time.perf_counter() - t0
        bits = 16 if fmt in ("png16", "tiff") else 8
        print(f"| {fmt} | {bits} | {dt:.2f} | {len(data) / 2**20:.2f} MB |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
