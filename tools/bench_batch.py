"""Measure ``python -m core batch``: photos/s of each engine, Ray's overhead, kill -9 + restart, byte identity.

    .venv/bin/python tools/bench_batch.py [--photos 200] [--big 40] [--model autoencoder] [--out report.md]

Needs ``../shared/data`` (photos made grey into a temporary folder; skipped with a message without it),
Ray for the Ray rows (``pip install -r requirements-scale.txt``) and psutil for the memory column.
Every run is ``python -m core batch`` in a subprocess, timed from the outside: start-up (the intercept of
wall time over 40 and N photos) and per-photo time (the slope) come from the same two runs per engine.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
sys.path.insert(0, str(ROOT))


def _spread(folder: Path, n: int) -> list[str]:
    from core.images import list_images

    sources = list_images([str(folder)])
    return sources[::max(1, len(sources) // n)][:n]


def make_inputs(folder: Path, n: int, big: int) -> tuple[list[str], list[str], int]:
    """N grey photos of train/ as they are (<= 208 px), BIG grey ones of val/ (481 x 321) upscaled to about
    1 megapixel; and the long side of the largest small photo."""
    small, large, side = [], [], 0
    for i, path in enumerate(_spread(DATA / "train", n) or _spread(DATA / "val", n)):
        grey = Image.open(path).convert("L")
        side = max(side, *grey.size)
        rel = f"small/set{i % 4}/{Path(path).stem}.jpg"
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        grey.save(folder / rel, quality=92)
        small.append(rel)
    for path in _spread(DATA / "val", big) or _spread(DATA / "train", big):
        grey = Image.open(path).convert("L")
        w, h = grey.size
        s = (1_000_000 / (w * h)) ** 0.5
        rel = f"large/{Path(path).stem}.jpg"
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        grey.resize((round(w * s), round(h * s)), Image.BICUBIC).save(folder / rel, quality=92)
        large.append(rel)
    return small, large, side


def write_list(folder: Path, name: str, rels: list[str]) -> Path:
    path = folder / name
    path.write_text("\n".join(rels) + "\n")
    return path


class MemoryWatch(threading.Thread):
    """The largest resident memory of any worker process (local pool worker or Ray actor) under ``pid``."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak, self.done = pid, 0, False

    def run(self):
        try:
            import psutil
        except ImportError:
            return
        while not self.done:
            try:
                for child in psutil.Process(self.pid).children(recursive=True):
                    try:
                        text = " ".join(child.cmdline())
                        if "spawn_main" in text or "MapWorker" in text or "BatchWorker" in text:
                            self.peak = max(self.peak, child.memory_info().rss)
                    except psutil.Error:
                        pass
            except psutil.Error:
                pass
            time.sleep(0.2)


def batch(src: Path, dst: Path, model: str, engine: str, workers: int, kill_after: int | None = None) -> dict:
    """Run ``python -m core batch`` and time it; with ``kill_after``, kill -9 it after that many manifest rows."""
    cmd = [sys.executable, "-m", "core", "batch", str(src), str(dst), "--model", model, "--engine", engine,
           "--workers", str(workers)]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    watch = MemoryWatch(proc.pid)
    watch.start()
    if kill_after is not None:
        while proc.poll() is None and len(rows(dst)) < kill_after:
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)              # the driver; its workers finish their photo and stop
    err = proc.communicate()[1]
    watch.done = True
    seconds = [float(r["seconds"]) for r in rows(dst) if r["seconds"]]
    return {"wall": time.perf_counter() - t0, "rc": proc.returncode, "err": err, "rss": watch.peak,
            "median_photo_s": float(np.median(seconds)) if seconds else float("nan")}


def rows(dst: Path) -> list[dict]:
    try:
        with open(dst / "manifest.csv", newline="") as fh:
            return list(csv.DictReader(fh))
    except FileNotFoundError:
        return []


