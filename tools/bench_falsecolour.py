"""False colour (issue 33): seconds for 3 channels of 1 and 24 megapixels against the bare pixel work of reading
them and writing an RGB picture of the same size.

    .venv/bin/python tools/bench_falsecolour.py [--sizes 1000x1000 6000x4000] [--repeat 5]

Input: three uint16 TIFF files (the made-up cells of :func:`core.science.samples.cells`, tiled to the size),
written to a temporary folder first. "bare": ``tifffile.imread`` of each, then :func:`core.outputs.encode`
(16-bit PNG, or TIFF) of the very pixels the false colour writes (made before the clock starts: how fast PNG
and deflate compress depends on the pixels, so the same ones are written). "false colour": ``load_channels``
(the same files, through the checks), ``falsecolour(preset="fiji")`` with auto ranges (linear) and ``save``
(the same encoder, plus the XMP legend); then the same with ``stretch="asinh"`` (bare: its own pixels). The four
routes take turns, ``--repeat`` rounds, and each gets its fastest round (the least disturbed by other work on a
shared machine). Prints a Markdown table (docs/false-colour.md).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def channel_files(folder: Path, width: int, height: int) -> list[Path]:
    import tifffile

    from core.science import samples

    paths = []
    for ch in samples.cells(1000):
        plane = np.tile(ch.data, (-(-height // 1000), -(-width // 1000)))[:height, :width]
        path = folder / f"{ch.name}.tif"
        tifffile.imwrite(path, np.ascontiguousarray(plane))
        paths.append(path)
    return paths


def bare(paths, out: Path, fmt: str, pixels: np.ndarray) -> None:
    import tifffile

    from core import outputs

    for p in paths:
        tifffile.imread(p)
    out.write_bytes(outputs.encode(pixels, fmt))


def false_colour(paths, out: Path, stretch: str = "linear") -> None:
    from core.science import falsecolour, load_channels, save

    save(falsecolour(load_channels(paths), preset="fiji", stretch=stretch), out)


def pixels(paths, stretch: str = "linear") -> np.ndarray:
    from core.science import falsecolour, load_channels

    return falsecolour(load_channels(paths), preset="fiji", stretch=stretch).rgb


def fastest(repeat: int, routes: list) -> list[float]:
    """The fastest of ``repeat`` rounds of each route ((fn, *args)), the routes taking turns in each round."""
    best = [float("inf")] * len(routes)
    for _ in range(repeat):
        for i, (fn, *args) in enumerate(routes):
            t0 = time.perf_counter()
            fn(*args)
            best[i] = min(best[i], time.perf_counter() - t0)
    return best


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", nargs="+", default=["1000x1000", "6000x4000"], help="WIDTHxHEIGHT")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)
    false_colour(channel_files(Path(tempfile.mkdtemp()), 64, 64), Path(tempfile.mkdtemp()) / "warm.png")  # imports
    print("| size | output | bare read + write (s) | false colour, linear (s) | ratio | bare (s) | asinh (s) | ratio |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for size in args.sizes:
        width, height = (int(v) for v in size.lower().split("x"))
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            paths = channel_files(folder, width, height)
            for ext, fmt in ((".png", "png16"), (".tif", "tiff")):
                out = folder / f"out{ext}"
                t_bare, t_lin, t_bare_asinh, t_asinh = fastest(args.repeat, [
                    (bare, paths, out, fmt, pixels(paths)), (false_colour, paths, out),
                    (bare, paths, out, fmt, pixels(paths, "asinh")), (false_colour, paths, out, "asinh")])
                print(f"| {width} x {height} ({width * height / 1e6:.0f} MP) | 16-bit {ext[1:].upper()} | "
                      f"{t_bare:.2f} | {t_lin:.2f} | {t_lin / t_bare:.2f} x | {t_bare_asinh:.2f} | {t_asinh:.2f} | "
                      f"{t_asinh / t_bare_asinh:.2f} x |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
