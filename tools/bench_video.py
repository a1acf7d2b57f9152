"""Old film benchmark: flicker and accuracy of the temporal smoothing, and throughput of the video pipeline.

    .venv/bin/python tools/bench_video.py                    # quality on the synthetic clip + speed
    .venv/bin/python tools/bench_video.py --quality          # only the flicker / ΔE2000 tables
    .venv/bin/python tools/bench_video.py --speed            # only frames per second
    .venv/bin/python tools/bench_video.py --tune             # search alpha and sigma of "flow" on the clip
    .venv/bin/python tools/bench_video.py --clip film.mp4    # also a real clip (flicker along optical flow)
    .venv/bin/python tools/bench_video.py --new-content      # zooms, uncovering and the sample clip (issue 34)
    .venv/bin/python tools/bench_video.py --eccv16-dir /path/to/eccv16_files   # time eccv16 with those files

**Synthetic clip** (the truth is known): three shots, each a slow pan or zoom over a colour photo of
scikit-image (coffee, astronaut, chelsea; 40 frames each at 24 fps, 640 x 360: 3 to 5 pixels per frame),
joined by two hard cuts; the input is the clip's lightness (grey). "grain" adds what old film does:
per-frame grain (Gaussian, σ = 4 grey levels) and an exposure flicker (gain ± 3 %); "fast" makes the same
moves in 14 frames per shot (8 to 16 pixels per frame on average).

**Flicker** = mean |Δab| (Euclidean, Lab units) between consecutive *output* frames, the previous frame
warped onto the current one with the clip's exact motion (pairs across a cut left out); on a real clip,
along dense optical flow (DIS, medium preset), leaving out pixels whose L does not match after warping.
**ΔE2000** = the mean CIEDE2000 of every output frame to the colour truth (core.metrics.delta_e2000);
"after cuts" = over the 3 frames that follow each cut (colour carried across a cut shows there).

**New content** (``--new-content``, tools/video_clips.py): clips where content enters the view (zooms out
over three photos) or is uncovered (a patch of the same mean lightness sliding over a still photo), and the
built-in sample clip. "new" = the pixels not visible in any of the 6 frames before (known from the motion):
their ΔE2000 to the truth, and how far (mean |Δab|) the output is there from the frame's own prediction
(a stale colour carried in shows as a large distance); "grown" = the share of all pixels whose output is
more than 10 ab from the frame's own prediction (a colour the single frame never had).

Every smoothing of one model sees the same per-frame predictions (computed once), so the differences are
the smoothing's alone.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from core import lab  # noqa: E402
from core.colorizers.base import Colorizer  # noqa: E402
from core.metrics import delta_e2000  # noqa: E402
from core.video import colorize_frames, make_smoother  # noqa: E402
from core.video.flicker import flicker  # noqa: E402
from core.video.sample import Motion, render  # noqa: E402

SHOTS = (   # photo, start (cx, cy, zoom), end: slow moves (3 to 5 pixels per frame on average at 640 x 360)
    ("coffee", (0.38, 0.50, 1.30), (0.62, 0.50, 1.40)),
    ("astronaut", (0.50, 0.40, 1.00), (0.45, 0.35, 1.35)),
    ("chelsea", (0.60, 0.45, 1.50), (0.40, 0.50, 1.25)),
)
SHOT_FRAMES = 40
FPS = 24
CONFIGS = (("none", {}), ("flow", {}), ("average", {"alpha": 0.2}), ("average", {"alpha": 0.1}))


def _square(m: np.ndarray) -> np.ndarray:
    return np.vstack([m, [0.0, 0.0, 1.0]])


def synthetic_clip(width: int = 640, height: int = 360, grain: bool = False, frames: int = SHOT_FRAMES,
                   seed: int = 0):
    """(grey input frames, colour truth frames, motions, cut indices): ``motions[i]`` maps frame i's pixels
    to frame i - 1's (None at a cut and for frame 0)."""
    from skimage import data

    rng = np.random.default_rng(seed)
    greys, truths, motions, cuts = [], [], [], []
    for photo_name, start, end in SHOTS:
        photo = np.ascontiguousarray(getattr(data, photo_name)()[..., :3])
        motion = Motion(width, height, frames, FPS, start, end)
        if truths:
            cuts.append(len(truths))
        for t, rgb in enumerate(render(photo, motion)):
            truths.append(rgb)
            if t == 0:
                motions.append(None)
            else:
                prev, cur = (_square(motion.matrix(k, photo.shape)) for k in (t - 1, t))
                motions.append((prev @ np.linalg.inv(cur))[:2])
            grey = lab.to_grey_rgb(rgb)
            if grain:
                gain = 1.0 + rng.uniform(-0.03, 0.03)
                g = grey[..., 0].astype(np.float32) * gain + rng.normal(0, 4.0, grey.shape[:2])
                grey = np.repeat(np.clip(np.rint(g), 0, 255).astype(np.uint8)[..., None], 3, axis=2)
            greys.append(grey)
    return greys, truths, motions, cuts


