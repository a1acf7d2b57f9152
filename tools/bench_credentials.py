"""Content Credentials (issue 32): what signing costs per photo, and whether every output path carries valid ones.

    .venv/bin/python tools/bench_credentials.py [--sizes 1 24] [--repeat 5] [--paths]

Cost: a photo of 1 and 24 megapixels (scikit-image's astronaut, resized: real picture content, so PNG and JPEG
compress as they do on photos) is encoded in each format with :func:`core.outputs.encode` (unsigned: the cost
signing is added to); then, ``--repeat`` rounds each, the fastest kept (a shared machine): hashing the source file
(:meth:`core.credentials.Source.from_path`, the parent ingredient), signing (:func:`core.credentials.sign`:
the manifest with the source, 2 hints and every step; thumbnails off, as the program signs) and reading back
(:func:`core.credentials.read`, which checks every hash). "bytes added": signed minus unsigned. One more row
per size: PNG with c2pa's default thumbnail (1024 px long side) switched on, to show what turning it off saves.
Then an MP4 (1280 x 720, 10 s, with grain) signed in place, the time of copying the file taken off.

``--paths``: every way the program writes a result (colorize in each format, batch, video, falsecolour, the app's
PNG and ZIP downloads, the Guide download), each output read back: how many carry valid credentials.
Uses the grayscale model (the credentials do not depend on the model; it needs no weights). Prints Markdown
tables (docs/credentials.md); the key is made in a temporary config folder.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ["COLORIZER_CONFIG"] = tempfile.mkdtemp(prefix="bench-credentials-")


def photo(megapixels: float) -> np.ndarray:
    import cv2
    from skimage import data

    side = int(round((megapixels * 1e6 / 1.5) ** 0.5))
    return cv2.resize(data.astronaut(), (int(side * 1.5), side), interpolation=cv2.INTER_CUBIC)


def fastest(fn, repeat: int) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def cost(sizes, repeat: int) -> list[str]:
    from core import credentials, outputs
    from core.credentials import embed
    from core.guide import Hint

    facts = {"model": "autoencoder", "render_factor": 12, "vibrance": 1.2, "hints": True}
    hints = (Hint(((10.0, 10.0),), (150, 20, 20), 4.0, "museum catalogue 1953/12"),
             Hint(((30.0, 40.0),), (20, 20, 150)))
    rows = ["| photo | format | result | encode (unsigned) | hash the source | sign | bytes added | read and check |",
            "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    credentials.check(credentials.Signing())                       # the key, made once (not timed)
    with tempfile.TemporaryDirectory() as tmp:
        for mp in sizes:
            rgb = photo(mp)
            h, w = rgb.shape[:2]
            src = Path(tmp) / f"scan_{mp}.png"
            src.write_bytes(outputs.encode(rgb[..., :1].repeat(3, 2), "png"))
            t_hash, parent = fastest(lambda s=src: credentials.Source.from_path(s), repeat)
            for fmt in ("png", "png16", "tiff", "jpeg", "png thumbnail"):
                kind = fmt.split()[0]
                t_encode, plain = fastest(lambda k=kind, p=rgb: outputs.encode(p, k, facts=facts), min(repeat, 3))
                if fmt == "png thumbnail":
                    embed.SETTINGS["builder"]["thumbnail"]["enabled"] = True
                try:
                    t_sign, signed = fastest(lambda d=plain, f=kind, p=parent:
                                             credentials.sign(d, f, facts, p, hints=hints), repeat)
                finally:
                    embed.SETTINGS["builder"]["thumbnail"]["enabled"] = False
                t_read, report = fastest(lambda d=signed: credentials.read(d), repeat)
                assert report["valid"], report
                rows.append(f"| {w} x {h} ({mp:g} MP) | {fmt} | {len(plain) / 1e6:.2f} MB | {1000 * t_encode:.0f} ms | "
                            f"{1000 * t_hash:.0f} ms | "
                            f"{1000 * t_sign:.0f} ms | {len(signed) - len(plain):,} | {1000 * t_read:.0f} ms |")
    return rows


def clip_cost(repeat: int) -> list[str]:
    """Signing an MP4 in place (its manifest box written into a copy of the whole file): a 1280 x 720 clip of
    10 s at 25 fps, a pan over a photo with film grain added to every frame (so it is as large as a scanned
    film's clip: tests/video_util.py writes it)."""
    import shutil

    from core import credentials

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from video_util import pan_frames, write_frames

    rng = np.random.default_rng(0)
    grain = rng.normal(0, 10, (4, 720, 1280, 1))
    frames = [np.clip(f + grain[i % 4], 0, 255).astype(np.uint8) for i, f in enumerate(pan_frames(250, 1280, 720))]
    rows = ["| clip | file | sign in place | bytes added | read and check |", "| --- | ---: | ---: | ---: | ---: |"]
    with tempfile.TemporaryDirectory() as tmp:
        clip = write_frames(Path(tmp) / "clip.mp4", frames, fps=25)
        del frames
        size = clip.stat().st_size
        parent = credentials.Source.from_path(clip)
        work = Path(tmp) / "work.mp4"

        def sign() -> None:
            shutil.copyfile(clip, work)
            credentials.sign_file(work, "mp4", {"model": "autoencoder", "smoothing": "flow"}, parent)

        t_copy, _ = fastest(lambda: shutil.copyfile(clip, work), repeat)
        t_sign, _ = fastest(sign, repeat)
        signed = work.stat().st_size
        t_read, report = fastest(lambda: credentials.read(work), repeat)
        assert report["valid"], report
        rows.append(f"| 1280 x 720, 10 s, 25 fps, grain | {size / 1e6:.1f} MB | {1000 * (t_sign - t_copy):.0f} ms | "
                    f"{signed - size:,} | {1000 * t_read:.0f} ms |")
    return rows


def paths() -> list[str]:
    """Every output path, run once in a temporary folder; each output read back."""
    from core import credentials, outputs
    from core.cli import main

    found: dict[str, list[bool]] = {}

    def check(name: str, files) -> None:
        found.setdefault(name, []).extend(bool(credentials.read(f).get("valid")) for f in files)

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        src = tmp / "in"
        src.mkdir()
        for i, mp in enumerate((0.1, 0.2, 0.3)):
            (src / f"scan{i}.png").write_bytes(outputs.encode(photo(mp)[..., :1].repeat(3, 2), "png"))
        for fmt in ("png", "png16", "tiff", "jpeg"):
            assert main(["colorize", str(src), "--model", "grayscale", "--out", str(tmp / fmt), "--format", fmt]) == 0
            check(f"colorize --format {fmt}", sorted((tmp / fmt).iterdir()))
        assert main(["batch", str(src), str(tmp / "batch"), "--model", "grayscale", "--workers", "1"]) == 0
        check("batch", sorted((tmp / "batch").glob("*_grayscale.png")))
        sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
        from video_util import make_clip

        clip = make_clip(tmp / "clip.mp4", frames=12, width=64, height=48, fps=12)
        assert main(["video", str(clip), "--out", str(tmp / "clip_out.mp4"), "--model", "grayscale"]) == 0
        check("video (MP4)", [tmp / "clip_out.mp4"])
        import tifffile

        tifffile.imwrite(tmp / "cells.tif", (np.random.default_rng(0).random((3, 200, 300)) * 4000).astype(np.uint16))
        assert main(["falsecolour", str(tmp / "cells.tif"), "--colours", "red,green,blue", "--out",
                     str(tmp / "fc.png")]) == 0
        check("falsecolour", [tmp / "fc.png"])
        check("the app's downloads (PNG, ZIP, Guide)", app_downloads(tmp))
    rows = ["| path | outputs | with valid credentials |", "| --- | ---: | ---: |"]
    rows += [f"| {name} | {len(ok)} | {sum(ok)} |" for name, ok in found.items()]
    return rows


def app_downloads(tmp: Path) -> list[bytes]:
    """The Colorize page's PNG and ZIP and the Guide page's PNG, through AppTest (a sample photo)."""
    os.environ["STUDIO_SAMPLE_SIDE"] = "128"
    from streamlit.testing.v1 import AppTest

    root = Path(__file__).resolve().parents[1]
    at = AppTest.from_file(str(root / "streamlit_app.py"), default_timeout=120).run()
    at.multiselect(key="models").set_value(["grayscale"]).run()
    at.button(key="try_sample").click().run()
    at.switch_page("pages/6_guide.py").run()
    cache = at.session_state["downloads_cache"]
    files = []
    for key in cache.keys():
        data = cache.get(key)
        if key[0] == "zip":
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                files += [z.read(n) for n in z.namelist() if n.endswith(".png")]
        else:
            files.append(data)
    return files


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", nargs="+", type=float, default=[1, 24], help="megapixels")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--paths", action="store_true", help="also run every output path and count valid credentials")
    args = ap.parse_args()
    import c2pa

    print(f"c2pa-python {c2pa.__version__} (c2pa-rs {c2pa.sdk_version()}), ES256, thumbnails off unless said\n")
    print("\n".join(cost(args.sizes, args.repeat)))
    print()
    print("\n".join(clip_cost(args.repeat)))
    if args.paths:
        import contextlib

        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            rows = paths()                     # the commands' own progress lines are not part of the table
        print()
        print("\n".join(rows))


if __name__ == "__main__":
    main()
