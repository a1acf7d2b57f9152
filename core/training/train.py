"""Train the autoencoder.

    python -m core train --data DIR [--data DIR ...] --val DIR --epochs N --size 128 \
        --out models/autoencoder.keras [--resume] [--seed 0] [--arch classic|pyramid] [--augment]

Data: every JPEG/PNG/BMP/WebP under the ``--data`` folders; images that are
(nearly) grey are skipped. Each photo is scaled so its short side is
``--size`` and stored in memory; a tf.data pipeline draws random
``size x size`` crops with random horizontal flips. The frozen EfficientNet
descriptor of each whole grey photo is computed once per run and cached.

Loss: cross-entropy over the quantised ab bins (:mod:`core.training.quantize`) with
Zhang et al.'s class rebalancing (``--rebalance`` lambda). After every epoch:
validation metrics on ``--val`` (protocol of ``core.evaluate``), a checkpoint
(``<out>.ckpt.keras``, resumable with ``--resume``), the inference model
saved to ``--out`` and a row in the CSV log (``<out>.log.csv``).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import sys
import time

import numpy as np

from core import lab
from core.images import list_images
from core.metrics import METRIC_NAMES
from core.training.data import BatchMaker, ab_prior, compute_descriptors, load_photos, make_dataset
from core.training.quantize import Quantizer, gamut_bins


def validate(model, files, render_factor):
    from core.colorizers.autoencoder import AutoencoderColorizer
    from core.images import load_image
    from core.metrics import compare

    col = AutoencoderColorizer(model)
    rows = []
    for f in files:
        ref = load_image(f)
        out = col.colorize(lab.to_grey_rgb(ref), render_factor)
        rows.append(compare(ref, out))
    return {k: float(np.mean([r[k] for r in rows])) for k in rows[0]}


def descriptor_weights_file():
    """The EfficientNet-Lite0 ImageNet weights: the converted file if present
    (tools/convert_efficientnet.py), else extracted once from the shipped model."""
    import keras

    from core import weights

    direct = weights.effnet_weights_path()
    if direct.exists():
        return direct
    cached = weights.home() / ".cache" / "efficientnet_lite0_from_autoencoder.weights.h5"
    if cached.exists():
        return cached
    src = weights.autoencoder_path()
    if not src.exists():
        raise FileNotFoundError(f"no EfficientNet weights: neither {direct} nor {src} exists "
                                "(run tools/convert_efficientnet.py)")
    from core.colorizers.autoencoder import AutoencoderColorizer
    from core.training import effnet

    found = {}

    def walk(m):
        for layer in m.layers:
            if isinstance(layer, keras.Model):
                walk(layer)
            elif layer.weights:
                found.setdefault(layer.name, layer)

    walk(AutoencoderColorizer(src).model)
    net = effnet.efficientnet_lite0(include_top=False)
    for layer in net.layers:
        if layer.weights:
            layer.set_weights(found[layer.name].get_weights())
    cached.parent.mkdir(parents=True, exist_ok=True)
    net.save_weights(cached)
    return cached


def build_colour_net(arch, n_bins, global_branch="effnet", width=32, effnet_weights=None):
    """The trainable network of ``arch``: ``pyramid`` (EfficientNet-Lite0 encoder + U-Net decoder)
    or ``classic`` (the first model: small encoder + global descriptor)."""
    from core.training import network, pyramid

    if arch == "pyramid":
        return pyramid.colour_net(n_bins, effnet_weights)
    return network.colour_net(n_bins, global_branch, width)


def export(cnet, centres, temperature, descriptor, out, global_branch, width, prior=None, prior_strength=0.0,
           arch="classic"):
    """Save the inference model (no optimizer state) atomically to ``out``."""
    from core.training import network

    clean = build_colour_net(arch, len(centres), global_branch, width)
    clean.set_weights(cnet.get_weights())
    model = network.inference_model(clean, np.asarray(centres) / lab.AB_SCALE, temperature, descriptor,
                                    prior, prior_strength)
    tmp = str(out) + ".tmp.keras"
    model.save(tmp)
    os.replace(tmp, out)
    return model


def parse_args(argv=None):
    ap = argparse.ArgumentParser(prog="python -m core train", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", action="append", required=True, help="folder of colour photos (repeatable)")
    ap.add_argument("--val", help="folder of colour photos for per-epoch validation")
    ap.add_argument("--val-limit", type=int, default=40, help="validate on at most this many photos (default 40)")
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--size", type=int, default=128, help="training crop size (multiple of 8)")
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
    ap.add_argument("--rebalance", type=float, default=1.0,
                    help="class rebalancing lambda in the loss (1 = none, the default; 0.5 = Zhang et al.)")
    ap.add_argument("--temperature", type=float, default=0.38, help="annealed-mean temperature saved in the model")
    ap.add_argument("--prior-strength", type=float, default=0.0,
                    help="decoding-time prior correction saved in the model (0 = none; see core.training.network)")
    ap.add_argument("--render-factor", type=int, default=16, help="render factor for validation")
    ap.add_argument("--exclude", action="append", default=[], help="file name pattern to leave out (repeatable)")
    ap.add_argument("--limit", type=int, default=0, help="use at most this many training photos")
    ap.add_argument("--steps-per-epoch", type=int, default=0, help="cap steps per epoch (0 = one pass)")
    ap.add_argument("--export-only", action="store_true",
                    help="only re-export <out>.ckpt.keras as the inference model (with --temperature)")
    ap.add_argument("--cache", default=None, help="folder for the descriptor cache (default: next to --out)")
    args = ap.parse_args(argv)
    if args.size % 8:
        ap.error("--size must be a multiple of 8")
    return args


def main(argv=None):
    args = parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras

    from core.training import network

    def log(msg):
        print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)

    if args.export_only:
        ckpt = args.out + ".ckpt.keras"
        if not os.path.exists(ckpt):
            print(f"error: no checkpoint {ckpt}", file=sys.stderr)
            return 2
        cnet = keras.models.load_model(ckpt, compile=False)
        arch = "pyramid" if cnet.name == "colour_net_pyramid" else "classic"
        branch = "effnet" if len(cnet.inputs) == 2 else "scratch"
        desc = network.descriptor_model(str(args.descriptor_weights or descriptor_weights_file())) \
            if branch == "effnet" and arch == "classic" else None
        width = cnet.get_layer("enc1a").filters if arch == "classic" else 0
        rng = np.random.default_rng(args.seed)
        files = list_images(args.data, args.exclude)
        files = list(rng.choice(files, size=min(args.limit or 2000, len(files)), replace=False)) if files else []
        photos, _ = load_photos(files, args.size, log)
        quant = Quantizer(gamut_bins())
        prior = quant.decoding_prior(ab_prior(photos, quant, rng)) if photos else None
        export(cnet, quant.centres, args.temperature, desc, args.out, branch, width, prior, args.prior_strength,
               arch)
        log(f"exported {args.out} (temperature {args.temperature}, prior strength {args.prior_strength}, "
            f"prior from {len(photos)} photos)")
        return 0

    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    keras.utils.set_random_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    files = list_images(args.data, args.exclude)
    if args.limit:
        files = list(rng.choice(files, size=min(args.limit, len(files)), replace=False))
    if not files:
        print("error: no images found in --data", file=sys.stderr)
        return 2
    log(f"{len(files)} files")
    photos, files = load_photos(files, args.size, log)
    if not photos:
        print("error: no usable colour photos", file=sys.stderr)
        return 2

    with_desc = args.global_branch == "effnet" and args.arch == "classic"
    descriptor = None
    desc = None
    wpath = None
    if args.global_branch == "effnet" or args.arch == "pyramid":
        try:
            wpath = str(args.descriptor_weights or descriptor_weights_file())
        except FileNotFoundError as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
    if with_desc:
        descriptor = network.descriptor_model(str(wpath))
        key = hashlib.sha1(f"{args.size}|{os.path.abspath(wpath)}".encode()).hexdigest()[:12]
        cache_dir = args.cache or os.path.dirname(os.path.abspath(args.out))
        os.makedirs(cache_dir, exist_ok=True)
        abs_files = [os.path.abspath(f) for f in files]
        desc = compute_descriptors(photos, descriptor, abs_files, os.path.join(cache_dir, f".desc-{key}.npz"), log)

    centres = gamut_bins()
    quant = Quantizer(centres)
    counts = ab_prior(photos, quant, rng)
    if args.rebalance < 1:
        cw = quant.rebalance_weights(counts, lam=args.rebalance)
    else:
        cw = np.ones(quant.n_bins, np.float32)
    maker = BatchMaker(photos, desc, quant, cw, args.size, args.batch, args.seed, args.augment)
    steps = maker.steps() if not args.steps_per_epoch else min(args.steps_per_epoch, maker.steps())

    ckpt = args.out + ".ckpt.keras"
    log_path = args.out + ".log.csv"
    start_epoch = 0
    if args.resume and os.path.exists(ckpt):
        cnet = keras.models.load_model(ckpt)
        if os.path.exists(log_path):
            with open(log_path) as fh:
                start_epoch = sum(1 for _ in csv.DictReader(fh))
        log(f"resumed from {ckpt} at epoch {start_epoch}")
    else:
        if args.init_from:
            cnet = keras.models.load_model(args.init_from, compile=False)
            log(f"weights from {args.init_from}")
        else:
            cnet = build_colour_net(args.arch, quant.n_bins, args.global_branch, args.width, wpath)
        if args.unfreeze_from is not None:
            from core.training import pyramid

            pyramid.unfreeze(cnet, args.unfreeze_from)
        sched = keras.optimizers.schedules.CosineDecay(args.lr, decay_steps=max(1, steps * args.epochs), alpha=0.05)
        cnet.compile(optimizer=keras.optimizers.Adam(sched),
                     loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        if os.path.exists(log_path):
            os.remove(log_path)
    n_train = sum(int(np.prod(w.shape)) for w in cnet.trainable_weights)
    log(f"colour net: {n_train:,} trained of {cnet.count_params():,} params, {quant.n_bins} ab bins, "
        f"{steps} steps/epoch")

    val_files = list_images([args.val])[: args.val_limit] if args.val else []
    ds = make_dataset(maker, with_desc).repeat()
    fieldnames = ["epoch", "loss", "seconds", *(f"val_{k}" for k in METRIC_NAMES)]
    for epoch in range(start_epoch, args.epochs):
        t0 = time.time()
        hist = cnet.fit(ds, steps_per_epoch=steps, epochs=epoch + 1, initial_epoch=epoch, verbose=2)
        loss = float(hist.history["loss"][-1])
        cnet.save(ckpt)
        model = export(cnet, centres, args.temperature, descriptor, args.out, args.global_branch, args.width,
                       quant.decoding_prior(counts), args.prior_strength, args.arch)
        row = {"epoch": epoch + 1, "loss": round(loss, 5), "seconds": round(time.time() - t0, 1)}
        if val_files:
            m = validate(model, val_files, args.render_factor)
            row.update({f"val_{k}": round(v, 4) for k, v in m.items()})
        new = not os.path.exists(log_path)
        with open(log_path, "a", newline="") as fh:
            wr = csv.DictWriter(fh, fieldnames=fieldnames, extrasaction="ignore")
            if new:
                wr.writeheader()
            wr.writerow(row)
        log(json.dumps(row))
    log(f"saved {args.out}")
    return 0
