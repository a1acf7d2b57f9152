"""A picture for the model card: the same photos coloured by several autoencoder files, side by side.

    python tools/model_grid.py --model v1=V1.keras --model v2=V2.keras --model v3=models/autoencoder.keras \
        --out docs/model_grid.jpg

Rows: scikit-image's sample colour photos (shipped in its wheel) made grey by the evaluation protocol.
Columns: grey input, one per ``--model LABEL=FILE`` (in the order given), the real colours. Each model uses
its default render factor and the decoding saved in its file. ``--bw camera`` adds rows of scikit-image's
real black-and-white photos (no real colours exist: that tile stays blank).
"""

from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

SAMPLES = ("astronaut", "chelsea", "coffee", "rocket", "immunohistochemistry")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", action="append", required=True, metavar="LABEL=FILE",
                    help="a column: its heading and the autoencoder file (repeatable)")
    ap.add_argument("--out", default="docs/model_grid.jpg")
    ap.add_argument("--side", type=int, default=320, help="long side of each tile")
    ap.add_argument("--bw", action="append", default=[], metavar="NAME",
                    help="also a real black-and-white sample photo (core.figures.samples, e.g. camera; repeatable)")
    args = ap.parse_args(argv)
    if any("=" not in m for m in args.model):
        ap.error("--model takes LABEL=FILE")
    columns = [m.split("=", 1) for m in args.model]
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import numpy as np

    from core.colorizers.autoencoder import AutoencoderColorizer
    from core.figures.samples import load_sample
    from core.lab import to_grey_rgb

    models = [AutoencoderColorizer(path) for _, path in columns]
    heads = ("grey input", *(label for label, _ in columns), "real colours")
    rows = []
    for name in SAMPLES:
        ref = load_sample(name, args.side)
        grey = to_grey_rgb(ref)
        rows.append([grey, *(m.colorize(grey) for m in models), ref])
    for name in args.bw:
        grey = to_grey_rgb(load_sample(name, args.side))
        rows.append([grey, *(m.colorize(grey) for m in models), np.full_like(grey, 255)])
    save_grid(heads, rows, args.out)
    print(f"wrote {args.out}")
    return 0


def save_grid(heads, rows, out: str) -> None:
    """A grid of RGB uint8 tiles (rows of equal-height tiles, one per heading) under its headings, as a JPEG."""
    from PIL import Image, ImageDraw, ImageFont

    w = max(img.shape[1] for r in rows for img in r)
    pad, top = 6, 28
    heights = [r[0].shape[0] for r in rows]
    canvas = Image.new("RGB", (len(heads) * (w + pad) + pad, top + sum(heights) + pad * len(rows) + pad), "white")
    draw = ImageDraw.Draw(canvas)
    font = ImageFont.load_default(size=18)
    for j, head in enumerate(heads):
        draw.text((pad + j * (w + pad) + 4, 4), head, fill="black", font=font)
    y = top
    for row, h in zip(rows, heights, strict=True):
        for j, img in enumerate(row):
            canvas.paste(Image.fromarray(img), (pad + j * (w + pad), y))
        y += h + pad
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    canvas.save(out, quality=88)


if __name__ == "__main__":
    raise SystemExit(main())
