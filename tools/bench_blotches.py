"""The blotch measure (docs/blotches.md): how much of the skin of real faces each model paints red, magenta,
blue or green, against the same measure on the true colours (its false-positive rate).

    python tools/bench_blotches.py --model v2=autoencoder --model grey=grayscale
    python tools/bench_blotches.py --model v2=autoencoder --model v3=runs/v3/full_w1/autoencoder.keras \
        --csv /tmp/blotch_faces.csv --crops /tmp/blotch_crops.jpg
    python tools/bench_blotches.py --scan          # the detector over every held-out photo, and its contact sheet

Faces: the 40 in the held-out photos of tools/blotches.py's FACE_PHOTOS (imnet_*, bsds_2* and val, never
trained on), found by OpenCV's Haar cascades (boxes cached in runs/blotch/faces.json), plus scikit-image's
astronaut (made grey; true colours known) and camera (a real black-and-white photo: no truth). Each model
colours the grey photo at its default render factor; a model is a name (``autoencoder``, ``grayscale``) or a
``.keras`` file. Prints one markdown table; ``--csv`` writes every face's shares, ``--crops`` a picture of
every face as each model coloured it, its blotch share on the tile.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import blotches  # noqa: E402  (tools/blotches.py, beside this script)

TRUTH = "true colours"


def parse_models(ap: argparse.ArgumentParser, specs: list[str]) -> list[tuple[str, str]]:
    """``LABEL=NAME_OR_FILE`` pairs, checked (a friendly error, not a traceback, for an unknown model)."""
    from core.colorizers import CLASSES, is_model_file

    out = []
    for spec in specs:
        label, _, model = spec.partition("=")
        if not model:
            label, model = spec, spec
        if is_model_file(model) and not os.path.isfile(model):
            ap.error(f"--model {spec}: the file {model} does not exist")
        if not is_model_file(model) and model not in CLASSES:
            ap.error(f"--model {spec}: unknown model {model!r}; choose from {', '.join(CLASSES)} or give a .keras file")
        out.append((label, model))
    return out


def faces_to_measure(data: str, cache: str):
    """(name, rgb, boxes, has_truth) for every face photo, then the two sample photos."""
    from core.figures.samples import load_sample
    from core.images import load_image

    for path, boxes in blotches.face_photos(data, cache).items():
        yield os.path.basename(path), load_image(path), boxes, True
    for name, boxes in blotches.SAMPLE_FACES.items():
        yield name, load_sample(name, blotches.SAMPLE_SIDE), boxes, name != "camera"


def measure(models: list[tuple[str, str]], data: str, cache: str):
    """Rows (photo, face index, colouring label, shares, crop) over every face and colouring."""
    from core import colorize
    from core.lab import lightness, rgb_to_lab, to_grey_rgb

    for name, rgb, boxes, has_truth in faces_to_measure(data, cache):
        L, grey = lightness(rgb), to_grey_rgb(rgb)
        outs = ([(TRUTH, rgb)] if has_truth else []) + [(label, colorize(grey, model=m)) for label, m in models]
        for label, out in outs:
            ab = rgb_to_lab(out)[..., 1:]
            for i, box in enumerate(boxes):
                x, y, w, h = box
                yield name, i, label, blotches.blotch_share(L, ab, box), out[y:y + h, x:x + w]


def table(rows, labels: list[str], threshold: float) -> str:
    """The markdown table: per colouring, the held-out faces (all, and the check set) and the two samples."""
    def pick(label, test, key="blotch"):
        return [r[3][key] for r in rows if r[2] == label and test(r[0])]

    def held(n):
        return n not in blotches.SAMPLE_FACES

    def check(n):
        return held(n) and not n.startswith("imnet_")

    t = f"{threshold:.0%}"
    head = (f"| colours | faces | mean blotch share | faces > {t} | mean skin share | check set (bsds_2*, val): mean "
            f"/ > {t} | strict sector: mean / > {t} | median skin hue | astronaut | camera |")
    lines = [head, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for label in labels:
        s = blotches.summarise(pick(label, held), threshold)
        c = blotches.summarise(pick(label, check), threshold)
        skin = pick(label, held, "skin")
        strict = blotches.summarise(pick(label, held, "strict"), threshold)
        hues = [h for h in pick(label, held, "hue") if h == h]                  # faces with chromatic skin
        hue = f"{sorted(hues)[len(hues) // 2]:.0f}°" if hues else "–"
        sample = {n: pick(label, lambda x, n=n: x == n) for n in blotches.SAMPLE_FACES}
        cells = [f"{sample[n][0]:.1%}" if sample[n] else "–" for n in blotches.SAMPLE_FACES]
        lines.append(f"| {label} | {s['faces']} | {s['mean']:.1%} | {s['over']} | {sum(skin) / len(skin):.1%} | "
                     f"{c['mean']:.1%} / {c['over']} of {c['faces']} | {strict['mean']:.1%} / {strict['over']} | "
                     f"{hue} | {' | '.join(cells)} |")
    return "\n".join(lines)


def crops_picture(rows, labels: list[str], path: str, side: int = 96) -> None:
    """Every face (a row) as each colouring (a column) painted it, with its blotch share."""
    from PIL import Image, ImageDraw

    faces = list(dict.fromkeys((r[0], r[1]) for r in rows))
    by = {(r[0], r[1], r[2]): r for r in rows}
    sheet = Image.new("RGB", (len(labels) * (side + 2) + 120, len(faces) * (side + 2) + 16), "white")
    draw = ImageDraw.Draw(sheet)
    for j, label in enumerate(labels):
        draw.text((120 + j * (side + 2), 2), label, fill="black")
    for i, (name, k) in enumerate(faces):
        y = 16 + i * (side + 2)
        draw.text((2, y + side // 2), f"{name[:18]} {k}", fill="black")
        for j, label in enumerate(labels):
            r = by.get((name, k, label))
            if r is None:
                continue
            tile = Image.fromarray(r[4]).resize((side, side), Image.Resampling.BICUBIC)
            ImageDraw.Draw(tile).text((2, 2), f"{r[3]['blotch']:.0%}", fill=(255, 255, 0))
            sheet.paste(tile, (120 + j * (side + 2), y))
    sheet.save(path, quality=90)


def scan(data: str, out_json: str, sheet: str) -> int:
    """The detector over every held-out photo: the candidates (JSON) and a numbered contact sheet to judge."""
    from PIL import Image, ImageDraw

    from core.images import load_image

    files = blotches.held_out_files(data)
    found = {}
    for f in files:
        boxes = blotches.detect_faces(blotches.read_grey(f))
        if boxes:
            found[os.path.basename(f)] = (f, boxes)
    os.makedirs(os.path.dirname(os.path.abspath(out_json)), exist_ok=True)
    with open(out_json, "w") as fh:
        json.dump({n: b for n, (_, b) in found.items()}, fh, indent=1)
    tiles = []
    for n, (f, boxes) in found.items():
        img = Image.fromarray(load_image(f))
        for x, y, w, h in boxes:
            t = img.crop((x, y, x + w, y + h)).resize((96, 96))
            mark = "+" if n in blotches.FACE_PHOTOS else "-"
            ImageDraw.Draw(t).text((2, 2), f"{len(tiles)}{mark} {n[:16]}", fill=(255, 255, 0))
            tiles.append(t)
    cols = 10
    page = Image.new("RGB", (cols * 98, max(1, -(-len(tiles) // cols)) * 98), "white")
    for i, t in enumerate(tiles):
        page.paste(t, ((i % cols) * 98, (i // cols) * 98))
    page.save(sheet, quality=90)
    kept = sum(len(b) for n, (_, b) in found.items() if n in blotches.FACE_PHOTOS)
    print(f"{len(files)} held-out photos; {len(found)} with confirmed boxes ({sum(len(b) for _, b in found.values())} "
          f"boxes); {kept} boxes in the {len(blotches.FACE_PHOTOS)} photos kept as faces (+ on the sheet)")
    print(f"wrote {out_json} and {sheet}")
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", action="append", default=[], metavar="LABEL=MODEL",
                    help="a colouring to measure: a model name or .keras file, with a label (repeatable)")
    ap.add_argument("--data", default=os.path.join("..", "shared", "data"), help="the data folder (train/, val/)")
    ap.add_argument("--cache", default=os.path.join("runs", "blotch", "faces.json"), help="the face boxes found")
    ap.add_argument("--threshold", type=float, default=blotches.BLOTCH_FACE, help="a face's blotch share that counts")
    ap.add_argument("--csv", help="also write every face's shares here")
    ap.add_argument("--crops", help="also write a picture of every face as each model coloured it")
    ap.add_argument("--scan", action="store_true", help="run the detector over every held-out photo instead")
    ap.add_argument("--sheet", default="/tmp/blotch_candidates.jpg", help="--scan's contact sheet")
    args = ap.parse_args(argv)
    if not os.path.isdir(os.path.join(args.data, "train")):
        ap.error(f"no data folder at {args.data} (it needs train/ and val/; give --data)")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if args.scan:
        return scan(args.data, os.path.join(os.path.dirname(args.cache), "candidates.json"), args.sheet)
    if not args.model:
        ap.error("give at least one --model LABEL=MODEL (e.g. --model v2=autoencoder)")
    models = parse_models(ap, args.model)
    rows = list(measure(models, args.data, args.cache))
    labels = [TRUTH] + [label for label, _ in models]
    print(table(rows, labels, args.threshold))
    if args.csv:
        import csv

        with open(args.csv, "w", newline="") as f:
            w = csv.writer(f)
            keys = ("blotch", "skin", "strict", "hue")
            w.writerow(["photo", "face", "colours", *keys, "pixels"])
            for name, i, label, s, _ in rows:
                w.writerow([name, i, label, *(f"{s[k]:.4f}" for k in keys), s["pixels"]])
        print(f"wrote {args.csv}")
    if args.crops:
        crops_picture(rows, labels, args.crops)
        print(f"wrote {args.crops}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
