"""Two ways tried to let the detector find thick scratches and dust clusters by itself (issue 34), measured on
the tuning half of tools/bench_restore.py with damage of core/restore/synth.py's own thick shapes (never with
tools/other_damage.py, which stays the unseen test):

- **a coarse pass**: the shipped detector (two views) also run on a half-size copy, where a 5-9 px scratch is
  2.5-4.5 px wide like the scratches it was trained on; its long components (bounding box >= 24 px) at
  p >= T added to the mask;
- **clusters by density**: specks the detector is unsure of (p >= T) kept when at least K of them lie within
  R px (a dense cluster of dust rather than one speck).

    .venv/bin/python tools/bench_restore_shapes.py [--data ../shared/data/train] [--n 100]
    .venv/bin/python tools/bench_restore_shapes.py --dabs     # what a click on a dust cluster should repair

``--dabs``: the same dust clusters, each clicked once by a person (a dab of core.restore.Mark: its centre, a
radius 2 px past its farthest speck, or half that: a cluster wider than the brush); the gain of filling the
whole dab against the shipped rule (only what stands out from the ring around the dab,
core.restore.marks.marked) for a grid of ring widths and margins.

Per setting: the PSNR gain on the usual synthetic damage, on tapered thick scratches (synth._gouge), on
thick scratches of one width (5-9 px along synth's curves), on dust clusters (synth._cluster); the clean
tuning photos' mask (mean, worst) and how many fall below 38 dB; the worst scikit-image photo of
bench_restore.SKIMAGE. Results: docs/restoration.md ("Other shapes of damage").
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))

SETTINGS = [{}, *({"coarse": t} for t in (0.975, 0.99, 0.995)),
            *({"dense": t, "radius": r, "k": k} for t in (0.3, 0.5) for r, k in ((8, 4), (12, 6), (12, 10)))]
LONG = 24


def _uniform(h: int, w: int, rng) -> np.ndarray:
    import cv2

    from core.restore import synth

    alpha = np.zeros((h, w), np.float32)
    cv2.polylines(alpha, [synth._bezier(rng, h, w, True)], False, 1.0, int(rng.integers(5, 10)), cv2.LINE_AA, 2)
    return alpha


def drawn(grey: np.ndarray, seed: int, kind: str):
    """``grey`` uint8 with 1-2 thick scratches ("gouge": tapered, "uniform": one width) or 2-4 dust clusters
    drawn as synth.damage draws its marks (bright or dark, 50-100 %, half of them blurred): (uint8, mask)."""
    import cv2

    from core.restore import synth

    rng = np.random.default_rng(seed)
    g = grey / 255.0
    h, w = g.shape
    out, mask = g.copy(), np.zeros((h, w), bool)
    kinds = {"gouge": (synth._gouge, (1, 3)), "uniform": (_uniform, (1, 3)), "cluster": (synth._cluster, (2, 5))}
    make, n = kinds[kind]
    for _ in range(int(rng.integers(*n))):
        alpha = make(h, w, rng)
        if rng.random() < 0.5:
            alpha = cv2.GaussianBlur(alpha, (0, 0), rng.uniform(0.3, 0.8))
        a = alpha * rng.uniform(0.5, 1.0)
        if rng.random() < 0.5:
            out = out + a * (rng.uniform(0.85, 1.0) - out).clip(0)
        else:
            out = out - a * (out - rng.uniform(0, 0.15)).clip(0)
        mask |= alpha >= synth.MASK_ALPHA
    return np.clip(np.round(out * 255), 0, 255).astype(np.uint8), mask


def probabilities(grey: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The detector's probability (two views, everywhere) on the photo and on its half-size copy, brought back."""
    import cv2

    from core.restore import engine
    from core.restore.network import detector_input

    light = detector_input(np.repeat(grey[..., None], 3, 2))
    h, w = light.shape
    small = cv2.resize(light, (round(w / 2), round(h / 2)), interpolation=cv2.INTER_AREA)
    half = cv2.resize(engine.probability(small, views=2), (w, h), interpolation=cv2.INTER_LINEAR)
    return engine.probability(light, views=2), half


def _components(m: np.ndarray):
    import cv2

    return cv2.connectedComponentsWithStats(m.astype(np.uint8), connectivity=8)


def mask(full: np.ndarray, half: np.ndarray, setting: dict) -> np.ndarray:
    import cv2

    from core.restore import engine

    m = full >= engine.THRESHOLD
    if "coarse" in setting and (c := half >= setting["coarse"]).any():
        n, labels, stats, _ = _components(c)
        keep = np.maximum(stats[:, 2], stats[:, 3]) >= LONG
        keep[0] = False
        m |= keep[labels]
    if "dense" in setting and (c := full >= setting["dense"]).any():
        n, labels, stats, centres = _components(c)
        small = np.maximum(stats[:, 2], stats[:, 3]) < engine.SCRATCH_LENGTH
        small[0] = False
        at = np.zeros(full.shape, np.float32)
        for j in np.flatnonzero(small):
            at[int(round(centres[j, 1])), int(round(centres[j, 0]))] += 1
        r = setting["radius"]
        near = cv2.boxFilter(at, -1, (2 * r + 1,) * 2, normalize=False, borderType=cv2.BORDER_CONSTANT)
        keep = np.zeros(n, bool)
        for j in np.flatnonzero(small):
            keep[j] = near[int(round(centres[j, 1])), int(round(centres[j, 0]))] >= setting["k"]
        m |= keep[labels]
    return engine._dilated(m.astype(np.uint8), engine.DILATE)


