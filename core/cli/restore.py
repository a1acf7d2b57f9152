"""``python -m core train-restore --data DIR --out FILE --steps N --checkpoint-dir DIR``: train the damage detector.

See :mod:`core.restore.train` (data, checkpoints, resuming, the log) and models/RESTORE.md.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m core train-restore",
                                 description="train the scratch and dust detector on synthetic damage")
    ap.add_argument("--data", help="folder of colour photos (bsds_2* and imnet_* are held out)")
    ap.add_argument("--out", default="models/restore_detector.keras", help="the trained model (no optimizer)")
    ap.add_argument("--steps", type=int, default=3000, help="training steps in all (default 3000)")
    ap.add_argument("--checkpoint-dir", default="runs/restore", help="checkpoints, state, log.csv; resumes")
    ap.add_argument("--batch-size", type=int, default=12)
    ap.add_argument("--size", type=int, default=128, help="crop side in pixels (multiple of 8)")
    ap.add_argument("--max-photos", type=int, default=4000, help="photos read into memory at most")
    ap.add_argument("--save-every", type=int, default=100)
    ap.add_argument("--minutes", type=float, default=None, help="stop (saved) after this wall time")
    ap.add_argument("--threads", type=int, default=2, help="TensorFlow threads (default 2)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--lr", type=float, default=2e-3, help="initial learning rate (cosine decay)")
    ap.add_argument("--init", default=None, help="start from the weights of this detector (fine-tune)")
    ap.add_argument("--hard-every", type=int, default=0,
                    help="mine hard negatives on the clean photos every N steps (0: never)")
    ap.add_argument("--p-hard", type=float, default=0.5, help="share of crops around a hard negative")
    ap.add_argument("--p-structure", type=float, default=0.0,
                    help="share of crops that get procedural real thin structure (rods, rims, wires) as negatives")
    ap.add_argument("--p-dark", type=float, default=0.0,
                    help="share of crops made dark first (bright scratches over black coats, nights)")
    ap.add_argument("--p-thick", type=float, default=0.0,
                    help="share of damaged crops that also get thick scratches (4-9 px) and dust clusters")
    ap.add_argument("--teacher", default=None,
                    help="distil: learn this detector's mean over four rotations (one pass instead of four)")
    ap.add_argument("--combine", nargs="+", metavar="FILE", default=None,
                    help="train nothing: write to --out one detector that needs all of these to agree")
    ap.add_argument("--take", nargs=2, metavar=("FILE", "K"), default=None,
                    help="train nothing: write to --out detector K (0: the first) of the combination FILE alone")
    args = ap.parse_args(argv)
    if args.combine:
        return _combine(args.combine, args.out)
    if args.take:
        return _take(*args.take, args.out)
    if not args.data:
        print("error: --data DIR is needed (a folder of colour photos), or --combine FILE ... / --take FILE K",
              file=sys.stderr)
        return 2
    if not Path(args.data).is_dir():
        print(f"error: {args.data}: no such folder", file=sys.stderr)
        return 2
    if args.steps < 1 or args.size % 8 or args.size < 16 or args.batch_size < 1:
        print("error: --steps and --batch-size must be >= 1 and --size a multiple of 8 (>= 16)", file=sys.stderr)
        return 2
    os.environ.setdefault("OMP_NUM_THREADS", str(args.threads))
    from core.quiet import import_tensorflow

    tf = import_tensorflow()
    try:
        tf.config.threading.set_intra_op_parallelism_threads(args.threads)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    except RuntimeError:
        pass                                   # already initialised (in-process tests): keep its threads
    from core.restore.train import run

    try:
        run(args.data, args.out, args.steps, args.checkpoint_dir, batch_size=args.batch_size, size=args.size,
            max_photos=args.max_photos, save_every=args.save_every, minutes=args.minutes, seed=args.seed,
            lr=args.lr, init=args.init, hard_every=args.hard_every, p_hard=args.p_hard,
            p_structure=args.p_structure, p_dark=args.p_dark, teacher=args.teacher, p_thick=args.p_thick,
            log=lambda m: print(m, flush=True))
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


def _load(files):
    """The detector files as Keras models, or None (the error said) when one of them is missing."""
    missing = [f for f in files if not Path(f).is_file()]
    if missing:
        print(f"error: {missing[0]}: no such detector file", file=sys.stderr)
        return None
    from core.quiet import import_tensorflow

    import_tensorflow()
    import keras

    return [keras.saving.load_model(f, compile=False) for f in files]


def _save(model, out, what: str) -> int:
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    model.save(out)
    print(f"saved {out}: {what}, {model.count_params():,} parameters")
    return 0


def _combine(files, out) -> int:
    models = _load(files)
    if models is None:
        return 2
    from core.restore.network import agreeing

    return _save(agreeing(models), out, f"{len(files)} detectors that must agree")


def _take(file, k, out) -> int:
    models = _load([file])
    if models is None:
        return 2
    from core.restore.network import agreeing, detectors

    nets = detectors(models[0])
    if not k.isdigit() or int(k) >= len(nets):
        print(f"error: {file} holds {len(nets)} detector(s): K must be 0 to {len(nets) - 1}, got {k}", file=sys.stderr)
        return 2
    return _save(agreeing([nets[int(k)]]), out, f"detector {k} of {file}")
