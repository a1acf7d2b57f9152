"""``python -m core colorize INPUT... [--model M] [--render-factor N] [--out DIR] [--format F]``: photos to files.

``--format png|png16|tiff|jpeg`` (default: png16 for a 16-bit input, png for an 8-bit one); every result
keeps the input's DPI, ICC profile and EXIF date/camera and carries the "AI-coloured" XMP mark
(:mod:`core.outputs`, docs/archive.md) and signed Content Credentials (:mod:`core.credentials`;
``--no-credentials``, ``--sign-cert/--sign-key``).

Guided colour (:mod:`core.guide`) on top of the model: ``--hints FILE``, ``--reference PHOTO``, ``--vibrance X``.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from core.cli.credentials import add_options as add_credentials_options
from core.cli.credentials import signing as credentials_signing
from core.images import IMAGE_EXTS
from core.outputs import FORMATS
from core.text import printable


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


def out_folder(item, out: str | None) -> Path:
    """Where the results of the INPUT ``item`` go: ``--out``, else beside the input (never the current
    folder): a photo's own folder, or ``FOLDER_colorized`` next to an input folder (not inside it, where a
    later run would take the results for inputs)."""
    if out:
        return Path(out)
    p = Path(item)
    if not p.is_dir():
        return p.parent
    p = p.resolve()
    return p.parent / f"{p.name or 'photos'}_colorized"


def source_name(item, f: Path) -> str:
    """How the result of ``f`` names its photo (its facts and credentials): the path under the INPUT folder
    ``item`` (as ``python -m core batch`` names it), else the file's name."""
    from core.text import text_name

    p = Path(item)
    return text_name(f.relative_to(p).as_posix() if p.is_dir() else f.name)


HINTS_HELP = """\
guided colour: the model's result is the start; then the colours of --reference are
blended in, then --vibrance, then the --hints (their colours are kept as given). The
photo's lightness never changes. Outputs are named <name>_<model>_guided.png (.tif, .jpg: --format).

hints file (JSON; the Guide page of the app downloads and loads the same file):
  {
    "format": "colorization-studio-hints", "version": 1,
    "width": 640, "height": 427,
    "hints": [
      {"x": 120, "y": 80, "color": "#c0392b", "radius": 6, "source": "catalogue 1953/12"},
      {"points": [[10, 20], [14, 22], [20, 25]], "color": [40, 90, 200], "radius": 4}
    ]
  }
  x, y: pixels of the photo (0, 0 = top-left); "points": a stroke. color: "#rrggbb"
  or [r, g, b] (only its colour counts, not its lightness). radius: pixels (default 3).
  source (optional): where the colour is documented; the result's Content Credentials
  list the hint as documented (else as chosen by a person; every other colour: guessed).
  width, height (optional): the size of the photo the hints were made on; a photo of
  the same shape at another size gets them scaled. A bare list of hints also works.
  The hints apply to every INPUT; an input they do not fit is skipped with a message.
"""


def _guided_inputs(args):
    """(hints file bytes, reference RGB, error message) from --hints / --reference."""
    from core import ImageError, load_image
    from core.guide import HintError, ReferencePhotoError, hints_from_json, reference_lab

    hints_text = reference = None
    if args.hints:
        from core.guide.hints import MAX_FILE_BYTES
        from core.images import read_file_bytes

        try:
            hints_text = read_file_bytes(args.hints, MAX_FILE_BYTES)  # a regular file (a FIFO would block)
            hints_from_json(hints_text)             # the file itself is sound; each photo checks the places
        except ImageError as e:
            return None, None, f"--hints {args.hints}: cannot read it ({e})"
        except HintError as e:
            return None, None, f"--hints {args.hints}: {e}"
    if args.reference:
        try:
            reference = load_image(args.reference)
            reference_lab(reference)
        except (ImageError, ReferencePhotoError) as e:
            return None, None, f"--reference {args.reference}: {e}"
    return hints_text, reference, None


def _uncertainty_dest(target, f: Path, model: str, n_files: int) -> Path | None:
    """Where --uncertainty writes the map of ``f``: the file itself for one input named *.png, else a file in
    the folder ``target``."""
    if not target:
        return None
    target = Path(target)
    if n_files == 1 and target.suffix.lower() == ".png" and not target.is_dir():
        target.parent.mkdir(parents=True, exist_ok=True)
        return target
    target.mkdir(parents=True, exist_ok=True)
    return target / f"{f.stem}_{model}_uncertainty.png"


