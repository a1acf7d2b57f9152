"""Train the autoencoder.

    python -m core.train --data DIR [--data DIR ...] --val DIR --epochs N --size 128 \
        --out models/autoencoder.keras [--resume] [--seed 0] [--global-branch effnet|scratch]

Data: every JPEG/PNG/BMP/WebP under the ``--data`` folders; images that are
(nearly) grey are skipped. Each photo is scaled so its short side is
``--size`` and stored in memory; a tf.data pipeline draws random
``size x size`` crops with random horizontal flips. The frozen EfficientNet
descriptor of each whole grey photo is computed once per run and cached.

Loss: cross-entropy over the quantised ab bins (:mod:`core.quantize`) with
Zhang et al.'s class rebalancing (``--rebalance`` lambda). After every epoch:
validation metrics on ``--val`` (protocol of ``core.evaluate``), a checkpoint
(``<out>.ckpt.keras``, resumable with ``--resume``), the inference model
saved to ``--out`` and a row in the CSV log (``<out>.log.csv``).
"""

from __future__ import annotations

import argparse
import csv
import fnmatch
import hashlib
import json
import os
import sys
import time

import numpy as np

from core import lab
from core.quantize import Quantizer, gamut_bins

IMAGE_EXTS = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff")
GREY_COLOURFULNESS = 8.0   # same threshold that built the data set


def list_images(dirs, exclude=()):
    files = []
    for d in dirs:
        for root, _, names in os.walk(d):
            for n in sorted(names):
                if n.lower().endswith(IMAGE_EXTS) and not any(fnmatch.fnmatch(n, p) for p in exclude):
                    files.append(os.path.join(root, n))
    return sorted(files)


def _scale_short_side(rgb, size):
    import cv2

    h, w = rgb.shape[:2]
    s = size / min(h, w)
    nh, nw = max(size, int(round(h * s))), max(size, int(round(w * s)))
    interp = cv2.INTER_AREA if s < 1 else cv2.INTER_CUBIC
    return cv2.resize(rgb, (nw, nh), interpolation=interp)


def load_photos(files, size, log=print):
    """Decode, drop grey photos, scale the short side to ``size``."""
    from core.images import ImageError, load_image
    from core.metrics import colorfulness

    photos, kept, skipped = [], [], 0
    for i, f in enumerate(files):
        try:
            rgb = load_image(f)
        except ImageError as e:
            log(f"skip {f}: {e}")
            skipped += 1
            continue
        if colorfulness(_scale_short_side(rgb, 64)) < GREY_COLOURFULNESS:
            skipped += 1
            continue
        photos.append(_scale_short_side(rgb, size))
        kept.append(f)
        if (i + 1) % 2000 == 0:
            log(f"  decoded {i + 1}/{len(files)}")
    log(f"{len(photos)} colour photos, {skipped} skipped (grey or unreadable)")
    return photos, kept


def compute_descriptors(photos, descriptor, files=None, cache_path=None, log=print):
    """The frozen descriptor of every (whole, grey) photo, computed once.

    With ``cache_path`` the vectors are kept per file name in an .npz, so later
    runs on overlapping data only compute what is new."""
    import tensorflow as tf

    cached = {}
    if cache_path and os.path.exists(cache_path):
        with np.load(cache_path) as z:
            cached = dict(zip(z["files"].tolist(), z["vectors"], strict=True))
        log(f"descriptor cache {cache_path}: {len(cached)} vectors")
    fn = tf.function(descriptor, reduce_retracing=True)
    out = np.zeros((len(photos), descriptor.output_shape[-1]), np.float32)
    t0 = time.time()
    todo = 0
    for i, rgb in enumerate(photos):
        key = files[i] if files is not None else None
        if key in cached:
            out[i] = cached[key]
            continue
        L = lab.normalize_l(lab.lightness(rgb))[None, ..., None]
        out[i] = fn(tf.constant(L)).numpy()[0]
        if key is not None:
            cached[key] = out[i]
        todo += 1
        if todo % 2000 == 0:
            log(f"  descriptors {todo} computed ({time.time() - t0:.0f} s)")
    if cache_path and todo and files is not None:
        tmp = cache_path + ".tmp.npz"
        np.savez(tmp, files=np.array(list(cached)), vectors=np.stack(list(cached.values())))
        os.replace(tmp, cache_path)
    return out


def ab_prior(photos, quantizer, rng, n=2000):
    counts = np.zeros(quantizer.n_bins, np.float64)
    for i in rng.choice(len(photos), size=min(n, len(photos)), replace=False):
        ab = lab.rgb_to_lab(photos[i][::4, ::4])[..., 1:]
        counts += np.bincount(quantizer.encode(ab).ravel(), minlength=quantizer.n_bins)
    return counts


