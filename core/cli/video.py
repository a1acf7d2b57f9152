"""``python -m core video CLIP --out OUT.mp4 [--model M] [--render-factor N] [--smoothing flow|none|average]``."""

from __future__ import annotations

import argparse
import os
import sys
import threading
from pathlib import Path

EPILOG = """\
The result is an MP4 (H.264, yuv420p) that browsers play, with the clip's frame rate, frame
count and size, and its sound. Clips are read with PyAV (FFmpeg inside the Python wheel):
MP4, MOV, WebM, MKV, AVI and animated GIFs work. Colour clips are coloured from their
lightness. An odd width or height is padded by one repeated pixel column or row (H.264
needs even sides); the message says so.

smoothing: each frame is coloured on its own, which makes colours flicker.
  flow     (default) warp the previous frame's colours along the optical flow and blend
           them with the new frame's; starts afresh at scene cuts and where things appear
  none     every frame on its own (flickers)
  average  a plain running average (smears colour when things move; for comparison)

limits: at most COLORIZER_MAX_VIDEO_MPS megapixel-seconds (default 60: e.g. 65 s at
1280 x 720, 4 min 20 s at 640 x 360). Nothing is written unless the whole clip was coloured:
Ctrl+C or an error leaves no partial file.

The clip carries signed Content Credentials (C2PA: the source clip, the model, the smoothing;
docs/credentials.md) unless --no-credentials is given.

exit codes: 0 done, 1 the clip could not be coloured, 2 bad arguments or model, 130 cancelled.
"""


def _fail(message: str, code: int = 2) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code


def main(argv=None) -> int:
    from core.video.smoothing import SMOOTHING

    ap = argparse.ArgumentParser(
        prog="python -m core video",
        description="Colorize a black-and-white video clip, without flicker.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("clip", nargs="?", metavar="CLIP", help="the video file (or --sample)")
    ap.add_argument("--sample", action="store_true",
                    help="use the built-in sample clip (a slow zoom over a black-and-white photo)")
    ap.add_argument("--out", metavar="OUT.mp4", default=None,
                    help="the result (default: <name>_<model>.mp4 beside the clip; with --sample, "
                         "colorized/sample_<model>.mp4 here)")
    ap.add_argument("--model", default="autoencoder", help="autoencoder (default), eccv16 or grayscale")
    ap.add_argument("--render-factor", type=int, default=None,
                    help="colour is rendered at 16 x this many pixels on the long side (default: the model's)")
    ap.add_argument("--smoothing", choices=SMOOTHING, default="flow", help="see below (default: flow)")
    ap.add_argument("--overwrite", action="store_true", help="replace OUT if it exists")
    from core.cli.credentials import add_options, signing

    add_options(ap)
    args = ap.parse_args(argv)
    if bool(args.clip) == bool(args.sample):
        return _fail("give one video file, or --sample")
    sign, problem = signing(args)
    if problem:
        return _fail(problem)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

    from core import ModelUnavailable, get_colorizer
    from core.colorizers import describe_file, is_model_file, label, model_info, unknown
    from core.video import Cancelled, VideoError, colorize_video, probe, sample_clip

    if model_info(args.model) is None:
        return _fail(unknown(args.model))
    try:
        src = sample_clip() if args.sample else Path(args.clip)
        info = probe(src)
    except VideoError as e:
        return _fail(str(e), 1)
    except OSError as e:
        return _fail(f"cannot make the sample clip: {e.strerror or e}", 1)
    stem = "sample" if args.sample else src.stem
    folder = Path("colorized") if args.sample else src.parent
    out = Path(args.out) if args.out else folder / f"{stem}_{label(args.model)}.mp4"
    if out.suffix.lower() != ".mp4":
        return _fail(f"--out must end in .mp4 (the result is an MP4), not {out.name!r}")
    if out.exists() and out.resolve() == Path(src).resolve():
        return _fail("--out is the input clip itself; choose another name")
    if out.exists() and not args.overwrite:
        return _fail(f"{out} already exists (--overwrite replaces it)")
    try:
        colorizer = get_colorizer(args.model)
        rf = colorizer.check_render_factor(args.render_factor)
        if is_model_file(args.model):
            print(describe_file(args.model), file=sys.stderr)
    except (ModelUnavailable, ValueError) as e:
        return _fail(str(e))
    out.parent.mkdir(parents=True, exist_ok=True)

    from tqdm import tqdm

    print(f"{info.name}: {info.describe()}", file=sys.stderr)
    cancel = threading.Event()
    bar = tqdm(total=info.frames, desc="colorizing", unit="frame", file=sys.stderr, dynamic_ncols=True)

    def progress(done: int, total: int) -> None:
        if total != bar.total:
            bar.total = total
        bar.update(done - bar.n)

    try:
        result = colorize_video(src, out, model=colorizer, render_factor=rf, smoothing=args.smoothing,
                                progress=progress, cancel=cancel, credentials=sign)
    except KeyboardInterrupt:
        cancel.set()
        bar.close()
        print("cancelled: nothing was written", file=sys.stderr)
        return 130
    except Cancelled:
        bar.close()
        print("cancelled: nothing was written", file=sys.stderr)
        return 130
    except VideoError as e:
        bar.close()
        return _fail(str(e), 1)
    except MemoryError:
        bar.close()
        return _fail("not enough memory for this clip; try a smaller one", 1)
    bar.close()
    print(f"{result.describe()}\n-> {result.path}", file=sys.stderr)
    return 0
