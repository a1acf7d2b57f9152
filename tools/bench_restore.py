"""Measure the scratch and dust repair (core.restore) on synthetic damage over held-out photos.

    .venv/bin/python tools/bench_restore.py [--data ../shared/data/train] [--n 100] [--tune] [--big]

Photos: names bsds_2* and imnet_* of the training folder (held out from training; never val). Half of
them (after a fixed shuffle) are for ``--tune`` (choose the threshold), the other half are reported.
Each reported photo's grey version gets synthetic damage (core.restore.synth, no grain); reported:
PSNR against the clean grey photo of the damaged and of the restored photo, the mask's F1 against the
drawn damage with a 1 px tolerance, the clean photos' PSNR after restore and share of pixels in the
mask (clean ones and clean ones with film grain), and the time per MP. ``--big`` also measures the peak
memory (max RSS) of restoring a synthetic 40 MP scan in a child process.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def psnr(a, b) -> float:
    from skimage.metrics import peak_signal_noise_ratio

    return float(peak_signal_noise_ratio(a, b, data_range=255))


def tolerant_counts(pred: np.ndarray, truth: np.ndarray):
    """(predicted pixels near truth, predicted, true pixels near a prediction, true) with a 1 px tolerance."""
    import cv2

    k = np.ones((3, 3), np.uint8)
    near_t = cv2.dilate(truth.astype(np.uint8), k).astype(bool)
    near_p = cv2.dilate(pred.astype(np.uint8), k).astype(bool)
    return int((pred & near_t).sum()), int(pred.sum()), int((truth & near_p).sum()), int(truth.sum())


def f1_of(c) -> float:
    p = c[0] / max(1, c[1])
    r = c[2] / max(1, c[3])
    return 2 * p * r / max(1e-9, p + r)


def photos(data: Path):
    import cv2

    from core.lab import to_grey_rgb

    names = sorted(p for p in data.iterdir() if p.name.startswith(("bsds_2", "imnet_")))
    rng = np.random.default_rng(2020)
    names = [names[i] for i in rng.permutation(len(names))]
    half = len(names) // 2
    for group, part in (("tune", names[:half]), ("report", names[half:])):
        for p in part:
            bgr = cv2.imread(str(p))
            if bgr is not None and min(bgr.shape[:2]) >= 32:
                yield group, p.name, to_grey_rgb(np.ascontiguousarray(bgr[..., ::-1]))[..., 0]


def damaged(grey: np.ndarray, seed: int, grain_only: bool = False):
    from core.restore import synth

    rng = np.random.default_rng(seed)
    if grain_only:
        d, m = synth.damage(grey / 255.0, rng, p_clean=1.0, p_grain=1.0)
    else:
        d, m = synth.damage(grey / 255.0, rng, p_clean=0.0, p_grain=0.0)
    return np.clip(np.round(d * 255), 0, 255).astype(np.uint8), m


def tune(items) -> dict:
    from core.restore import engine

    probs_d, probs_c = [], []
    for i, (_, _, g) in enumerate(items):
        d, m = damaged(g, i)
        rgb = np.repeat(d[..., None], 3, 2)
        probs_d.append((engine.probability(engine._lightness01(rgb)), m))
        clean = g if i % 2 else damaged(g, i, grain_only=True)[0]
        probs_c.append(engine.probability(engine._lightness01(np.repeat(clean[..., None], 3, 2))))
    rows = []
    grid = [(t, s, a) for t in (0.9, 0.95, 0.98, 0.99, 0.995, 0.998, 0.999) for s in (0.0, 0.999, 0.9995)
            for a in (1, 5)]
    for t, seed, min_area in grid:
        engine.MIN_AREA = min_area
        c = np.zeros(4, np.int64)
        for p, m in probs_d:
            c += tolerant_counts(engine._mask_of(p, t, engine.DILATE, True, True, max(t, seed)), m)
        clean = [engine._mask_of(p, t, engine.DILATE, True, True, max(t, seed)).mean() for p in probs_c]
        rows.append({"threshold": float(t), "seed": float(max(t, seed)), "min_area": min_area, "f1": f1_of(c),
                     "clean_mask_mean": float(np.mean(clean)), "clean_mask_p95": float(np.quantile(clean, 0.95))})
    ok = [r for r in rows if r["clean_mask_mean"] <= 0.002 and r["clean_mask_p95"] <= 0.005]
    best = dict(max(ok or rows, key=lambda r: r["f1"]))
    engine.MIN_AREA = best["min_area"]
    gains = {}
    for dilate in (0, 1, 2):                         # the dilation that repairs best (PSNR), at that threshold
        old = engine.DILATE, engine.THRESHOLD, engine.SEED
        engine.DILATE, engine.THRESHOLD, engine.SEED = dilate, best["threshold"], best["seed"]
        gains[dilate] = float(np.mean([psnr(g, restore_grey(damaged(g, i)[0])) - psnr(g, damaged(g, i)[0])
                                       for i, (_, _, g) in enumerate(items)]))
        engine.DILATE, engine.THRESHOLD, engine.SEED = old
    best["dilate"] = max(gains, key=gains.get)
    best["psnr_gain_by_dilate"] = gains
    return {"best": best, "grid": rows}


def restore_grey(grey: np.ndarray) -> np.ndarray:
    from core import restore

    return restore.restore(np.repeat(grey[..., None], 3, 2)).rgb[..., 0]


def report(items) -> dict:
    from core import restore

    c = np.zeros(4, np.int64)
    gains, before, after, clean_psnr, clean_mask, grain_mask, secs, mp = [], [], [], [], [], [], [], []
    for i, (_, _, g) in enumerate(items):
        d, m = damaged(g, 10_000 + i)
        if not m.any():                              # the generator drew nothing on this one
            continue
        t0 = time.perf_counter()
        r = restore.restore(np.repeat(d[..., None], 3, 2))
        secs.append(time.perf_counter() - t0)
        mp.append(g.size / 1e6)
        c += tolerant_counts(r.mask, m)
        b, a = psnr(g, d), psnr(g, r.rgb[..., 0])
        before.append(b)
        after.append(a)
        gains.append(a - b)
        rc = restore.restore(np.repeat(g[..., None], 3, 2))
        clean_psnr.append(min(psnr(g, rc.rgb[..., 0]), 100.0))
        clean_mask.append(rc.fraction)
        gr = damaged(g, 20_000 + i, grain_only=True)[0]
        grain_mask.append(restore.detect(np.repeat(gr[..., None], 3, 2)).mean())
    p, rc_ = c[0] / max(1, c[1]), c[2] / max(1, c[3])
    return {"photos": len(items), "damaged_photos": len(gains),
            "psnr_damaged": float(np.mean(before)), "psnr_restored": float(np.mean(after)),
            "psnr_gain_mean": float(np.mean(gains)), "psnr_gain_min": float(np.min(gains)),
            "mask_precision": float(p), "mask_recall": float(rc_), "mask_f1": f1_of(c),
            "clean_psnr_mean": float(np.mean(clean_psnr)), "clean_psnr_min": float(np.min(clean_psnr)),
            "clean_mask_mean": float(np.mean(clean_mask)), "clean_mask_max": float(np.max(clean_mask)),
            "grain_mask_mean": float(np.mean(grain_mask)), "grain_mask_max": float(np.max(grain_mask)),
            "seconds_per_mp_small": float(np.sum(secs) / np.sum(mp))}


def skimage_photos() -> dict:
    from skimage import data

    from core import restore
    from core.lab import to_grey_rgb

    out = {}
    for name in ("camera", "astronaut", "coffee", "chelsea", "grass", "brick", "gravel"):
        img = getattr(data, name)()
        rgb = to_grey_rgb(np.repeat(img[..., None], 3, 2) if img.ndim == 2 else img[..., :3])
        r = restore.restore(rgb)
        out[name] = {"mask": r.fraction, "psnr": min(psnr(rgb, r.rgb), 100.0)}
    return out


def timing_1mp() -> float:
    import cv2
    from skimage import data

    from core import restore

    g = cv2.resize(data.camera(), (1000, 1000), interpolation=cv2.INTER_CUBIC)
    d, _ = damaged(g, 7)
    rgb = np.repeat(d[..., None], 3, 2)
    restore.restore(rgb)
    ts = []
    for _ in range(3):
        t0 = time.perf_counter()
        restore.restore(rgb)
        ts.append(time.perf_counter() - t0)
    return float(np.median(ts))


BIG = r"""
import resource, sys, time, numpy as np, cv2
sys.path.insert(0, sys.argv[1])
from core import restore
from core.restore import engine
from skimage import data
engine._get_model()
g = cv2.resize(data.camera(), (7744, 5168), interpolation=cv2.INTER_LINEAR)
rgb = np.repeat(g[..., None], 3, 2)
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
r = restore.restore(rgb)
dt = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"mp": rgb.shape[0] * rgb.shape[1] / 1e6, "seconds": dt, "rss_before_mb": base / 1024,
                  "rss_peak_mb": peak / 1024, "input_mb": rgb.nbytes / 2**20}))
