"""``python -m core falsecolour CH1 [CH2 ...] (--colours ... | --preset P | --lut NAME) [--stretch S]
[--range MIN:MAX ...] [--legend] --out OUT.png|.tif``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EPILOG = """\
False colour shows what was measured: each channel (a grey file, each plane of a multi-
channel or OME-TIFF, each plane of a FITS cube) gets the colour you choose and the colours
add; or a single channel goes through a look-up table. Nothing is guessed, and the file's
XMP says so (with the legend: which channel became which colour, the stretch, the ranges);
it carries no "AI-made" mark.

colours:  --colours red,green,blue   one per channel: red green blue grey cyan magenta
                                     yellow, or #rrggbb
          --preset P                 rgb, fiji (Fiji's Merge Channels order, up to 7),
                                     colourblind (magenta, green, cyan, yellow),
                                     hubble (SII, H-alpha, OIII -> red, green, blue; asinh)
          --lut NAME                 one channel: viridis cividis magma inferno plasma greys
          (none: one channel through viridis, several in Fiji's order)
ranges:   auto (0.1 % clipped at each end), full (smallest to largest value) or MIN:MAX,
          one for all or one per channel (a negative minimum: --range=-5:100)
stretch:  linear (default), asinh (faint detail lifted: astronomy), log; --softening A
          sets where asinh turns from linear to logarithmic (0.1 of the range; 0.001 lifts
          a galaxy a thousand times fainter than the star beside it)
output:   .png or .tif; 16-bit when any input is 16-bit or float. NaN pixels are mid grey.

exit codes: 0 done, 1 an input could not be used, 2 bad arguments.
"""


def _fail(message: str, code: int = 2) -> int:
    from core.text import printable

    print(f"error: {printable(message)}", file=sys.stderr)
    return code


def parse_range(text: str):
    """"auto", "full" or "MIN:MAX" -> the engine's range; ValueError otherwise."""
    text = text.strip().lower()
    if text in ("auto", "full"):
        return text
    lo, sep, hi = text.partition(":")
    if not sep:
        raise ValueError(f"a range is auto, full or MIN:MAX, not {text!r}")
    try:
        return float(lo), float(hi)
    except ValueError:
        raise ValueError(f"a range is auto, full or MIN:MAX with two numbers, not {text!r}") from None


def main(argv=None) -> int:
    from core.science import LUTS, PRESETS, STRETCHES

    ap = argparse.ArgumentParser(
        prog="python -m core falsecolour",
        description="False colour of measured channels (microscopy, satellites, telescopes): nothing guessed.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("channels", nargs="+", metavar="CH", help="grey files, a multi-channel TIFF or a FITS file/cube")
    group = ap.add_mutually_exclusive_group()
    group.add_argument("--colours", "--colors", metavar="C1,C2,...", help="a colour per channel")
    group.add_argument("--preset", choices=list(PRESETS), help="a set of colours in order")
    group.add_argument("--lut", choices=LUTS, help="a look-up table for one channel")
    ap.add_argument("--stretch", choices=STRETCHES, default=None, help="linear (default), asinh or log")
    ap.add_argument("--softening", type=float, default=None, metavar="A",
                    help="asinh: below A of the range it stays linear (default 0.1; 0.001 for faint galaxies "
                         "next to bright stars); log: its steepness (default 1000)")
    ap.add_argument("--range", dest="ranges", nargs="+", action="extend", metavar="MIN:MAX",
                    help="auto, full or MIN:MAX; one for all channels or one per channel")
    ap.add_argument("--names", metavar="N1,N2,...", help="the channels' names in the legend")
    ap.add_argument("--legend", action="store_true", help="draw the legend beside the picture")
    ap.add_argument("--out", required=True, metavar="OUT.png|.tif", help="the picture to write")
    ap.add_argument("--overwrite", action="store_true", help="replace OUT if it exists")
    from core.cli.credentials import add_options, signing

    add_options(ap)
    args = ap.parse_args(argv)
    sign, problem = signing(args)
    if problem:
        return _fail(problem)
    from core.credentials import Request, Source
    from core.science import ChannelError, falsecolour, load_channels, save
    from core.science.legend import file_format

    out = Path(args.out)
    try:
        file_format(out, 8)
        ranges = [parse_range(r) for r in args.ranges] if args.ranges else None
    except ValueError as e:
        return _fail(str(e))
    if out.exists() and not args.overwrite:
        return _fail(f"{out} already exists (--overwrite replaces it)")
    if any(out.exists() and out.resolve() == Path(c).resolve() for c in args.channels):
        return _fail("--out is one of the inputs; choose another name")
    names = [n.strip() for n in args.names.split(",")] if args.names else None
    try:
        channels = load_channels(args.channels)
        result = falsecolour(channels, args.colours, preset=args.preset, lut=args.lut, stretch=args.stretch,
                             softening=args.softening,
                             ranges=ranges, names=names)
        request = Request(sign, Source.of(args.channels[0]) if len(args.channels) == 1 else None)
        save(result, out, legend=args.legend, credentials=request if sign.enabled else None)
    except ChannelError as e:
        return _fail(str(e), 1)
    except OSError as e:
        return _fail(f"cannot write {out}: {e.strerror or e}", 1)
    h, w = result.rgb.shape[:2]
    print(f"{out}: {w} x {h}, {result.bits}-bit, {result.stretch_text} stretch; {result.legend_text}"
          + (f"; {result.nan_pixels:,} pixels with no data (NaN) in {result.nan_colour}" if result.nan_pixels
             else ""))
    if sign.enabled and request.problem:
        print(f"warning: written without Content Credentials: {request.problem}", file=sys.stderr)
    return 0
