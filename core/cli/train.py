"""Train the autoencoder.

    python -m core train --data DIR [--data DIR ...] --val DIR --epochs N --size 128 \
        --out models/autoencoder.keras [--resume] [--seed 0] [--arch classic|pyramid] [--augment]
    python -m core train --preset classroom [--size 32|64] [--epochs N] [--loss bins|mse] \
        [--global-branch scratch|effnet] [--data DIR]

Data: every JPEG/PNG/BMP/WebP under the ``--data`` folders; images that are
(nearly) grey are skipped. Each photo is scaled so its short side is
``--size`` and stored in memory; a tf.data pipeline draws random
``size x size`` crops with random horizontal flips. The frozen EfficientNet
descriptor of each whole grey photo is computed once per run and cached.

Loss: cross-entropy over the quantised ab bins (:mod:`core.training.quantize`) with
Zhang et al.'s class rebalancing (``--rebalance`` lambda); or, with ``--loss mse``, the mean squared
error of ab itself (a regression). After every epoch:
validation metrics on ``--val`` (protocol of ``core.evaluate``), a checkpoint
(``<out>.ckpt.keras``, resumable with ``--resume``), the inference model
saved to ``--out`` and a row in the CSV log (``<out>.log.csv``).

``--preset classroom`` is the run of the app's Train your own page, with the same engine, data and
seed (:mod:`core.training.classroom`): the built-in set made from the sample photos (``--data`` adds
your own colour photos), 64 px crops, 8 epochs, a small classifier without the pretrained descriptor.
Every option given explicitly overrides the preset. Each epoch also logs the held-out loss and the
held-out ΔE2000; the end writes the filmstrip of the held-out photos (``<out>.filmstrip.png``).
``--consistency-weight W`` adds the classifier-consistency loss (:mod:`core.training.consistency`); its
checkpoint is then the whole trainer. ``--semantic DIR --judge lite1,lite0`` scores each epoch with both judges.
The loop itself is :class:`core.training.session.TrainingRun`; this module is only the command line.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import sys
import time
from functools import partial

import numpy as np

from core.cli import semantic as semantic_options
from core.images import list_images
from core.metrics import METRIC_NAMES
from core.training import heldout
from core.training.data import load_photos
from core.training.session import (  # noqa: F401  (descriptor_weights_file: also used from here)
    TrainConfig,
    TrainingData,
    TrainingRun,
    descriptor_weights_file,
    export_model,
)

PRESETS = ("classroom",)


def parse_args(argv=None):
    ap = argparse.ArgumentParser(prog="python -m core train", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--preset", choices=PRESETS, default=None,
                    help="classroom: the run of the app's Train your own page (built-in photos, held-out "
                         "photos, 64 px, 8 epochs); options given explicitly override it")
    ap.add_argument("--data", action="append", default=None,
                    help="folder of colour photos (repeatable; required without --preset; with --preset classroom "
                         "they are added to the built-in photos)")
    ap.add_argument("--val", help="folder of colour photos for per-epoch validation")
    ap.add_argument("--val-limit", type=int, default=40, help="validate on at most this many photos (default 40)")
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--size", type=int, default=128, help="training crop size (multiple of 8)")
    ap.add_argument("--small-size", type=int, default=0,
                    help="multi-resolution schedule: photos whose short side is below --size (e.g. the 64 px Tiny "
                         "ImageNet photos) are not upscaled but trained at this size, in batches of their own with "
                         "as many pixels as a --size batch (0 = upscale them to --size, the default)")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--out", default="models/autoencoder.keras")
    ap.add_argument("--resume", action="store_true", help="continue from <out>.ckpt.keras")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--arch", choices=["classic", "pyramid"], default="classic",
                    help="classic: small encoder + global descriptor; pyramid: EfficientNet-Lite0 encoder + U-Net")
    ap.add_argument("--augment", action="store_true",
                    help="scale jitter (zoom 1-1.25x) and gamma jitter of L on top of crops and flips")
    ap.add_argument("--init-from", default=None,
                    help="start from the weights of this checkpoint (<out>.ckpt.keras of an earlier run)")
    ap.add_argument("--unfreeze-from", type=int, default=None, metavar="BLOCK",
                    help="pyramid: fine-tune EfficientNet blocks >= BLOCK (0-15) and its head; batch norm stays "
                         "frozen (use a low --lr, e.g. 1e-4, with --init-from)")
    ap.add_argument("--global-branch", choices=["effnet", "scratch"], default="effnet")
    ap.add_argument("--descriptor-weights", default=None,
                    help="EfficientNet-Lite0 weights (default: models/efficientnet_lite0.weights.h5)")
    ap.add_argument("--width", type=int, default=32, help="base number of channels")
    ap.add_argument("--loss", choices=["bins", "mse"], default="bins",
                    help="bins: classification over the ab bins, decoded by the annealed mean (default); "
                         "mse: regression of ab with the mean squared error (classic network only)")
    ap.add_argument("--bn-momentum", type=float, default=0.99, help="batch norm momentum (classic network)")
    ap.add_argument("--rebalance", type=float, default=1.0,
                    help="class rebalancing lambda in the loss (1 = none, the default; 0.5 = Zhang et al.)")
    ap.add_argument("--soft-labels", type=float, default=0.0, metavar="SIGMA",
                    help="soft-encode the targets over the ab bins with a Gaussian of this sigma in ab units "
                         "(Zhang et al. use 5; 0 = the nearest bin only, the default)")
    ap.add_argument("--temperature", type=float, default=0.38, help="annealed-mean temperature saved in the model")
    ap.add_argument("--prior-strength", type=float, default=0.0,
                    help="decoding-time prior correction saved in the model (0 = none; see core.training.network)")
    ap.add_argument("--chroma-gain", type=float, default=1.0,
                    help="decoding-time chroma gain saved in the model (1 = the plain annealed mean)")
    ap.add_argument("--render-factor", type=int, default=16, help="render factor for validation")
    ap.add_argument("--semantic", default=None, metavar="DIR",
                    help="after every epoch, the semantic check (see core/training/semantic.py) on the imnet_* photos "
                         "of DIR, which must be held out from training (e.g. --exclude 'imnet_*'); logged as "
                         "semantic_gap_closed")
    ap.add_argument("--semantic-limit", type=int, default=0,
                    help="use at most this many imnet_* photos for --semantic (default 0 = all). The figure is "
                         "noisy: with the 959 photos of the data one photo moves it by about 0.9 %%, with 200 "
                         "by about 3.4 %%")
    semantic_options.add_arguments(ap, "DIR")
    ap.add_argument("--consistency-weight", type=float, default=0.0, metavar="W",
                    help="add W x KL(classifier(true colours) || classifier(predicted colours)) with the frozen "
                         "ImageNet EfficientNet-Lite0 classifier (see core/training/consistency.py; 0 = off, the "
                         "default; the bins loss and one crop size only)")
    ap.add_argument("--consistency-classifier", default=None,
                    help="its classifier weights (default: models/efficientnet_lite0_classifier.weights.h5)")
    ap.add_argument("--exclude", action="append", default=[], help="file name pattern to leave out (repeatable)")
    ap.add_argument("--limit", type=int, default=0, help="use at most this many training photos")
    ap.add_argument("--steps-per-epoch", type=int, default=0, help="cap steps per epoch (0 = one pass)")
    ap.add_argument("--export-only", action="store_true",
                    help="only re-export <out>.ckpt.keras as the inference model (with --temperature)")
    ap.add_argument("--cache", default=None, help="folder for the descriptor cache (default: next to --out)")
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--preset", choices=PRESETS, default=None)
    known, _ = pre.parse_known_args(argv)
    if known.preset:
        from core.training import classroom

        ap.set_defaults(**classroom.preset_options())
    args = ap.parse_args(argv)
    if args.size % 8:
        ap.error("--size must be a multiple of 8")
    if args.small_size and (args.small_size % 8 or not 8 <= args.small_size < args.size):
        ap.error("--small-size must be a multiple of 8 below --size")
    if not args.data and not args.preset:
        ap.error("--data is required (or --preset classroom)")
    if args.loss == "mse" and args.arch == "pyramid":
        ap.error("--loss mse works with --arch classic only")
    if args.consistency_weight < 0 or (args.consistency_weight and (args.loss != "bins" or args.small_size)):
        ap.error("--consistency-weight needs a weight >= 0, --loss bins and no --small-size")
    args.data = args.data or []
    return args


def config_from(args, descriptor_weights=None) -> TrainConfig:
    return TrainConfig(arch=args.arch, loss=args.loss, global_branch=args.global_branch, width=args.width,
                       size=args.size, small_size=args.small_size, batch=args.batch, epochs=args.epochs,
                       lr=args.lr, seed=args.seed,
                       augment=args.augment, rebalance=args.rebalance, soft_labels=args.soft_labels,
                       temperature=args.temperature,
                       prior_strength=args.prior_strength, chroma_gain=args.chroma_gain,
                       steps_per_epoch=args.steps_per_epoch,
                       bn_momentum=args.bn_momentum, unfreeze_from=args.unfreeze_from,
                       descriptor_weights=None if descriptor_weights is None else str(descriptor_weights),
                       consistency_weight=args.consistency_weight,
                       consistency_classifier=args.consistency_classifier)


def classroom_data(args, log):
    """The classroom data set, with the colour photos of the ``--data`` folders added."""
    from core.images import ImageError, load_image
    from core.training import classroom

    extra = []
    for f in list_images(args.data, args.exclude) if args.data else []:
        try:
            rgb = load_image(f)
        except ImageError as e:
            log(f"skip {f}: {e}")
            continue
        why = classroom.check_user_photo(rgb)
        if why:
            log(f"skip {f}: {why}")
            continue
        extra.append(rgb)
    data = classroom.build_data(args.size, extra)
    log(f"classroom data: {len(data.photos) - len(extra)} built-in parts + {len(extra)} of your photos, "
        f"{len(data.heldout)} held-out photos, {data.crops_per_epoch} crops per epoch")
    return data


def main(argv=None):
    args = parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras


    def log(msg):
        print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)

    if args.export_only:
        from core.cli.train_export import export_only

        return export_only(args, log)

    semantic_in = None
    if args.semantic:
        try:
            semantic_in = semantic_options.semantic_inputs(args)
        except ValueError as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    keras.utils.set_random_seed(args.seed)
    if args.preset:
        data = classroom_data(args, log)
        files = []
    else:
        rng = np.random.default_rng(args.seed)
        files = list_images(args.data, args.exclude)
        if args.limit:
            files = list(rng.choice(files, size=min(args.limit, len(files)), replace=False))
        if not files:
            print("error: no images found in --data", file=sys.stderr)
            return 2
        log(f"{len(files)} files")
        photos, files = load_photos(files, args.size, log, small_size=args.small_size)
        if not photos:
            print("error: no usable colour photos", file=sys.stderr)
            return 2
        data = TrainingData(photos, names=files)

    wpath = None
    config = config_from(args)
    if config.uses_effnet:
        try:
            wpath = str(args.descriptor_weights or descriptor_weights_file())
        except FileNotFoundError as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
        config = config_from(args, wpath)
    cache = target_cache = None
    cache_dir = args.cache or os.path.dirname(os.path.abspath(args.out))
    if config.with_descriptor and files:
        key = hashlib.sha1(f"{args.size}|{os.path.abspath(wpath)}".encode()).hexdigest()[:12]
        os.makedirs(cache_dir, exist_ok=True)
        cache = os.path.join(cache_dir, f".desc-{key}.npz")
    if config.consistency_weight and files:
        from core.training import consistency

        try:
            clf_path = consistency.classifier_weights(args.consistency_classifier)
        except FileNotFoundError as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
        key = hashlib.sha1(f"{args.size}|{os.path.abspath(clf_path)}".encode()).hexdigest()[:12]
        os.makedirs(cache_dir, exist_ok=True)
        target_cache = os.path.join(cache_dir, f".classes-{key}.npz")

    ckpt = args.out + ".ckpt.keras"
    log_path = args.out + ".log.csv"
    start_epoch = 0
    cnet, compiled = None, False
    if args.resume and os.path.exists(ckpt):
        cnet, compiled = keras.models.load_model(ckpt), True
        if os.path.exists(log_path):
            with open(log_path) as fh:
                start_epoch = sum(1 for _ in csv.DictReader(fh))
        log(f"resumed from {ckpt} at epoch {start_epoch}")
    else:
        if args.init_from:
            cnet = keras.models.load_model(args.init_from, compile=False)
            log(f"weights from {args.init_from}")
        if os.path.exists(log_path):
            os.remove(log_path)
    try:
        run = TrainingRun(config, data, log=log, cnet=cnet, compiled=compiled, start_epoch=start_epoch,
                          descriptor_cache=cache, target_cache=target_cache, verbose=2)
    except (ValueError, FileNotFoundError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    log(run.summary())
    if run.grey_delta_e is not None:
        log(f"held-out photos: {', '.join(t for t, _ in run.heldout)}; grey scores ΔE2000 {run.grey_delta_e:.2f}")

    val_files = list_images([args.val])[: args.val_limit] if args.val else []
    fieldnames = ["epoch", "loss", "seconds"]
    if data.heldout:
        fieldnames += ["heldout_loss", "heldout_delta_e2000"]
    if config.consistency_weight:
        fieldnames.append("consistency_kl")
    fieldnames += [f"val_{k}" for k in METRIC_NAMES]
    try:
        sem_checks = semantic_options.open_checks(semantic_in or [], files, log)
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    fieldnames += semantic_options.columns(sem_checks)
    sem_check = next(iter(sem_checks.values()), None)
    frames = []
    for ev in run:
        run.trainer.save(ckpt)       # with the consistency loss: the whole trainer, so that it resumes
        model = run.export(args.out)
        row = ev.row()
        if val_files or sem_check is not None:
            from core.colorizers.autoencoder import AutoencoderColorizer

            col = AutoencoderColorizer(model)            # one per epoch, for both checks
        if val_files:
            m = heldout.validate(col, val_files, args.render_factor)
            row.update({f"val_{k}": round(v, 4) for k, v in m.items()})
        if sem_check is not None:
            row.update(semantic_options.scores(sem_checks, partial(col.colorize, render_factor=args.render_factor)))
        new = not os.path.exists(log_path)
        with open(log_path, "a", newline="") as fh:
            wr = csv.DictWriter(fh, fieldnames=fieldnames, extrasaction="ignore")
            if new:
                wr.writeheader()
            wr.writerow(row)
        log(json.dumps(row) + (f" eta {ev.eta:.0f} s" if ev.epoch < ev.epochs else ""))
        if ev.previews:
            frames.append((ev.epoch, ev.previews))
    if frames:
        from PIL import Image

        from core.figures.filmstrip import filmstrip

        strip = args.out + ".filmstrip.png"
        Image.fromarray(filmstrip(run.heldout, frames)).save(strip)
        log(f"filmstrip {strip}")
        last = run.events[-1]
        log(f"held-out ΔE2000 {last.heldout_delta_e:.2f} (grey {run.grey_delta_e:.2f}); "
            f"{time.monotonic() - run.t0:.0f} s in all")
    log(f"saved {args.out}")
    return 0
