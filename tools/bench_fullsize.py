"""Measure the per-photo path of ``python -m core colorize`` on full-size photos (issue 21): time per stage at
1, 6 and 24 MP, against the bare pixel work of the same photo, the CLI end to end, peak memory at 40 MP and the
PNG file size per compression level.

    nice -n 10 .venv/bin/python tools/bench_fullsize.py [--sizes 1,6,24] [--peak 40] [--repeat 3] [--out FILE.md]

The photos are synthetic but photo-like: six scikit-image photos (grey) tiled 3 x 2, upscaled (bicubic) to the
size, with a little grain (Gaussian, sigma 2 levels) so that PNG and JPEG see photo-like detail, saved as grey
JPEG quality 90. The model is the autoencoder at its default render factor.

Stages (in this process, the model loaded and warm; the best of ``--repeat`` runs, one run at 24 MP and up):
decode (``core.images.load_master``, as the CLI), L (``core.lab.lightness``), render-size resize, model predict,
ab resize to full size, gamut fitting, Lab -> sRGB, PNG encode (``core.outputs.encode``, default level). The last three
(with the ab resize) are what ``core.lab.join_l_ab`` does, so "join" is timed as called too, and the path row
is the sum of the stages as the CLI runs them (decode + L + resize + predict + join + encode).

The bare pixel work (issue 21's yardstick), measured in the same run: an OpenCV Lab round trip of the decoded
RGB photo (``cv2.cvtColor`` RGB -> Lab -> RGB, uint8) plus a fast PNG encode (``cv2.imencode``, compression 1).

The CLI: ``python -m core colorize IN.jpg --out DIR`` in a subprocess, wall time as is (the TensorFlow import
and the model load included) and its peak resident memory (``/usr/bin/time -f %M``).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PHOTOS = ("astronaut", "camera", "coffee", "chelsea", "rocket", "hubble_deep_field")
LEVELS = (0, 1, 3, 6, 9)


def make_photo(megapixels: float, path: Path, seed: int = 0) -> tuple[int, int]:
    """A grey JPEG (quality 90) of about ``megapixels`` MP, 3:2, from tiled scikit-image photos."""
    import cv2
    from PIL import Image
    from skimage import data

    tiles = []
    for name in PHOTOS:
        img = getattr(data, name)()
        grey = img if img.ndim == 2 else cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)
        tiles.append(cv2.resize(grey, (600, 600), interpolation=cv2.INTER_AREA))
    canvas = np.vstack([np.hstack(tiles[:3]), np.hstack(tiles[3:])])           # 1200 x 1800, 3:2
    h = int((megapixels * 1e6 / 1.5) ** 0.5)                # rounded down: 40 MP stays within the 40 MP cap
    w = int(h * 1.5)
    big = cv2.resize(canvas, (w, h), interpolation=cv2.INTER_CUBIC).astype(np.float32)
    rng = np.random.default_rng(seed)
    for y in range(0, h, 1024):                                                 # grain, in strips
        big[y:y + 1024] += rng.normal(0.0, 2.0, big[y:y + 1024].shape).astype(np.float32)
    Image.fromarray(np.clip(np.rint(big), 0, 255).astype(np.uint8), "L").save(path, quality=90)
    return h, w


def best(fn, repeat: int):
    """(the fastest of ``repeat`` runs in seconds, the last result)."""
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def _io():
    """(decode a path to uint8 RGB, encode a result as PNG) as the CLI does it: ``load_master`` and
    ``core.outputs.encode`` (metadata, XMP mark) where this checkout has them, else ``load_image``, ``encode_png``."""
    try:
        from core import outputs
        from core.images import load_master

        return (lambda p: load_master(p).rgb), (lambda rgb, **kw: outputs.encode(rgb, "png", **kw))
    except ImportError:
        from core.images import encode_png, load_image

        return load_image, encode_png


def stages(path: Path, col, repeat: int) -> dict[str, float]:
    """Seconds per stage of the per-photo path, and the bare pixel work, for the photo at ``path``."""
    import cv2

    from core import gamut, lab

    decode, encode = _io()
    rf = col.default_render_factor
    t = {}
    t["decode"], rgb = best(lambda: decode(path), repeat)
    t["L (lightness)"], L = best(lambda: lab.lightness(rgb), repeat)
    size = lab.render_size(*L.shape, rf, col.stride)
    t["resize L to render size"], small = best(lambda: lab.resize_l(L, *size), repeat)
    t["model predict"], ab = best(lambda: col.predict_ab(small), repeat)
    h, w = L.shape
    t["ab resize to full size"], ab_full = best(lambda: lab.resize_ab(ab, h, w), repeat)
    t["gamut fitting"], fitted = best(lambda: gamut.fit_ab_to_gamut(L, ab_full), repeat)
    ab_full = None                       # free it before the next stage
    t["Lab -> sRGB"], _ = best(lambda: lab.lab_to_rgb(np.concatenate([L[..., None], fitted], -1)), repeat)
    fitted = None
    t["join (as called: the three above)"], out = best(lambda: lab.join_l_ab(L, ab), repeat)
    t["PNG encode (default level)"], data = best(lambda: encode(out), repeat)
    t["path: decode + L + resize + predict + join + encode"] = sum(
        t[k] for k in ("decode", "L (lightness)", "resize L to render size", "model predict",
                       "join (as called: the three above)", "PNG encode (default level)"))

    def bare():
        back = cv2.cvtColor(cv2.cvtColor(rgb, cv2.COLOR_RGB2Lab), cv2.COLOR_Lab2RGB)
        return cv2.imencode(".png", back, [cv2.IMWRITE_PNG_COMPRESSION, 1])[1]

    t["bare pixel work (cv2 Lab round trip + PNG level 1)"], _ = best(bare, repeat)
    t["ratio path / bare"] = t["path: decode + L + resize + predict + join + encode"] / t[
        "bare pixel work (cv2 Lab round trip + PNG level 1)"]
    t["output PNG MB"] = len(data) / 1e6
    return t


def in_process(path: Path, out_dir: Path, model: str, repeat: int) -> float:
    """The CLI's loop body for one photo (load, colorize, encode, write) with the model already loaded."""
    from core.pipeline import colorize_photo, write_atomically

    decode, encode = _io()

    def one():
        write_atomically(out_dir / "in_process.png", encode(colorize_photo(decode(path), model)))

    return best(one, repeat)[0]