""".replace("print(json", "import json; print(json")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "train"))
    ap.add_argument("--n", type=int, default=100, help="photos per group (tune / report)")
    ap.add_argument("--tune", action="store_true", help="choose the threshold on the tuning half")
    ap.add_argument("--big", action="store_true", help="also the 40 MP memory measurement")
    ap.add_argument("--json", default=None, help="write the results here too")
    ap.add_argument("--model", default=None, help="another detector file (default: the shipped one)")
    ap.add_argument("--threshold", type=float, default=None, help="override the threshold (and --seed)")
    ap.add_argument("--seed", type=float, default=None, help="override the hysteresis seed probability")
    ap.add_argument("--dilate", type=int, default=None, help="override the mask's dilation (px)")
    ap.add_argument("--min-area", type=int, default=None, help="override the smallest component kept (px)")
    args = ap.parse_args(argv)
    data = Path(args.data)
    if not data.is_dir():
        print(f"skipped: {data} is absent (the held-out photos live there)")
        return 0
    import os

    from core.quiet import import_tensorflow

    if args.model:
        os.environ["COLORIZER_RESTORE_MODEL"] = args.model
    import_tensorflow()
    from core.restore import engine

    engine.THRESHOLD = engine.THRESHOLD if args.threshold is None else args.threshold
    engine.SEED = engine.SEED if args.seed is None else args.seed
    engine.DILATE = engine.DILATE if args.dilate is None else args.dilate
    engine.MIN_AREA = engine.MIN_AREA if args.min_area is None else args.min_area
    groups = {"tune": [], "report": []}
    for group, name, g in photos(data):
        if len(groups[group]) < args.n:
            groups[group].append((group, name, g))
    res = {}
    if args.tune:
        res["tune"] = tune(groups["tune"])["best"]
        print("tuned:", json.dumps(res["tune"]))
        from core.restore import engine

        engine.THRESHOLD, engine.MIN_AREA = res["tune"]["threshold"], res["tune"]["min_area"]
        engine.SEED = res["tune"]["seed"]
        engine.DILATE = res["tune"]["dilate"]
    import cv2

    from core.restore import engine

    res["settings"] = {"threshold": engine.THRESHOLD, "seed": engine.SEED, "min_area": engine.MIN_AREA,
                       "dilate": engine.DILATE,
                       "inpaint": "ns" if engine.INPAINT_METHOD == cv2.INPAINT_NS else "telea",
                       "model": str(engine.model_path())}
    res["report"] = report(groups["report"])
    res["skimage"] = skimage_photos()
    res["seconds_1mp"] = timing_1mp()
    if args.big:
        out = subprocess.run([sys.executable, "-c", BIG, str(ROOT)], capture_output=True, text=True)
        lines = out.stdout.strip().splitlines()
        res["big"] = json.loads(lines[-1]) if out.returncode == 0 and lines else {"error": out.stderr[-400:]}
    print(json.dumps(res, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
