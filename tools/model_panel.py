"""A by-eye panel of colour models on a fixed set of photos with faces and of real black-and-white photos.

    python tools/model_panel.py --model v2=autoencoder --model v3=runs/v3/full_w1/autoencoder.keras \
        --out docs/model_panel_v2_v3.jpg

Rows, fixed here so the panel cannot be chosen to flatter a model: scikit-image's real black-and-white photos
``camera`` and ``coins`` (no true colours: that tile stays blank), its colour photos ``astronaut``, ``chelsea``
and ``coffee`` made grey (at 512 px, core.figures.samples), then PEOPLE: eight held-out photos with faces from
tools/blotches.py's FACE_PHOTOS (never trained on), picked for the largest faces and a range of skin tones
(two of them, Lhasa and military uniform, where v2 shows red patches). Columns: the grey input, one per
``--model LABEL=MODEL`` (a model name or a ``.keras`` file, in the order given, each at its default render
factor and its own decoding), the true colours. Each photo is coloured at its own size and shown in a
``--side`` square.
"""

from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bench_blotches import parse_models  # noqa: E402
from blotches import FACE_PHOTOS  # noqa: E402
from model_grid import save_grid  # noqa: E402

BW = ("camera", "coins")
COLOUR = ("astronaut", "chelsea", "coffee")
PEOPLE = ("bsds_246009_05ed18.jpg", "bsds_302008_354cd0.jpg", "bsds_189080_bb9d0e.jpg",
          "imnet_n02098286_West_Highland_white_terrier_64cbbb.jpg", "imnet_n03325584_feather_boa_e9253f.jpg",
          "imnet_n02669723_academic_gown_68c8fd.jpg", "imnet_n02098413_Lhasa_0cab63.jpg",
          "imnet_n03763968_military_uniform_348464.jpg")
assert set(PEOPLE) <= set(FACE_PHOTOS)


def tile(rgb, side: int):
    """``rgb`` fitted into a white ``side`` x ``side`` square (small photos enlarged, bicubic)."""
    import numpy as np
    from PIL import Image

    h, w = rgb.shape[:2]
    s = side / max(h, w)
    img = Image.fromarray(rgb).resize((max(1, round(w * s)), max(1, round(h * s))), Image.Resampling.BICUBIC)
    out = Image.new("RGB", (side, side), "white")
    out.paste(img, ((side - img.width) // 2, (side - img.height) // 2))
    return np.asarray(out)


def photos(data: str):
    """(name, rgb, has_truth) of every row, in order."""
    from core.figures.samples import load_sample
    from core.images import load_image

    for name in BW:
        yield name, load_sample(name, 512), False
    for name in COLOUR:
        yield name, load_sample(name, 512), True
    for name in PEOPLE:
        folder = "train" if os.path.isfile(os.path.join(data, "train", name)) else "val"
        yield name, load_image(os.path.join(data, folder, name)), True


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", action="append", required=True, metavar="LABEL=MODEL",
                    help="a column: its heading and a model name or .keras file (repeatable)")
    ap.add_argument("--data", default=os.path.join("..", "shared", "data"), help="the data folder (train/, val/)")
    ap.add_argument("--out", default="docs/model_panel.jpg")
    ap.add_argument("--side", type=int, default=256, help="the side of each tile's square")
    args = ap.parse_args(argv)
    missing = [n for n in PEOPLE if not any(os.path.isfile(os.path.join(args.data, f, n)) for f in ("train", "val"))]
    if missing:
        ap.error(f"{len(missing)} of the panel's photos are not in {args.data} (e.g. {missing[0]}); give --data")
    models = parse_models(ap, args.model)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import numpy as np

    from core import colorize
    from core.lab import to_grey_rgb

    rows = []
    for _, rgb, has_truth in photos(args.data):
        grey = to_grey_rgb(rgb)
        cells = [grey, *(colorize(grey, model=m) for _, m in models), rgb if has_truth else np.full_like(grey, 255)]
        rows.append([tile(c, args.side) for c in cells])
    save_grid(("grey input", *(label for label, _ in models), "true colours"), rows, args.out)
    print(f"wrote {args.out} ({len(rows)} rows)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