DAB_GRID = [(ring, margin) for margin in (0, 3 / 255) for ring in (0.25, 0.5, 1.0)]
CLICKS = {"reaching 2 px past its farthest speck": 1.0, "half as wide (a cluster wider than the brush)": 0.5}


def dabs_of(mask_: np.ndarray, size: float = 1.0) -> list:
    """One dab per cluster of ``mask_`` (specks within 7 px of each other belong together): its centre and a
    radius ``size`` x (2 px past its farthest speck pixel)."""
    import cv2

    from core.restore.marks import Mark

    n, labels, _, _ = _components(cv2.dilate(mask_.astype(np.uint8), np.ones((15, 15), np.uint8)))
    out = []
    for j in range(1, n):
        ys, xs = np.nonzero((labels == j) & mask_)
        c = (float(xs.mean()), float(ys.mean()))
        out.append(Mark((c,), max(1.0, size * (float(np.hypot(xs - c[0], ys - c[1]).max()) + 2))))
    return out


def dabs(tune, fill) -> None:
    import bench_restore as bench
    import cv2

    from core.restore import marks as marks_module

    rows: dict = {}
    for i, g in enumerate(tune):
        d, m = drawn(g, 29000 + i, "cluster")
        if not m.any() or not (d != g).any():
            continue
        rgb = np.repeat(d[..., None], 3, 2)
        base = bench.psnr(g, d)
        rows.setdefault("filling the true specks", []).append(bench.psnr(g, fill(d, m)) - base)
        for click, size in CLICKS.items():
            dabs_ = dabs_of(m, size)
            whole = np.zeros(m.shape, np.uint8)
            for mk in dabs_:
                (x, y), r = mk.points[0], mk.radius
                cv2.circle(whole, (int(round(x)), int(round(y))), int(round(r)), 1, -1)
            rows.setdefault(f"click {click}: the whole dab", []).append(
                bench.psnr(g, fill(d, whole.astype(bool))) - base)
            for ring, margin in DAB_GRID:
                marks_module.DAB_RING, marks_module.DAB_MARGIN = ring, margin
                got = marks_module.marked(rgb, dabs_)
                rows.setdefault(f"click {click}: what stands out, ring {ring} x radius, margin "
                                f"{round(margin * 255)}", []).append(bench.psnr(g, fill(d, got)) - base)
    for name, gains in rows.items():
        print(f"dust clusters, one click each, {name}: {np.mean(gains):+.2f} dB ({len(gains)} photos)")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "train"))
    ap.add_argument("--n", type=int, default=100, help="photos of the tuning half")
    ap.add_argument("--dabs", action="store_true", help="only: what a click on a dust cluster should repair")
    args = ap.parse_args(argv)
    if not Path(args.data).is_dir():
        print(f"skipped: {args.data} is absent (the held-out photos live there)")
        return 0
    from core.quiet import import_tensorflow

    import_tensorflow()
    import bench_restore as bench

    from core.restore import engine

    def fill(g, m):
        return engine._inpaint(g[..., None], m, True)[..., 0] if m.any() else g

    tune = [g for group, _, g in bench.photos(Path(args.data)) if group == "tune"][: args.n]
    if args.dabs:
        dabs(tune, fill)
        return 0
    sets = {"synth": [], "gouge": [], "uniform": [], "cluster": []}
    clean = []
    for i, g in enumerate(tune):
        sets["synth"].append((g, *bench.damaged(g, i)))
        for kind, offset in (("gouge", 9000), ("uniform", 19000), ("cluster", 29000)):
            sets[kind].append((g, *drawn(g, offset + i, kind)))
        clean.append(g if i % 2 else bench.damaged(g, i, grain_only=True)[0])
    probs = {k: [probabilities(d) for _, d, _ in v] for k, v in sets.items()}
    clean_p = [probabilities(c) for c in clean]
    sk = {name: (rgb[..., 0], probabilities(rgb[..., 0])) for name, rgb in bench.skimage_greys().items()}
    for setting in SETTINGS:
        gains = {}
        for k, items in sets.items():
            g_ = [bench.psnr(g, fill(d, mask(*p, setting))) - bench.psnr(g, d)
                  for (g, d, m), p in zip(items, probs[k], strict=True) if m.any() and (d != g).any()]
            gains[k] = float(np.mean(g_))
        cm = [mask(*p, setting) for p in clean_p]
        below = sum(min(bench.psnr(c, fill(c, m)), 100.0) < 38 for c, m in zip(clean, cm, strict=True))
        worst = min((min(bench.psnr(g, fill(g, mask(*p, setting))), 100.0), name) for name, (g, p) in sk.items())
        print(f"{setting or 'shipped'}: " + " ".join(f"{k} {v:+.2f}" for k, v in gains.items())
              + f" | clean mask mean {100 * np.mean([m.mean() for m in cm]):.3f} %, worst "
              f"{100 * max(m.mean() for m in cm):.2f} %, {below} below 38 dB | worst scikit-image {worst[1]} "
              f"{worst[0]:.1f} dB", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
