"""``python -m core batch SRC DST``: colorize a whole archive, resumably, with ``DST/manifest.csv``.

``--engine local`` (a process pool) or ``--engine ray`` (Ray Data, on this machine or a cluster); see the
README, "Colorize a whole archive", and :mod:`core.batch`.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from core.outputs import FORMATS

EPILOG = """\
SRC is a folder (every JPEG/PNG/TIFF/BMP/WebP/GIF under it; hidden files are left out) or a text file
with one photo path a line (relative lines are relative to the list file's folder; # starts a comment).
Results mirror the source folders and are named as by python -m core colorize: SRC/1950/a.jpg ->
DST/1950/a_autoencoder.png (a.png beside it: a_autoencoder_1.png; _guided with --vibrance; from a list: a
relative line as written, an absolute one whole: /archive/b.tif -> DST/archive/b_autoencoder.png; .tif or
.jpg instead of .png with --format tiff or jpeg; a DST from before issue 30 keeps its a.jpg.png results).
16-bit photos give 16-bit PNGs by default; every result keeps the photo's DPI, ICC profile and EXIF
date/camera, is marked AI-coloured in its XMP and carries signed Content Credentials (--no-credentials:
none; docs/credentials.md).
Inputs are never modified.

DST/manifest.csv has one row per photo: source, output, status (done / skipped / failed), kind (grey /
toned / colour), model, render_factor, vibrance, seconds, message (the error of a failed photo), restore,
uncertainty (how unsure the model was of the photo's colours, 0-1; --review N lists the N highest), format.
Colour photos are skipped (their colours are real) unless --include-colour is given.

Run the same command again after a crash, a kill or Ctrl+C: it does only what is not done yet (failed
photos too with --retry-failed). One DST holds one setting (model, render factor, vibrance): another
setting needs another DST. Exit code: 0 when every photo is done or skipped, 1 when some failed or the
run stopped early, 2 when it could not start, 130 when interrupted.
"""


def _args(argv):
    ap = argparse.ArgumentParser(prog="python -m core batch", description=(
        "Colorize a whole archive of black-and-white photos into DST, resumably, with a manifest."),
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("src", metavar="SRC", help="a folder of photos (searched recursively) or a text file of paths")
    ap.add_argument("dst", metavar="DST", help="output folder (created; it gets manifest.csv)")
    ap.add_argument("--engine", choices=("local", "ray"), default="local",
                    help="local: worker processes on this machine (default); ray: Ray Data (pip install -r "
                         "requirements-scale.txt)")
    ap.add_argument("--model", default="autoencoder", help="autoencoder (default), eccv16 or grayscale")
    ap.add_argument("--render-factor", type=int, default=None,
                    help="colour is rendered at 16 x this many pixels on the long side (default: the model's)")
    ap.add_argument("--vibrance", type=float, default=1.0, metavar="X",
                    help="0 = grey, 1 = unchanged (default), up to 2 = most vivid")
    ap.add_argument("--workers", type=int, default=None, metavar="N",
                    help="worker processes (local) or Ray actors, one CPU each (default: every CPU)")
    ap.add_argument("--address", default=None,
                    help="with --engine ray: the cluster to join (auto, HOST:6379 or ray://HOST:10001); "
                         "default: start Ray on this machine")
    ap.add_argument("--format", choices=FORMATS, default=None,
                    help="png (8-bit), png16 (16-bit), tiff (16-bit for 16-bit photos) or jpeg; default: png16 for "
                         "16-bit photos, png for 8-bit ones (recorded in the manifest's format column)")
    ap.add_argument("--include-colour", action="store_true", help="colorize colour photos too (from their lightness)")
    ap.add_argument("--restore", action="store_true",
                    help="repair scratches and dust before colouring (recorded in the manifest's restore column)")
    ap.add_argument("--retry-failed", action="store_true", help="try the photos that failed in earlier runs again")
    ap.add_argument("--review", type=int, default=0, metavar="N",
                    help="afterwards, list the N photos whose colours the model was least sure of (the manifest's "
                         "uncertainty column), to check them first")
    from core.cli.credentials import add_options

    add_options(ap)
    return ap.parse_args(argv)


def _fail(message: str, code: int = 2) -> int:
    from core.text import printable

    print(f"error: {printable(message)}", file=sys.stderr)   # names in it may hold terminal escapes
    return code


def _settings(args):
    """(Settings, None) or (None, error message) from the model options."""
    from core.batch.plan import Settings
    from core.colorizers import is_model_file, model_class, model_info, unknown

    info = model_info(args.model)
    if info is None:
        return None, unknown(args.model)
    if not info.available:
        how = f" Get it with: {info.how_to_get}" if info.how_to_get else ""
        return None, f"the {args.model} model is not available: {info.reason}.{how}"
    try:
        rf = model_class(args.model).check_render_factor(args.render_factor)
    except ValueError as e:
        return None, str(e)
    if args.restore:
        from core.restore.engine import model_path

        if not model_path().exists():
            return None, f"--restore needs the scratch and dust detector {model_path()}, which is missing"
    model = os.path.abspath(args.model) if is_model_file(args.model) else args.model   # workers may run elsewhere
    from core.cli.credentials import signing

    sign, problem = signing(args)              # the key is made here, before the workers start
    if problem:
        return None, problem
    cert, key = (os.path.abspath(p) if p else None for p in (sign.cert, sign.key))
    return Settings(model, rf, args.vibrance, args.include_colour, restore=args.restore,
                    format=args.format or "auto", credentials=sign.enabled, sign_cert=cert, sign_key=key), None


def main(argv=None) -> int:
    args = _args(argv)
    if not 0.0 <= args.vibrance <= 2.0:
        return _fail(f"--vibrance must be from 0 to 2, not {args.vibrance:g}")
    if args.workers is not None and args.workers < 1:
        return _fail(f"--workers must be 1 or more, not {args.workers}")
    if args.review < 0:
        return _fail(f"--review must be 0 or more, not {args.review}")
    if args.address and args.engine != "ray":
        return _fail("--address joins a Ray cluster: use it with --engine ray")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    settings, problem = _settings(args)
    if problem:
        return _fail(problem)
    from core.batch import runner

    if args.engine == "ray":
        from core.batch.ray_engine import RayUnavailable, import_ray

        try:
            import_ray()
        except RayUnavailable as e:
            return _fail(str(e))
    if not os.path.exists(args.src):
        return _fail(f"{args.src}: no such file or folder")
    dst = Path(args.dst)
    try:
        dst.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        return _fail(f"cannot create {dst}: {e.strerror or e}")
    try:
        with runner.dst_lock(dst):
            code = _run(args, dst, settings)
        if args.review and code != 130:
            from core.batch.review import review_lines

            print("\n".join(review_lines(dst, args.review)))
        return code
    except runner.RunError as e:
        return _fail(str(e))
    except KeyboardInterrupt:
        return _fail("interrupted; what was finished is kept: run the same command again to continue", 130)


def _run(args, dst: Path, settings) -> int:
    from core.batch import runner
    from core.batch.summary import plan_line, summary_line
    from core.text import printable

    plan = runner.prepare(args.src, dst, settings, args.retry_failed)
    engine = _engine(args, dst, settings) if plan.todo else None
    try:
        if engine is not None:
            engine.start()                 # Ray: join or start the cluster before anything is shown
    except RuntimeError as e:              # RayUnavailable: the cluster cannot be used
        raise runner.RunError(str(e)) from None
    console, owned = runner.console_stream()
    try:
        print(plan_line(plan, args.src), file=console)
        try:
            report = runner.execute(plan, dst, settings, engine, console)
        except runner.RunError:            # the manifest cannot be written: said by main, exit code 2
            raise
        except RuntimeError as e:          # RayUnavailable: the cluster went away in the middle
            print(f"error: {printable(e)}. What was finished is kept: run the same command again to continue.",
                  file=console)
            return 1
        if engine is not None and getattr(engine, "note", ""):
            print(f"note: {engine.note}", file=console)
        print(summary_line(report, dst, engine), file=console)
    finally:
        if owned:
            console.close()
    if report.stopped.startswith("interrupted"):
        return 130
    return 1 if report.stopped or report.failed_total else 0


def _engine(args, dst: Path, settings):
    if args.engine == "ray":
        from core.batch.ray_engine import RayEngine

        return RayEngine(settings, str(dst), args.workers, args.address)
    from core.batch.local import LocalEngine

    return LocalEngine(settings, str(dst), args.workers)
