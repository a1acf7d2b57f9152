"""Train the damage detector on synthetic damage (:mod:`core.restore.synth`) over photos' lightness.

``python -m core train-restore --data DIR --out models/restore_detector.keras --steps N --checkpoint-dir runs/restore``

The photos of ``DIR`` are read once (names ``bsds_2*`` and ``imnet_*`` are held out for measuring and
never trained on); every step draws fresh random crops and fresh damage. Every ``--save-every`` steps the
model with its optimizer goes to ``<checkpoint-dir>/last.keras`` and the step to ``state.json``; a second
run with the same ``--checkpoint-dir`` resumes there. ``log.csv`` there has the loss and, every save,
the F1 of the mask at 0.5 on a fixed batch of held-out photos. ``--minutes`` stops the run (saved) after
that wall time. The final ``--out`` file is the bare model (no optimizer), small.

``--init FILE`` starts from the weights of a trained detector (fine-tuning). ``--hard-every N`` mines hard
negatives: every N steps the model is run over the clean training photos, the places where it sees
damage (p >= 0.5: thin real structure such as wires, masts, tripod legs) are kept (``hard.npy`` in the
checkpoint dir) and a share ``--p-hard`` of the crops holds one of them. ``--p-structure`` draws
procedural real thin structure (:func:`core.restore.synth.structure`: shaded rods, rim-lit edges, wires
with a shadow) into that share of the crops before the damage, as negatives our small photos lack.
``--p-dark`` makes that share of the crops dark first (bright scratches over black coats and nights).
``--p-thick`` adds thick scratches (4-9 px, width varying along them) and dust clusters to that share of the
damaged crops (:func:`core.restore.synth.damage`).
``--teacher FILE`` distils: the target of every crop is no longer its drawn damage but the teacher's damage
probability averaged over its four 90-degree rotations (what :mod:`core.restore.engine` computes with four
network passes), so that one pass of the student gives about the same (issue 34: four passes were too slow).
"""

from __future__ import annotations

import csv
import json
import time
from pathlib import Path

import numpy as np

from core.images import IMAGE_EXTS

HELD_OUT = ("bsds_2", "imnet_")


def is_held_out(name: str) -> bool:
    return name.startswith(HELD_OUT)


def load_lightness(paths, max_side: int = 256) -> list[np.ndarray]:
    """What the detector sees (:func:`core.restore.network.detector_input`) of each readable photo, downscaled to
    ``max_side``."""
    import cv2

    from core.restore.network import detector_input

    out = []
    for p in paths:
        bgr = cv2.imread(str(p), cv2.IMREAD_COLOR)
        if bgr is None:
            continue
        h, w = bgr.shape[:2]
        if max(h, w) > max_side:
            f = max_side / max(h, w)
            bgr = cv2.resize(bgr, (max(1, round(w * f)), max(1, round(h * f))), interpolation=cv2.INTER_AREA)
        out.append(detector_input(bgr[..., ::-1]))
    return out


def photo_paths(data: Path, held_out: bool) -> list[Path]:
    files = sorted(p for p in Path(data).iterdir() if p.is_file() and p.suffix.lower() in IMAGE_EXTS)
    return [p for p in files if is_held_out(p.name) == held_out]


def f1(prob: np.ndarray, truth: np.ndarray, threshold: float = 0.5) -> float:
    pred = prob >= threshold
    t = truth >= 0.5
    tp = float(np.sum(pred & t))
    return 2 * tp / max(1.0, float(np.sum(pred) + np.sum(t)))


def mine(model, images, threshold: float = 0.5, per_image: int = 3, limit: int | None = None) -> np.ndarray:
    """Hard negatives: (image index, y, x) of the strongest components where ``model`` sees damage
    (p >= ``threshold``) on the clean ``images`` (at most ``per_image`` each), strongest first."""
    import cv2

    from core.restore.network import MULTIPLE

    found = []
    for i, g in enumerate(images[:limit]):
        h, w = g.shape
        x = np.pad(g, ((0, -h % MULTIPLE), (0, -w % MULTIPLE)), mode="edge").astype(np.float32)
        p = np.asarray(model(x[None, ..., None], training=False))[0, :h, :w, 0]
        n, labels, stats, cents = cv2.connectedComponentsWithStats((p >= threshold).astype(np.uint8), connectivity=8)
        if n <= 1:
            continue
        score = np.array([p[labels == k].sum() for k in range(1, n)])
        for k in np.argsort(-score)[:per_image]:
            found.append((score[k], i, int(cents[k + 1][1]), int(cents[k + 1][0])))
    found.sort(key=lambda t: -t[0])
    return np.array([f[1:] for f in found], np.int64).reshape(-1, 3)