class Replay(Colorizer):
    """A colorizer that hands back predictions computed before, in order (so every smoothing of one model
    is measured on the very same per-frame colours)."""

    name = "replay"

    def __init__(self, predictions, stride=1, render_factor_range=(1, 64)):
        super().__init__()
        self.predictions = list(predictions)
        self.stride = stride
        self.render_factor_range = render_factor_range
        self.i = 0

    def ab_for_lightness(self, L, render_factor=None):
        ab = self.predictions[self.i]
        self.i += 1
        return ab


def predictions(colorizer, render_factor, greys):
    return [colorizer.ab_for_lightness(lab.lightness(g), render_factor) for g in greys]


def evaluate(greys, truths, motions, cuts, preds, smoothing, params, render_factor):
    smoother = make_smoother(smoothing, **params)
    outs = list(colorize_frames(greys, Replay(preds), render_factor, smoother))
    de = [delta_e2000(t, o) for t, o in zip(truths, outs, strict=True)]
    after = [de[c + k] for c in cuts for k in range(3) if c + k < len(de)]
    return {"flicker": flicker(outs, motions, cuts), "de": float(np.mean(de)), "de_after_cuts": float(np.mean(after)),
            "cuts_found": list(smoother.cuts)}


def _label(smoothing, params):
    return smoothing + (f" (α = {params['alpha']:g})" if "alpha" in params and smoothing == "average" else "")


CONDITIONS = (    # (label, grain, frames per shot): "fast" is the same moves in a third of the frames
    ("clean", False, SHOT_FRAMES),
    ("grain", True, SHOT_FRAMES),
    ("fast", False, 14),
)


def quality(models, render_factors, width, height, conditions=CONDITIONS):
    from core import get_colorizer

    shots = ", ".join(f"{label}: {frames} frames per shot" for label, _, frames in conditions)
    print(f"\n### Flicker and accuracy: synthetic clip, {len(SHOTS)} shots ({shots}), {width} × {height}\n")
    print("| input | model | smoothing | flicker mean abs(Δab) | vs none | ΔE2000 | vs none | ΔE2000 after cuts "
          "| cuts found |")
    print("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | --- |")
    for label, grain, frames in conditions:
        greys, truths, motions, cuts = synthetic_clip(width, height, grain, frames)
        for model in models:
            col = get_colorizer(model)
            rf = col.check_render_factor(render_factors.get(model))
            preds = predictions(col, rf, greys)
            base = None
            for smoothing, params in CONFIGS:
                r = evaluate(greys, truths, motions, cuts, preds, smoothing, params, rf)
                base = base or r
                cut_text = ", ".join(map(str, r["cuts_found"])) if smoothing == "flow" else "–"
                print(f"| {label} | {model} (rf {rf}) | {_label(smoothing, params)} | "
                      f"{r['flicker']:.3f} | {_pct(r['flicker'], base['flicker'])} | {r['de']:.3f} | "
                      f"{r['de'] / base['de']:.3f} × | {r['de_after_cuts']:.3f} | {cut_text} |", flush=True)
    print(f"\n(the true cuts are at frames {', '.join(str(i * SHOT_FRAMES) for i in range(1, len(SHOTS)))}; "
          f"in the fast clip at {', '.join(str(i * 14) for i in range(1, len(SHOTS)))})")