class BatchMaker:
    """Random crops + flips -> (L_norm, [descriptor]), bin labels, rebalancing weights."""

    def __init__(self, photos, descriptors, quantizer, class_weights, size, batch, seed):
        self.photos, self.desc = photos, descriptors
        self.q, self.w = quantizer, class_weights
        self.size, self.batch = size, batch
        self.rng = np.random.default_rng(seed)

    def steps(self):
        return max(1, len(self.photos) // self.batch)

    def batch_at(self, idx):
        import cv2

        s = self.size
        crops = np.empty((len(idx), s, s, 3), np.uint8)
        for k, i in enumerate(idx):
            p = self.photos[i]
            y = self.rng.integers(0, p.shape[0] - s + 1)
            x = self.rng.integers(0, p.shape[1] - s + 1)
            c = p[y:y + s, x:x + s]
            crops[k] = c[:, ::-1] if self.rng.random() < 0.5 else c
        labs = lab.rgb_to_lab(crops.reshape(-1, s, 3)).reshape(len(idx), s, s, 3)
        L = lab.normalize_l(labs[..., :1])
        q = s // 4
        ab_small = np.stack([cv2.resize(a, (q, q), interpolation=cv2.INTER_AREA) for a in labs[..., 1:]])
        y = self.q.encode(ab_small).astype(np.int32)
        sw = self.w[y]
        x = (L, self.desc[idx]) if self.desc is not None else L
        return x, y, sw

    def epoch(self):
        order = self.rng.permutation(len(self.photos))
        for b in range(self.steps()):
            yield self.batch_at(order[b * self.batch:(b + 1) * self.batch])


def make_dataset(maker, with_desc):
    import tensorflow as tf

    s, q = maker.size, maker.size // 4
    lspec = tf.TensorSpec((None, s, s, 1), tf.float32)
    xspec = (lspec, tf.TensorSpec((None, None), tf.float32)) if with_desc else lspec
    sig = (xspec, tf.TensorSpec((None, q, q), tf.int32), tf.TensorSpec((None, q, q), tf.float32))
    return tf.data.Dataset.from_generator(maker.epoch, output_signature=sig).prefetch(2)


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

    net = AutoencoderColorizer(src).model.get_layer("descriptor").get_layer("efficientnet_lite0")
    cached.parent.mkdir(parents=True, exist_ok=True)
    keras.Model(net.input, net.output).save_weights(cached)
    return cached


def export(cnet, centres, temperature, descriptor, out, global_branch, width, prior=None, prior_strength=0.0):
    """Save the inference model (no optimizer state) atomically to ``out``."""
    from core import network

    clean = network.colour_net(len(centres), global_branch, width)
    clean.set_weights(cnet.get_weights())
    model = network.inference_model(clean, np.asarray(centres) / lab.AB_SCALE, temperature, descriptor,
                                    prior, prior_strength)
    tmp = str(out) + ".tmp.keras"
    model.save(tmp)
    os.replace(tmp, out)
    return model


def parse_args(argv=None):
    ap = argparse.ArgumentParser(prog="python -m core.train", description=__doc__,
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
    ap.add_argument("--global-branch", choices=["effnet", "scratch"], default="effnet")
    ap.add_argument("--descriptor-weights", default=None,
                    help="EfficientNet-Lite0 weights (default: models/efficientnet_lite0.weights.h5)")
    ap.add_argument("--width", type=int, default=32, help="base number of channels")
    ap.add_argument("--rebalance", type=float, default=1.0,
                    help="class rebalancing lambda in the loss (1 = none, the default; 0.5 = Zhang et al.)")
    ap.add_argument("--temperature", type=float, default=0.38, help="annealed-mean temperature saved in the model")
    ap.add_argument("--prior-strength", type=float, default=0.0,
                    help="decoding-time prior correction saved in the model (0 = none; see core.network)")
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

    from core import network

    def log(msg):
        print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)

    if args.export_only:
        ckpt = args.out + ".ckpt.keras"
        if not os.path.exists(ckpt):
            print(f"error: no checkpoint {ckpt}", file=sys.stderr)
            return 2
        cnet = keras.models.load_model(ckpt, compile=False)
        branch = "effnet" if len(cnet.inputs) == 2 else "scratch"
        desc = network.descriptor_model(str(args.descriptor_weights or descriptor_weights_file())) \
            if branch == "effnet" else None
        width = cnet.get_layer("enc1a").filters
        rng = np.random.default_rng(args.seed)
        files = list_images(args.data, args.exclude)
        files = list(rng.choice(files, size=min(args.limit or 2000, len(files)), replace=False)) if files else []
        photos, _ = load_photos(files, args.size, log)
        quant = Quantizer(gamut_bins())
        prior = quant.decoding_prior(ab_prior(photos, quant, rng)) if photos else None
        export(cnet, quant.centres, args.temperature, desc, args.out, branch, width, prior, args.prior_strength)
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

    with_desc = args.global_branch == "effnet"
    descriptor = None
    desc = None
    if with_desc:
        try:
            wpath = args.descriptor_weights or descriptor_weights_file()
        except FileNotFoundError as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
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
    maker = BatchMaker(photos, desc, quant, cw, args.size, args.batch, args.seed)
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
        cnet = network.colour_net(quant.n_bins, args.global_branch, args.width)
        sched = keras.optimizers.schedules.CosineDecay(args.lr, decay_steps=max(1, steps * args.epochs), alpha=0.05)
        cnet.compile(optimizer=keras.optimizers.Adam(sched),
                     loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        if os.path.exists(log_path):
            os.remove(log_path)
    log(f"colour net: {cnet.count_params():,} params, {quant.n_bins} ab bins, {steps} steps/epoch")

    val_files = list_images([args.val])[: args.val_limit] if args.val else []
    ds = make_dataset(maker, with_desc).repeat()
    fieldnames = ["epoch", "loss", "seconds", "val_mse", "val_psnr", "val_ssim", "val_delta_e2000",
                  "val_colorfulness_ratio"]
    for epoch in range(start_epoch, args.epochs):
        t0 = time.time()
        hist = cnet.fit(ds, steps_per_epoch=steps, epochs=epoch + 1, initial_epoch=epoch, verbose=2)
        loss = float(hist.history["loss"][-1])
        cnet.save(ckpt)
        model = export(cnet, centres, args.temperature, descriptor, args.out, args.global_branch, args.width,
                       quant.decoding_prior(counts), args.prior_strength)
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


if __name__ == "__main__":
    raise SystemExit(main())