def four_views(model, x: np.ndarray) -> np.ndarray:
    """The mean of ``model``'s probability over the four 90-degree rotations of the square crops ``x``
    (N, S, S, 1), each turned back: the target a distilled student learns to give in one pass."""
    total = np.zeros(x.shape, np.float32)
    for k in range(4):
        p = np.asarray(model(np.ascontiguousarray(np.rot90(x, k, axes=(1, 2))), training=False))
        total += np.rot90(p, -k, axes=(1, 2))
    return total / 4


def run(data, out, steps: int, checkpoint_dir, batch_size: int = 12, size: int = 128, max_photos: int = 4000,
        save_every: int = 100, minutes: float | None = None, seed: int = 0, lr: float = 2e-3, log=print,
        init=None, hard_every: int = 0, p_hard: float = 0.5, p_structure: float = 0.0, p_dark: float = 0.0,
        teacher=None, p_thick: float = 0.0) -> dict:
    import keras

    from core.restore import network, synth

    ckdir = Path(checkpoint_dir)
    ckdir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    train_paths = photo_paths(Path(data), held_out=False)
    if not train_paths:
        raise ValueError(f"{data}: no training photos (names bsds_2* and imnet_* are held out)")
    if len(train_paths) > max_photos:
        train_paths = [train_paths[i] for i in sorted(rng.choice(len(train_paths), max_photos, replace=False))]
    images = [g for g in load_lightness(train_paths) if min(g.shape) >= 16]
    held = load_lightness(photo_paths(Path(data), held_out=True)[:64]) or images[:8]
    vx, vy = synth.batch(held, size, min(32, 4 * len(held)), np.random.default_rng(12345))
    log(f"{len(images)} training photos, {len(held)} held-out photos for the log")
    teach = None
    if teacher:
        teach = keras.saving.load_model(teacher, compile=False)
        log(f"distilling {teacher} over four rotations")

    state_file, ck_file = ckdir / "state.json", ckdir / "last.keras"
    start = 0
    if ck_file.exists() and state_file.exists():
        model = keras.saving.load_model(ck_file)
        start = int(json.loads(state_file.read_text())["step"])
        log(f"resuming at step {start} from {ck_file}")
    else:
        model = network.build()
        if init:
            model.set_weights(keras.saving.load_model(init, compile=False).get_weights())
            log(f"starting from the weights of {init}")
        schedule = keras.optimizers.schedules.CosineDecay(lr, max(1, steps), alpha=0.05)
        model.compile(optimizer=keras.optimizers.Adam(schedule), loss=network.bce_dice)
    new_log = not (ckdir / "log.csv").exists()
    t0 = time.monotonic()
    step = start
    with open(ckdir / "log.csv", "a", newline="") as fh:
        writer = csv.writer(fh)
        if new_log:
            writer.writerow(["step", "loss", "heldout_f1", "seconds"])
        losses = []

        def save(step):
            model.save(ck_file)
            state_file.write_text(json.dumps({"step": step}))
            score = f1(model.predict(vx, verbose=0, batch_size=8), vy)
            writer.writerow([step, f"{np.mean(losses) if losses else float('nan'):.4f}", f"{score:.4f}",
                             f"{time.monotonic() - t0:.0f}"])
            fh.flush()
            log(f"step {step}: loss {np.mean(losses) if losses else float('nan'):.4f}, held-out F1@0.5 {score:.3f}")
            losses.clear()

        hard = None
        hard_file = ckdir / "hard.npy"
        if hard_every and hard_file.exists():
            hard = np.load(hard_file)
        while step < steps:
            if hard_every and (hard is None or (step > start and step % hard_every == 0)):
                hard = mine(model, images, limit=1500)
                np.save(hard_file, hard)
                log(f"step {step}: {len(hard)} hard negatives (clean training photos where p >= 0.5)")
            brng = np.random.default_rng([seed, step])     # the data of a step does not depend on resuming
            x, y = synth.batch(images, size, batch_size, brng, hard=hard, p_hard=p_hard, p_structure=p_structure,
                                p_dark=p_dark, p_thick=p_thick)
            if teach is not None:
                y = four_views(teach, x)
            losses.append(float(model.train_on_batch(x, y)))
            step += 1
            if step % save_every == 0 or step == steps:
                save(step)
            if minutes is not None and time.monotonic() - t0 > 60 * minutes:
                if step % save_every:
                    save(step)
                log(f"time budget of {minutes} min reached at step {step}")
                break
    bare = network.build()
    bare.set_weights(model.get_weights())
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    bare.save(out)
    log(f"saved {out}")
    return {"step": step, "out": str(out)}
