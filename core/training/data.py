"""Training data: photos decoded into memory, the frozen descriptors, the ab prior, and random batches."""

from __future__ import annotations

import os
import time

import numpy as np

from core import lab
from core.training.network import OUT_STRIDE

GREY_COLOURFULNESS = 8.0   # same threshold that built the data set


def _scale_short_side(rgb, size):
    import cv2

    h, w = rgb.shape[:2]
    s = size / min(h, w)
    nh, nw = max(size, int(round(h * s))), max(size, int(round(w * s)))
    interp = cv2.INTER_AREA if s < 1 else cv2.INTER_CUBIC
    return cv2.resize(rgb, (nw, nh), interpolation=interp)


def load_photos(files, size, log=print, small_size=0):
    """Decode, drop grey photos, scale the short side to ``size``.

    With ``small_size`` > 0, photos whose short side is below ``size`` (the 64 px Tiny ImageNet photos) are
    not upscaled: their short side goes to ``small_size`` instead (the multi-resolution schedule)."""
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
        own = size if not small_size or min(rgb.shape[:2]) >= size else small_size
        photos.append(_scale_short_side(rgb, own))
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
    """Random crops + flips -> (L_norm, [descriptor]), targets, sample weights.

    ``target="bins"``: the targets are the ab bin of each pixel at 1/4 resolution and the weights the
    class rebalancing weights; ``target="soft"``: the targets are normalised ab at 1/4 resolution (the
    loss soft-encodes them over the bins) with the rebalancing weights of their nearest bins;
    ``target="ab"``: the targets are normalised ab at 1/4 resolution (a regression) and the weights are
    ones. By default an epoch is one pass over the photos in a random
    order; with ``draw=(steps, p)`` it is ``steps`` batches of photos drawn with replacement with the
    probabilities ``p`` (a few large photos, each cropped many times: the classroom data set)."""

    def __init__(self, photos, descriptors, quantizer, class_weights, size, batch, seed, augment=False,
                 target="bins", draw=None):
        if target not in ("bins", "soft", "ab"):
            raise ValueError(f"unknown target {target!r}")
        self.augment = augment
        self.photos, self.desc = photos, descriptors
        self.q, self.w = quantizer, class_weights
        self.size, self.batch = size, batch
        self.target = target
        self.draw = None if draw is None else (int(draw[0]), np.asarray(draw[1], np.float64) / np.sum(draw[1]))
        self.rng = np.random.default_rng(seed)

    def steps(self):
        if self.draw is not None:
            return max(1, self.draw[0])
        return max(1, len(self.photos) // self.batch)

    def targets(self, labs):
        """Targets and sample weights of Lab crops (n, s, s, 3)."""
        import cv2

        qh, qw = labs.shape[1] // OUT_STRIDE, labs.shape[2] // OUT_STRIDE
        ab_small = np.stack([cv2.resize(a, (qw, qh), interpolation=cv2.INTER_AREA) for a in labs[..., 1:]])
        if self.target == "ab":
            return lab.normalize_ab(ab_small).astype(np.float32), np.ones(ab_small.shape[:3], np.float32)
        y = self.q.encode(ab_small).astype(np.int32)
        if self.target == "soft":
            return lab.normalize_ab(ab_small).astype(np.float32), self.w[y]
        return y, self.w[y]

    def batch_at(self, idx):
        import cv2

        s = self.size
        crops = np.empty((len(idx), s, s, 3), np.uint8)
        for k, i in enumerate(idx):
            p = self.photos[i]
            c = int(round(s / self.rng.uniform(1.0, 1.25))) if self.augment else s   # zoom in up to 1.25x
            y = self.rng.integers(0, p.shape[0] - c + 1)
            x = self.rng.integers(0, p.shape[1] - c + 1)
            crop = p[y:y + c, x:x + c]
            if c != s:
                crop = cv2.resize(crop, (s, s), interpolation=cv2.INTER_LINEAR)
            crops[k] = crop[:, ::-1] if self.rng.random() < 0.5 else crop
        labs = lab.rgb_to_lab(crops.reshape(-1, s, 3)).reshape(len(idx), s, s, 3)
        L = labs[..., :1]
        if self.augment:   # gamma jitter of L only: the colour labels stay those of the photo
            g = np.exp(self.rng.uniform(-0.2, 0.2, (len(idx), 1, 1, 1))).astype(np.float32)
            L = lab.L_MAX * np.power(np.clip(L / lab.L_MAX, 0.0, 1.0), g)
        L = lab.normalize_l(L)
        y, sw = self.targets(labs)
        x = (L, self.desc[idx]) if self.desc is not None else L
        return x, y, sw

    def whole(self, photos, descriptors=None):
        """(x, targets, weights) of whole photos of one size (the held-out photos), no crop, no flip."""
        rgb = np.stack(photos)
        n, h, w = rgb.shape[:3]
        labs = lab.rgb_to_lab(rgb.reshape(-1, w, 3)).reshape(n, h, w, 3)
        L = lab.normalize_l(labs[..., :1])
        y, sw = self.targets(labs)
        return ((L, np.asarray(descriptors)) if descriptors is not None else L), y, sw

    def epoch(self):
        if self.draw is not None:
            steps, p = self.draw
            for _ in range(self.steps()):
                yield self.batch_at(self.rng.choice(len(self.photos), size=self.batch, p=p))
            return
        order = self.rng.permutation(len(self.photos))
        for b in range(self.steps()):
            yield self.batch_at(order[b * self.batch:(b + 1) * self.batch])


class MixedBatchMaker:
    """The multi-resolution schedule: photos at two sizes, each size in batches of its own.

    ``makers`` are :class:`BatchMaker` s of one crop size each (e.g. 128 px crops of the larger photos in
    batches of 32, and the 64 px photos at their own size in batches of 128: the same pixels per step).
    An epoch interleaves one pass of each in a random order, so each size's share of the steps is its
    share of the passes."""

    def __init__(self, makers, seed):
        self.makers = list(makers)
        self.target = self.makers[0].target
        self.size = None                               # crops of several sizes
        self.rng = np.random.default_rng(seed + 7919)

    def steps(self):
        return sum(m.steps() for m in self.makers)

    def whole(self, photos, descriptors=None):
        return self.makers[0].whole(photos, descriptors)

    def epoch(self):
        order = self.rng.permutation(np.repeat(np.arange(len(self.makers)), [m.steps() for m in self.makers]))
        its = [m.epoch() for m in self.makers]
        for k in order:
            yield next(its[k])


def make_dataset(maker, with_desc):
    import tensorflow as tf

    s = maker.size
    q = None if s is None else s // OUT_STRIDE
    lspec = tf.TensorSpec((None, s, s, 1), tf.float32)
    xspec = (lspec, tf.TensorSpec((None, None), tf.float32)) if with_desc else lspec
    if maker.target in ("ab", "soft"):
        yspec = tf.TensorSpec((None, q, q, 2), tf.float32)
    else:
        yspec = tf.TensorSpec((None, q, q), tf.int32)
    sig = (xspec, yspec, tf.TensorSpec((None, q, q), tf.float32))
    return tf.data.Dataset.from_generator(maker.epoch, output_signature=sig).prefetch(2)