def check_restart(work: Path, listing: Path, model: str, n: int, reference: Path) -> list[str]:
    """kill -9 a local run of N photos half-way, restart it, and check the result; the lines to print."""
    dst = work / "killed"
    killed = batch(listing, dst, model, "local", 2, kill_after=n // 2)
    time.sleep(3)                                      # the orphaned workers notice within a second
    before_rows = len(rows(dst))
    parts = list(dst.rglob("*.part"))
    inodes = {p: p.stat().st_ino for p in dst.rglob("*.png")}
    restart = batch(listing, dst, model, "local", 2)
    after = rows(dst)
    keys = [r["source"] for r in after]
    redone = [p for p, ino in inodes.items() if p.stat().st_ino != ino]
    same = all((dst / r["output"]).read_bytes() == (reference / r["output"]).read_bytes() for r in after
               if r["status"] == "done")
    recovered = sum(r["message"].startswith("recovered") for r in after)
    ok = (restart["rc"] == 0 and len(keys) == len(set(keys)) == n and not redone and not list(dst.rglob("*.part"))
          and {r["status"] for r in after} == {"done"} and same)
    return [f"- killed (-9, the driver) after {before_rows} of {n} manifest rows "
            f"(exit {killed['rc']}); {len(inodes)} results on disk, {len(parts)} temporary files left by the kill",
            f"- restart: exit {restart['rc']}, {restart['wall']:.1f} s; {recovered} results recovered without their "
            f"row; manifest {len(keys)} rows for {len(set(keys))} photos; results made twice: {len(redone)}; "
            f"temporary files left: {len(list(dst.rglob('*.part')))}; identical to an uninterrupted run: {same}",
            f"- **{'PASS' if ok else 'FAIL'}**: every photo done exactly once, no partial file, manifest complete"]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--photos", type=int, default=200)
    ap.add_argument("--big", type=int, default=40, help="photos upscaled to ~1 MP (0: none)")
    ap.add_argument("--model", default="autoencoder")
    ap.add_argument("--out", help="also write the report to this file")
    args = ap.parse_args(argv)
    if not DATA.is_dir():
        print(f"skipped: {DATA} is not here (the benchmark needs the project's shared photo data)")
        return 0
    try:
        import ray  # noqa: F401
        engines = [("local", 1), ("local", 2), ("ray", 1), ("ray", 2)]
    except ImportError:
        print("note: Ray is not installed (pip install -r requirements-scale.txt): local engine only")
        engines = [("local", 1), ("local", 2)]
    work = Path(tempfile.mkdtemp(prefix="bench_batch_"))
    try:
        return _bench(work, args, engines)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _bench(work: Path, args, engines) -> int:
    small, large, side = make_inputs(work / "in", args.photos, args.big)
    n = len(small)
    few = max(1, n // 5)
    full, part = write_list(work / "in", "all.txt", small), write_list(work / "in", "few.txt", small[:few])
    load0 = os.getloadavg()
    lines = [f"# batch benchmark: {n} grey photos (<= {side} px) and {len(large)} at ~1 MP, model {args.model}, "
             f"{os.cpu_count()} CPUs", "",
             f"Load average at the start: {load0[0]:.2f} (1 min). Other jobs share these cores: the numbers are "
             "noisy; compare them with each other, not across machines.", "",
             f"| engine | workers | wall {few} photos (s) | wall {n} photos (s) | start-up (s) | per photo (s) | "
             f"photos/s | median per photo in the worker (s) | worker RSS (MiB) |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    fits = {}
    for engine, w in engines:
        a = batch(part, work / f"{engine}{w}_few", args.model, engine, w)
        b = batch(full, work / f"{engine}{w}", args.model, engine, w)
        if a["rc"] != 0 or b["rc"] != 0:
            print(f"{engine} x {w} failed:\n{a['err']}\n{b['err']}")
            return 1
        slope = (b["wall"] - a["wall"]) / (n - few)
        start = a["wall"] - slope * few
        fits[(engine, w)] = (start, slope)
        lines.append(f"| {engine} | {w} | {a['wall']:.1f} | {b['wall']:.1f} | {start:.1f} | {slope:.3f} | "
                     f"{n / b['wall']:.2f} | {b['median_photo_s']:.3f} | {b['rss'] / 2**20:.0f} |")
    for w in (1, 2):
        if ("ray", w) in fits:
            (ls, lp), (rs, rp) = fits[("local", w)], fits[("ray", w)]
            lines.append(f"\nRay vs local, {w} worker(s): start-up {rs - ls:+.1f} s, per photo {rp - lp:+.3f} s "
                         f"({(rp / lp - 1) * 100:+.0f} %)")
    outs = [work / f"{e}{w}" for e, w in engines]
    done = [r["output"] for r in rows(outs[0]) if r["status"] == "done"]
    same = all(len({(o / out).read_bytes() for o in outs}) == 1 for out in done)
    lines.append(f"\nByte-identical results across {', '.join(f'{e} x {w}' for e, w in engines)}: {same} "
                 f"({len(done)} PNGs each)")
    if large:
        big_list = write_list(work / "in", "big.txt", large)
        lines += ["", f"## ~1 MP photos ({len(large)})", "",
                  "| engine | workers | wall (s) | photos/s | median per photo in the worker (s) | worker RSS (MiB) |",
                  "| --- | ---: | ---: | ---: | ---: | ---: |"]
        for engine, w in engines:
            r = batch(big_list, work / f"big_{engine}{w}", args.model, engine, w)
            lines.append(f"| {engine} | {w} | {r['wall']:.1f} | {len(large) / r['wall']:.2f} | "
                         f"{r['median_photo_s']:.3f} | {r['rss'] / 2**20:.0f} |")
    lines += ["", f"## kill -9 in the middle of a {n}-photo run, then the same command again", ""]
    lines += check_restart(work, full, args.model, n, work / "local2")
    load1 = os.getloadavg()
    lines += ["", f"Load average at the end: {load1[0]:.2f} (1 min)."]
    report = "\n".join(lines)
    print(report)
    if args.out:
        Path(args.out).write_text(report + "\n")
    return 0 if same and "**PASS**" in report else 1


if __name__ == "__main__":
    raise SystemExit(main())