def run_cli(path: Path, out_dir: Path, model: str) -> tuple[float, float]:
    """(wall seconds, peak resident MB) of ``python -m core colorize PATH --out OUT_DIR`` in a subprocess.

    The peak comes from ``/usr/bin/time -f %M``: a child forked straight from this (big) process would count
    this process's memory at the fork in its own high-water mark."""
    cmd = [sys.executable, "-m", "core", "colorize", str(path), "--model", model, "--out", str(out_dir),
           "--overwrite"]
    timer = Path("/usr/bin/time")
    if timer.exists():
        cmd = [str(timer), "-f", "PEAK_KB %M", *cmd]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        print(f"colorize failed on {path} ({proc.returncode}): {proc.stderr[-800:]}", file=sys.stderr)
        return float("nan"), float("nan")
    peaks = [line.split()[1] for line in proc.stderr.splitlines() if line.startswith("PEAK_KB ")]
    return wall, (int(peaks[-1]) / 1024.0 if peaks else float("nan"))


def png_levels(rgb: np.ndarray, levels=LEVELS) -> list[tuple[int, float, float, float, float]]:
    """(level, Pillow seconds, Pillow MB, OpenCV seconds, OpenCV MB) for each PNG compression level."""
    import cv2

    encode = _io()[1]
    rows = []
    for level in levels:
        tp, data = best(lambda lv=level: encode(rgb, compress_level=lv), 1)
        tc, buf = best(lambda lv=level: cv2.imencode(".png", rgb[..., ::-1], [cv2.IMWRITE_PNG_COMPRESSION, lv])[1], 1)
        rows.append((level, tp, len(data) / 1e6, tc, buf.size / 1e6))
    return rows