def _pct(value, base):
    return "–" if base == 0 or value is base else f"{100.0 * (value / base - 1.0):+.0f} %"


NEW_CONFIGS = (("none", {}), ("flow before (L match only)", {"check": False, "colour_sigma": None}),
               ("flow + forward-backward check", {"colour_sigma": None}), ("flow + colour check", {"check": False}),
               ("flow (shipped: both)", {}))


def _new_row(outs, preds_ab, new, motions, cuts, truths=None):
    """flicker, ΔE2000 (all, new), |Δab| from the frame's own prediction on new pixels, share grown."""
    outs_ab = [lab.rgb_to_lab(o)[..., 1:] for o in outs]
    gap = [np.linalg.norm(o - p, axis=-1) for o, p in zip(outs_ab, preds_ab, strict=True)]
    row = {"flicker": flicker(outs, motions, cuts),
           "own_new": float(np.mean(np.concatenate([g[n] for g, n in zip(gap, new, strict=True)]))),
           "grown": float(np.mean([(g > 10).mean() for g in gap]))}
    if truths is not None:
        from skimage.color import deltaE_ciede2000

        de = [deltaE_ciede2000(lab.rgb_to_lab(t), lab.rgb_to_lab(o)) for t, o in zip(truths, outs, strict=True)]
        row["de"] = float(np.mean([d.mean() for d in de]))
        row["de_new"] = float(np.mean(np.concatenate([d[n] for d, n in zip(de, new, strict=True)])))
    return row