def _explain(f: Path, rgb, args, unc_dest: Path | None, write) -> None:
    """--suggest and --uncertainty for one photo: the suggestions printed, the map written."""
    from core import guide
    from core.images import encode_png
    from core.pipeline import write_atomically

    if unc_dest is not None:
        u = guide.uncertainty(rgb, model=args.model, render_factor=args.render_factor)
        write_atomically(unc_dest, encode_png(guide.uncertainty_colormap(u)))
        write(f"{printable(f)}: uncertainty {guide.uncertainty_score(u):.3f} (mean, 0 = sure, 1 = unsure) -> "
              f"{printable(unc_dest)}")
    if args.suggest:
        sug = guide.suggest(rgb, model=args.model, k=args.suggest, render_factor=args.render_factor, regions=False)
        write(f"{printable(f)}: {len(sug)} suggested click{'s' if len(sug) != 1 else ''} (x, y in pixels; "
              f"candidate colours, most likely first)")
        for i, s in enumerate(sug, 1):
            write(f"  {i}. ({s.x}, {s.y})  {' '.join(s.hexes)}  {s.reason} "
                  f"({100 * s.score:.0f} % of the photo's uncertainty)")


def _fail(message: str) -> int:
    print(f"error: {printable(message)}", file=sys.stderr)
    return 2


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m core colorize",
        description="Colorize black-and-white photos. Writes <name>_<model>.png (or .tif, .jpg: --format) "
                    "files into --out; "
                    "inputs are never overwritten, and neither are the results of an earlier run unless "
                    "--overwrite is given (they are skipped and counted). Unreadable files are reported and "
                    "skipped; the exit code is non-zero only if nothing could be colorized or kept.",
        epilog=HINTS_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("inputs", nargs="+", metavar="INPUT", help="image files or folders")
    ap.add_argument("--model", default="autoencoder", help="autoencoder (default), eccv16 or grayscale")
    ap.add_argument("--render-factor", type=int, default=None,
                    help="colour is rendered at 16 x this many pixels on the long side (default: the model's)")
    ap.add_argument("--out", default=None, help="output folder (default: beside each input: a photo's own folder, "
                                                "FOLDER_colorized for an input FOLDER)")
    ap.add_argument("--format", choices=FORMATS, default=None,
                    help="png (8-bit), png16 (16-bit), tiff (16-bit for a 16-bit input) or jpeg; default: png16 "
                         "for 16-bit inputs, png for 8-bit ones. The input's DPI, ICC profile and EXIF date/camera "
                         "are kept; an XMP note marks the result as AI-coloured")
    ap.add_argument("--overwrite", action="store_true",
                    help="replace results that are already in --out (default: skip them)")
    ap.add_argument("--restore", action="store_true",
                    help="repair scratches and dust first (core.restore); the model sees the repaired photo")
    g = ap.add_argument_group("guided colour (see below)")
    g.add_argument("--hints", metavar="FILE", help="colour hints, a JSON file (format below)")
    g.add_argument("--reference", metavar="PHOTO",
                   help="a colour photo of similar content whose colours are transferred")
    g.add_argument("--reference-strength", type=float, default=None, metavar="S",
                   help="how much of the reference's colours to take, 0 to 1 (default 0.7)")
    g.add_argument("--vibrance", type=float, default=1.0, metavar="X",
                   help="0 = grey, 1 = unchanged (default), up to 2 = most vivid")
    u = ap.add_argument_group("where is the model unsure? (autoencoder, eccv16)")
    u.add_argument("--suggest", type=int, default=0, metavar="N",
                   help="print the N clicks that would fix the most: point, the model's candidate colours, why")
    u.add_argument("--uncertainty", metavar="OUT.png",
                   help="write the model's uncertainty map (viridis: dark = sure, yellow = unsure); with "
                        "several inputs, a folder for <name>_<model>_uncertainty.png files")
    add_credentials_options(ap)
    args = ap.parse_args(argv)
    from core.guide.suggest import MAX_K

    if args.suggest and not 1 <= args.suggest <= MAX_K:
        return _fail(f"--suggest must be from 1 to {MAX_K}, not {args.suggest}")
    if not 0.0 <= args.vibrance <= 2.0:
        return _fail(f"--vibrance must be from 0 to 2, not {args.vibrance:g}")
    if args.reference_strength is not None and not 0.0 <= args.reference_strength <= 1.0:
        return _fail(f"--reference-strength must be from 0 to 1, not {args.reference_strength:g}")
    if args.reference_strength is not None and not args.reference:
        return _fail("--reference-strength needs --reference")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

    from tqdm import tqdm

    from core import ImageError, ModelUnavailable, get_colorizer
    from core.colorizers import describe_file, is_model_file, model_info, unknown
    from core.guide import HintError
    from core.pipeline import PhotoSettings, encode, finish, output_name, own_write_error, prepare, write_atomically

    hints_text, reference, problem = _guided_inputs(args)
    if problem:
        return _fail(problem)
    signing, problem = credentials_signing(args)
    if problem:
        return _fail(problem)
    info = model_info(args.model)
    if info is None:
        print(f"error: {unknown(args.model)}", file=sys.stderr)
        return 2
    files, problems, folder_of, name_of = [], [], {}, {}
    for item in args.inputs:
        found, why = expand_inputs([item])
        files += found
        folder_of.update((f, folder_of.get(f, out_folder(item, args.out))) for f in found)
        name_of.update((f, name_of.get(f, source_name(item, f))) for f in found)
        problems += why
    for p in problems:
        print(f"warning: {printable(p)}", file=sys.stderr)
    if not files:
        print("error: nothing to colorize", file=sys.stderr)
        return 1
    try:
        col = get_colorizer(args.model)
        col.check_render_factor(args.render_factor)
        if is_model_file(args.model):
            print(printable(describe_file(args.model)), file=sys.stderr)
    except (ModelUnavailable, ValueError) as e:
        print(f"error: {printable(e)}", file=sys.stderr)
        return 2
    if (args.suggest or args.uncertainty) and not info.has_distribution:
        from core import available_models

        with_one = ", ".join(n for n, m in available_models().items() if m.has_distribution)
        return _fail(f"--suggest and --uncertainty need a model with a distribution over colours "
                     f"({with_one}); {args.model} has none")
    if args.restore:
        from core.restore.engine import model_path

        if not model_path().exists():
            return _fail(f"--restore needs the scratch and dust detector {model_path()}, which is missing")
    out_dirs = sorted(set(folder_of.values()))
    for out_dir in out_dirs:
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            return _fail(f"cannot create {out_dir}: {e.strerror or e}")
    out_dir = out_dirs[0] if len(out_dirs) == 1 else f"{len(out_dirs)} folders, beside the inputs"
    # a photo named on the command line is coloured whatever its kind (a person chose it); batch skips
    # colour photos unless --include-colour
    photo = PhotoSettings(args.model, args.render_factor, args.vibrance, hints_text, reference,
                          args.reference_strength, args.restore, args.format or "auto", include_colour=True,
                          signing=signing if signing.enabled else None)
    inputs = {f.resolve() for f in files}
    written = set()     # two inputs with one stem (a.jpg, a.png, sub/a.png) must not share an output
    ok, failed, existing = 0, [], 0
    bar = tqdm(files, desc="colorizing", unit="img", disable=len(files) < 2, file=sys.stderr)
    for f in bar:
        def taken(name, folder=folder_of[f]):
            return (folder / name).resolve() in inputs or (folder / name).resolve() in written

        dest = folder_of[f] / output_name(f.name, photo, taken)
        written.add(dest.resolve())
        keep = dest.exists() and not args.overwrite
        if keep:
            existing += 1
            if not (args.suggest or args.uncertainty):
                continue
        try:
            res = prepare(f, photo, name_of[f])
            if args.suggest or args.uncertainty:
                _explain(f, res.rgb, args, _uncertainty_dest(args.uncertainty, f, args.model, len(files)), bar.write)
            if keep:
                continue
            write_atomically(dest, encode(finish(res, photo), photo))
            if res.unsigned:
                bar.write(f"warning: {printable(dest)} was written without Content Credentials: "
                          f"{printable(res.unsigned)}", file=sys.stderr)
            ok += 1
            if len(files) < 2:
                print(f"{printable(f)} -> {printable(dest)}")
        except (ImageError, HintError) as e:
            failed.append(f"{f}: {e}")
            bar.write(f"skipped {printable(f)}: {printable(e)}", file=sys.stderr)
        except MemoryError:
            failed.append(f"{f}: not enough memory")
            bar.write(f"skipped {printable(f)}: not enough memory for this image", file=sys.stderr)
        except OSError as e:
            if own := own_write_error(e):          # this photo's name: the others can still be written
                failed.append(f"{f}: {own}")
                bar.write(f"skipped {printable(f)}: {own}", file=sys.stderr)
                continue
            folder = Path(e.filename).parent if e.filename else dest.parent     # read-only, full: every write fails
            bar.close()
            print(f"error: cannot write into {printable(folder)}: {printable(e.strerror or e)}; stopped after {ok} "
                  f"colorized", file=sys.stderr)
            return 1
    kept = (f", {existing} skipped because their result was already there (--overwrite replaces them)"
            if existing else "")
    print(f"{ok} colorized, {len(failed)} skipped{kept} -> {printable(out_dir)}", file=sys.stderr)
    return 0 if ok or existing else 1