def table(results: dict[float, dict[str, float]]) -> list[str]:
    sizes = list(results)
    lines = ["| stage | " + " | ".join(f"{mp:g} MP" for mp in sizes) + " |",
             "|---|" + "---:|" * len(sizes)]
    for key in results[sizes[0]]:
        unit = "" if key.startswith(("ratio", "output", "CLI peak")) else " s"
        fmt = ("{:.1f}" if key.startswith("ratio") else "{:.2f}" if key.startswith("output")
               else "{:.0f}" if key.startswith("CLI peak") else "{:.3f}")
        lines.append(f"| {key} | " + " | ".join(fmt.format(results[mp][key]) + unit for mp in sizes) + " |")
    return lines


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1,6,24", help="megapixels of the timed photos (default 1,6,24)")
    ap.add_argument("--peak", type=float, default=40, help="megapixels of the peak-memory run (0 = skip)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per stage below 20 MP (the best counts)")
    ap.add_argument("--model", default="autoencoder")
    ap.add_argument("--no-cli", action="store_true", help="skip the subprocess runs of the CLI")
    ap.add_argument("--levels", default=",".join(map(str, LEVELS)), help="PNG levels to compare (default 0,1,3,6,9)")
    ap.add_argument("--out", help="also write the report (markdown) to this file")
    args = ap.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from core import get_colorizer

    col = get_colorizer(args.model)
    sizes = [float(s) for s in args.sizes.split(",") if s]
    load = os.getloadavg()[0]
    lines = [f"Model {args.model}, render factor {col.default_render_factor}; {os.cpu_count()} CPU cores; "
             f"load average (1 min) {load:.1f} at the start", ""]
    results, cli, inproc = {}, {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        col.colorize(np.zeros((64, 96, 3), np.uint8))                   # warm the model
        for mp in sizes:
            path = tmp / f"photo_{mp:g}mp.jpg"
            make_photo(mp, path)
            rep = args.repeat if mp < 20 else 1
            results[mp] = stages(path, col, rep)
            inproc[mp] = in_process(path, tmp, args.model, rep)
            if not args.no_cli:
                cli[mp] = run_cli(path, tmp / "cli", args.model)
            print(f"{mp:g} MP: {results[mp]}, in process {inproc[mp]:.3f} s, CLI {cli.get(mp)}", file=sys.stderr)
        for mp in sizes:
            results[mp]["in process: load + colorize + encode + write"] = inproc[mp]
            if mp in cli:
                results[mp]["CLI end to end (subprocess, TF import included)"] = cli[mp][0]
                results[mp]["CLI peak memory MB"] = cli[mp][1]
        lines += table(results)
        if args.peak and not args.no_cli:
            path = tmp / f"photo_{args.peak:g}mp.jpg"
            h, w = make_photo(args.peak, path)
            wall, peak = run_cli(path, tmp / "cli", args.model)
            lines += ["", f"Peak memory at {args.peak:g} MP ({w} x {h}): {peak:.0f} MB resident "
                          f"(`python -m core colorize`, {wall:.1f} s end to end)."]
        biggest = tmp / f"photo_{max(sizes):g}mp.jpg"
        out = col.colorize(_io()[0](biggest))
        lines += ["", f"PNG encode of the {max(sizes):g} MP result per compression level:", "",
                  "| level | Pillow s | Pillow MB | OpenCV s | OpenCV MB |", "|---:|---:|---:|---:|---:|"]
        levels = [int(v) for v in args.levels.split(",") if v]
        lines += [f"| {lv} | {tp:.2f} | {mp_:.1f} | {tc:.2f} | {mc:.1f} |"
                  for lv, tp, mp_, tc, mc in png_levels(out, levels)]
        lines += ["", f"Load average (1 min) at the end: {os.getloadavg()[0]:.1f}."]
    report = "\n".join(lines) + "\n"
    print(report)
    if args.out:
        Path(args.out).write_text(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