def new_content(model, render_factor, width, height, configs=NEW_CONFIGS):
    """The --new-content tables: zooms and uncovering (truth known) and the sample clip (no truth)."""
    import video_clips

    from core import get_colorizer

    col = get_colorizer(model)
    rf = col.check_render_factor(render_factor)
    print(f"\n### New content: zooms out, uncovering, the sample clip ({model}, rf {rf})\n")
    print("| clip | smoothing | flicker | vs none | ΔE2000 | ΔE2000 on new content | new content: |Δab| from "
          "the frame's own | grown (> 10 ab from own) |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    clips = [("zoom", *video_clips.zoom_clip(width, height)), ("uncover", *video_clips.uncover_clip(width, height))]
    greys, motions, new = video_clips.sample_clip_frames()
    clips.append(("sample (no truth)", greys, None, motions, [], new))
    for name, greys, truths, motions, cuts, new in clips:
        preds = predictions(col, rf, greys)
        own = [lab.rgb_to_lab(o)[..., 1:] for o in colorize_frames(greys, Replay(preds), rf, "none")]
        base = None
        for label, params in configs:
            smoothing = "none" if label == "none" else "flow"
            outs = list(colorize_frames(greys, Replay(preds), rf, make_smoother(smoothing, **params)))
            r = _new_row(outs, own, new, motions, cuts, truths)
            base = base or r
            de = (f"{r['de']:.3f} | {r['de_new']:.3f}" if truths is not None else "– | –")
            print(f"| {name} | {label} | {r['flicker']:.3f} | {_pct(r['flicker'], base['flicker'])} | {de} | "
                  f"{r['own_new']:.2f} | {100 * r['grown']:.2f} % |", flush=True)


def tune(model, render_factor, width, height, grain):
    from core import get_colorizer

    greys, truths, motions, cuts = synthetic_clip(width, height, grain)
    col = get_colorizer(model)
    rf = col.check_render_factor(render_factor)
    preds = predictions(col, rf, greys)
    base = evaluate(greys, truths, motions, cuts, preds, "none", {}, rf)
    print(f"\n### Tuning flow smoothing ({model}, rf {rf}, {'grain' if grain else 'clean'}): none = flicker "
          f"{base['flicker']:.3f}, ΔE {base['de']:.3f}\n")
    print("| α | σ (L) | flicker | vs none | ΔE2000 | vs none | targets met |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for alpha in (0.15, 0.2, 0.25, 0.3):
        for sigma in (4.0, 8.0, 16.0):
            r = evaluate(greys, truths, motions, cuts, preds, "flow", {"alpha": alpha, "sigma": sigma}, rf)
            cut = 1.0 - r["flicker"] / base["flicker"]
            ok = cut >= 0.6 and r["de"] <= 1.05 * base["de"]
            print(f"| {alpha:g} | {sigma:g} | {r['flicker']:.3f} | {-100 * cut:+.0f} % | {r['de']:.3f} | "
                  f"{r['de'] / base['de']:.3f} × | {'yes' if ok else 'no'} |", flush=True)


def real_clip(path, models, render_factors, max_frames=150):
    """Flicker along optical flow on a real clip (ΔE2000 too when the clip is in colour: its colours are the
    truth)."""
    from core import get_colorizer
    from core.images import is_grey
    from core.video import iter_frames, probe

    info = probe(path)
    frames = []
    for rgb in iter_frames(path, info):
        frames.append(rgb)
        if len(frames) >= max_frames:
            break
    colour = not all(is_grey(f) for f in frames[:: max(1, len(frames) // 8)])
    greys = [lab.to_grey_rgb(f) for f in frames] if colour else frames
    print(f"\n### Real clip {info.name}: {info.describe()}; first {len(frames)} frames"
          f"{' (colour: ΔE2000 against it)' if colour else ''}\n")
    print("| model | smoothing | flicker (along flow) | vs none | ΔE2000 | cuts found |")
    print("| --- | --- | ---: | ---: | ---: | --- |")
    for model in models:
        col = get_colorizer(model)
        rf = col.check_render_factor(render_factors.get(model))
        preds = predictions(col, rf, greys)
        base = None
        for smoothing, params in CONFIGS:
            smoother = make_smoother(smoothing, **params)
            outs = list(colorize_frames(greys, Replay(preds), rf, smoother))
            value = flicker(outs, None, smoother.cuts if smoothing == "flow" else ())
            base = base or value
            de = f"{np.mean([delta_e2000(t, o) for t, o in zip(frames, outs, strict=True)]):.3f}" if colour else "–"
            print(f"| {model} | {_label(smoothing, params)} | {value:.3f} | {_pct(value, base)} | {de} | "
                  f"{', '.join(map(str, smoother.cuts)) or '–'} |", flush=True)


def _write_clip(path, width, height, frames):
    from core.video.sample import write_clip

    greys, _, _, _ = synthetic_clip(width, height, frames=max(2, frames // len(SHOTS)))
    write_clip(greys, path, FPS)
    return path


def speed(models, render_factors, sizes, frames=72, repeats=2):
    from core import get_colorizer
    from core.video import colorize_video

    print(f"\n### Throughput: whole pipeline (decode, colour, smooth, join, encode H.264), {frames}-frame clip, "
          f"best of {repeats}\n")
    print("| model | size | smoothing | frames per second | time per frame | optical flow share |")
    print("| --- | --- | --- | ---: | ---: | ---: |")
    with tempfile.TemporaryDirectory() as tmp:
        for model in models:
            col = get_colorizer(model)
            rf = col.check_render_factor(render_factors.get(model))
            warm = _write_clip(Path(tmp) / "warm.mp4", 320, 180, 6)
            colorize_video(warm, Path(tmp) / "warm_out.mp4", model=col, render_factor=rf)     # load and trace
            for width, height in sizes:
                clip = Path(tmp) / f"clip_{width}x{height}.mp4"
                if not clip.exists():
                    _write_clip(clip, width, height, frames)
                for smoothing in ("none", "flow"):
                    best = None
                    for _ in range(repeats):
                        r = colorize_video(clip, Path(tmp) / "out.mp4", model=col, render_factor=rf,
                                           smoothing=smoothing)
                        best = r if best is None or r.seconds < best.seconds else best
                    share = f"{100 * best.flow_seconds / best.seconds:.1f} %" if smoothing == "flow" else "–"
                    print(f"| {model} (rf {rf}) | {width} × {height} | {smoothing} | {best.frames_per_second:.1f} | "
                          f"{1000 * best.seconds / best.frames:.0f} ms | {share} |", flush=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quality", action="store_true", help="only the flicker / ΔE2000 tables")
    ap.add_argument("--speed", action="store_true", help="only the throughput table")
    ap.add_argument("--tune", action="store_true", help="grid of alpha and sigma for flow smoothing")
    ap.add_argument("--new-content", action="store_true", help="only the zoom / uncover / sample clip table")
    ap.add_argument("--grain", action="store_true", help="--tune on the grainy clip (default: the clean one)")
    ap.add_argument("--models", default=None, help="comma-separated (default: autoencoder,grayscale and eccv16 "
                                                    "when its weights are there; quality: autoencoder)")
    ap.add_argument("--render-factor", type=int, default=None, help="default: each model's own")
    ap.add_argument("--size", default="640x360", help="quality: the synthetic clip's size (default 640x360)")
    ap.add_argument("--conditions", default=",".join(c[0] for c in CONDITIONS),
                    help="quality: which versions of the synthetic clip (default: clean,grain,fast)")
    ap.add_argument("--clip", action="append", default=[], help="a real clip to measure too (repeatable)")
    ap.add_argument("--eccv16-dir", default=None, help="time eccv16 with the files in this folder")
    args = ap.parse_args(argv)
    if args.eccv16_dir:
        home = Path(tempfile.mkdtemp(prefix="bench-home-"))
        (home / "eccv16").symlink_to(Path(args.eccv16_dir).resolve(), target_is_directory=True)
        os.environ["COLORIZER_HOME"] = str(home)

    from core import available_models
    from core.quiet import import_tensorflow

    import_tensorflow()
    avail = available_models()
    skipped = [m for m in ("autoencoder", "grayscale", "eccv16") if m in avail and not avail[m].available]
    ready = [m for m in ("autoencoder", "grayscale", "eccv16") if m in avail and avail[m].available]
    chosen = [m.strip() for m in args.models.split(",")] if args.models else None
    rfs = {m: args.render_factor for m in avail} if args.render_factor else {}
    width, height = (int(v) for v in args.size.lower().split("x"))
    load = os.getloadavg()
    print(f"{os.cpu_count()} CPU threads, load average at start {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} "
          "(1 / 5 / 15 min); shared machine: timings are noisy")
    for m in skipped:
        print(f"- {m} skipped: {avail[m].reason}")
    every = not (args.quality or args.speed or args.tune or args.new_content)
    if args.new_content or every:
        new_content((chosen or ["autoencoder"])[0], args.render_factor, 480, 270)
    if args.tune:
        tune((chosen or ["autoencoder"])[0], args.render_factor, width, height, args.grain)
    if args.quality or every:
        wanted = {c.strip() for c in args.conditions.split(",")}
        quality(chosen or ["autoencoder"], rfs, width, height, [c for c in CONDITIONS if c[0] in wanted])
    for clip in args.clip:
        real_clip(clip, chosen or ["autoencoder"], rfs)
    if args.speed or every:
        speed(chosen or ready, rfs, [(640, 360), (1280, 720)])
    load = os.getloadavg()
    print(f"\nload average at the end {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
