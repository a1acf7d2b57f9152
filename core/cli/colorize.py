"""``python -m core colorize INPUT... [--model M] [--render-factor N] [--out DIR]``: photos to PNG files."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from core.images import IMAGE_EXTS


def expand_inputs(inputs) -> tuple[list[Path], list[str]]:
    files, problems = [], []
    for item in inputs:
        p = Path(item)
        if p.is_dir():
            found = sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in IMAGE_EXTS)
            if not found:
                problems.append(f"{p}: no images in this folder")
            files.extend(found)
        elif p.exists():
            files.append(p)
        else:
            problems.append(f"{p}: no such file or folder")
    return files, problems


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m core colorize",
        description="Colorize black-and-white photos. Writes <name>_<model>.png files into --out; "
                    "inputs are never overwritten, and neither are the results of an earlier run unless "
                    "--overwrite is given (they are skipped and counted). Unreadable files are reported and "
                    "skipped; the exit code is non-zero only if nothing could be colorized or kept.")
    ap.add_argument("inputs", nargs="+", metavar="INPUT", help="image files or folders")
    ap.add_argument("--model", default="autoencoder", help="autoencoder (default), eccv16 or grayscale")
    ap.add_argument("--render-factor", type=int, default=None,
                    help="colour is rendered at 16 x this many pixels on the long side (default: the model's)")
    ap.add_argument("--out", default="colorized", help="output folder (default: ./colorized)")
    ap.add_argument("--overwrite", action="store_true",
                    help="replace results that are already in --out (default: skip them)")
    args = ap.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

    from tqdm import tqdm

    from core import ImageError, ModelUnavailable, available_models, colorize, get_colorizer, load_image
    from core.images import encode_png

    models = available_models()
    if args.model not in models:
        print(f"error: unknown model {args.model!r}; choose from {', '.join(models)}", file=sys.stderr)
        return 2
    files, problems = expand_inputs(args.inputs)
    for p in problems:
        print(f"warning: {p}", file=sys.stderr)
    if not files:
        print("error: nothing to colorize", file=sys.stderr)
        return 1
    try:
        col = get_colorizer(args.model)
        col.check_render_factor(args.render_factor)
    except (ModelUnavailable, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    inputs = {f.resolve() for f in files}
    written = set()     # two inputs with one stem (a.jpg, a.png, sub/a.png) must not share an output
    ok, failed, existing = 0, [], 0
    bar = tqdm(files, desc="colorizing", unit="img", disable=len(files) < 2, file=sys.stderr)
    for f in bar:
        dest = out_dir / f"{f.stem}_{args.model}.png"
        n = 1
        while dest.resolve() in inputs or dest.resolve() in written:
            dest = out_dir / f"{f.stem}_{args.model}_{n}.png"
            n += 1
        written.add(dest.resolve())
        if dest.exists() and not args.overwrite:
            existing += 1
            continue
        try:
            rgb = load_image(f)
            out = colorize(rgb, model=args.model, render_factor=args.render_factor)
            tmp = dest.with_suffix(".png.part")
            tmp.write_bytes(encode_png(out))
            os.replace(tmp, dest)
            ok += 1
            if len(files) < 2:
                print(f"{f} -> {dest}")
        except ImageError as e:
            failed.append(f"{f}: {e}")
            bar.write(f"skipped {f}: {e}", file=sys.stderr)
        except MemoryError:
            failed.append(f"{f}: not enough memory")
            bar.write(f"skipped {f}: not enough memory for this image", file=sys.stderr)
    kept = (f", {existing} skipped because their result was already there (--overwrite replaces them)"
            if existing else "")
    print(f"{ok} colorized, {len(failed)} skipped{kept} -> {out_dir}", file=sys.stderr)
    return 0 if ok or existing else 1
