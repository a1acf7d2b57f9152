"""Specialise the shipped colour model on a few of the user's own colour examples (no Streamlit).

    result = specialise(["slides/"], minutes=5, log=print)     # or (name, rgb) pairs
    result.save("my.keras")                                      # a model file like any other
    result.summary()                                             # one line: examples, time, held-out scores

The pretrained encoder (EfficientNet-Lite0 inside the shipped model) stays frozen, so each augmented crop
of an example goes through it once: its five feature maps are kept in memory and only the decoder (the
U-Net half, 2.3 M weights) is trained on that cache, many passes, as long as the time allows. That is what
makes minutes on a 2-core laptop enough. With 5 or more examples a fifth of them (at most
:data:`MAX_HELD_OUT`) is held out, never trained on, and the specialised model is scored there against the
general model and against no colour at all (the evaluation protocol's ΔE2000 and colourfulness).

The decoding (annealed-mean temperature and chroma gain) is the general model's; the file carries what it
was taught on (:func:`core.training.examples.facts`), which the app and ``python -m core colorize`` show.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from core import lab
from core.training import examples as ex

CROP = 128                   # training crops (px, a multiple of the encoder's stride 32)
MIN_CROPS = 48               # at least this many crops are cached, whatever the time
MAX_CROPS = 3000             # ... and at most this many (about 1.6 GB of features)
BATCH = 16
LR = 1.5e-3
PRIOR_SHIFT = True           # start from the examples' palette (_shift_prior)
TRAIN_BATCH_NORM = False     # the decoder's batch norm keeps the general model's statistics
CACHE_SHARE = 0.3            # at most this share of the time goes to caching features
MAX_HELD_OUT = 40


class SpecialiseError(ValueError):
    """The examples cannot teach a model (none usable, ...); the message says why in plain words."""


@dataclass
class Result:
    model: object                              # the Keras inference model (L_norm -> ab_norm at 1/4)
    facts: dict                                # what it was taught on and how it did (ex.facts)
    left_out: list[tuple[str, str]] = field(default_factory=list)
    previews: list[tuple] = field(default_factory=list)    # held out: (name, original, general, specialised)

    def save(self, path) -> None:
        from core.training import modelfile

        modelfile.save(self.model, path, ex.info_of(self.facts))

    def summary(self) -> str:
        return ex.summary(self.facts)


def _front_and_head(cnet):
    """(encoder part L_norm -> five feature maps, decoder part five maps -> logits) of the colour network;
    both share the network's layers, so training the head trains the network."""
    import keras

    enc = cnet.get_layer("effnet_pyramid")
    feats = list(enc._inbound_nodes[0].output_tensors)
    return keras.Model(cnet.input, feats), keras.Model(feats, cnet.output)


def _load(base):
    """A colorizer of the base model: the shipped file, or a model file (loaded with every check of
    :mod:`core.training.modelfile`); SpecialiseError unless it is the kind of network that can be specialised."""
    from core import weights
    from core.colorizers.autoencoder import AutoencoderColorizer
    from core.training import modelfile

    if base is None:
        col = AutoencoderColorizer(weights.autoencoder_path())
    else:
        col = AutoencoderColorizer(modelfile.load_path(base)[0])
    names = {layer.name for layer in col.model.layers}
    if "colour_net_pyramid" not in names or "annealed_mean" not in names:
        raise SpecialiseError(f"{os.path.basename(str(base))} cannot be specialised: only the shipped kind of model "
                              "(the EfficientNet pyramid with its colour bins) can be")
    return col


def _shift_prior(model, quant, y: np.ndarray) -> None:
    """Move the network's colour palette from the general training photos' to the examples' before it learns:
    the logits' bias gains log p_examples(bin) - log p_general(bin) (the label-shift correction of a classifier
    whose class frequencies change; ``p_general`` is the prior the general model keeps in its decoder). Every
    prediction starts in the examples' colours, and the training refines where and when each is used."""
    counts = np.bincount(y.reshape(-1).astype(np.int64), minlength=quant.n_bins).astype(np.float64)
    p_examples = quant.decoding_prior(counts)
    layer = model.get_layer("colour_net_pyramid").get_layer("logits")
    kernel, bias = layer.get_weights()
    general = model.get_layer("annealed_mean").log_prior.numpy().astype(np.float64)
    layer.set_weights([kernel, (bias + np.log(p_examples) - general).astype(np.float32)])


def _fixed(base, grey: np.ndarray, hints: bytes) -> np.ndarray:
    """A grey album photo as its owner fixed it: the general model's colours with their hints (the Guide page's
    result, and ``colorize --hints``'s)."""
    from core import guide

    h, w = grey.shape[:2]
    return guide.guide(grey, _general(base).colorize(grey), hints=guide.hints_from_json(hints, w, h))


def _general(base):
    """The model to compare with: the process's shared instance of the shipped model, or the base file's."""
    if base is None:
        from core.colorizers import get_colorizer

        return get_colorizer("autoencoder")
    return _load(base)


def _features(front, crops_l: np.ndarray) -> list[np.ndarray]:
    """The encoder's five feature maps of a batch of crops (float16, to halve the cache)."""
    return [np.asarray(t, np.float16) for t in front(crops_l, training=False)]


def specialise(sources: Sequence, *, minutes: float = 10.0, base=None, seed: int = 0,
               log: Callable[[str], None] = print, cancel: threading.Event | None = None,
               progress: Callable[[str, float], None] | None = None, held_out: bool = True,
               max_crops: int = MAX_CROPS, passes: int | None = None) -> Result:
    """Fine-tune the shipped colour model's decoder on the colour examples ``sources`` (paths of files or
    folders, or (name, RGB array) pairs) for at most about ``minutes``. ``base``: the model file to start from
    (default: the shipped one). ``progress(stage, fraction)`` is called as it goes; ``cancel`` stops it
    (SpecialiseError); ``max_crops`` bounds the feature cache (about 0.25 MB a crop); ``passes``: exactly this
    many passes over the cache instead of as many as the time allows (for tests). Grey or toned examples
    are left out with the reason (:attr:`Result.left_out`)."""
    import keras

    from core.training.quantize import Quantizer

    t0 = time.monotonic()
    budget = max(0.2, float(minutes)) * 60.0
    cancel = cancel or threading.Event()
    say = progress or (lambda stage, frac: None)
    items, left_out = ex.gather(sources, log, fix=lambda grey, hints: _fixed(base, grey, hints))
    for name, why in left_out:
        log(f"left out {name}: {why}")
    if not items:
        raise SpecialiseError("No usable colour example: " + (ex.why_none(left_out) if left_out else
                                                              "nothing was given."))
    train, held = ex.split(items, seed) if held_out else (items, [])
    log(f"{len(items)} colour example(s): {len(train)} to learn from, {len(held)} held out to score")

    base_file = ex.base_path(base)
    general = _general(base)
    mine = _load(base)                          # a copy of its own: its decoder is the one trained
    cnet = mine.model.get_layer("colour_net_pyramid")
    front, head = _front_and_head(cnet)
    centres = mine.model.get_layer("annealed_mean").centres_w.numpy() * lab.AB_SCALE
    quant = Quantizer(centres)

    # what is left of the time once the models are loaded: for the cache, the training and the scoring
    left = max(10.0, budget - (time.monotonic() - t0) - ex.scoring_seconds(len(held)))

    # 1. the cache: augmented crops through the frozen encoder, as many as a share of the time allows
    rng = np.random.default_rng(seed)
    chunks, targets, n = [], [], 0                # chunks: per batch, its five feature maps
    t_cache = time.monotonic()
    while n < max_crops:
        batch = [ex.crop(train[int(rng.integers(len(train)))][1], CROP, rng) for _ in range(32)]
        chunks.append(_features(front, np.stack([b[0] for b in batch])))
        targets.append(quant.encode(np.stack([b[1] for b in batch])).astype(np.int16))
        n += len(batch)
        spent = time.monotonic() - t_cache
        say("caching", min(1.0, spent / (CACHE_SHARE * left)))
        if cancel.is_set():
            raise SpecialiseError("Cancelled.")
        if n >= MIN_CROPS and spent > CACHE_SHARE * left:
            break
    feats = [np.concatenate(level) for level in zip(*chunks, strict=True)]
    del chunks
    y = np.concatenate(targets)
    log(f"cached {n} crops of {CROP} px in {time.monotonic() - t_cache:.0f} s")

    # 2. the decoder starts from the examples' palette (a prior shift), then learns on the cache until the time is up
    if PRIOR_SHIFT:
        _shift_prior(mine.model, quant, y)
    for layer in head.layers:                 # batch norm keeps its running statistics (inference mode)
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.trainable = TRAIN_BATCH_NORM
    head.compile(optimizer=keras.optimizers.Adam(LR),
                 loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    deadline = t0 + budget - ex.scoring_seconds(len(held)) if passes is None else float("inf")
    t_train, epochs = time.monotonic(), 0
    stopper = _stop_at(deadline, cancel, lambda f: say("training", f), t_train, -(-n // BATCH))
    while (epochs == 0 or time.monotonic() < deadline) and not cancel.is_set():     # at least one pass
        if passes is not None and epochs >= passes:
            break
        hist = head.fit(feats, y, batch_size=BATCH, epochs=1, shuffle=True, verbose=0, callbacks=[stopper])
        epochs += 1
        log(f"pass {epochs}: loss {hist.history['loss'][-1]:.3f} ({time.monotonic() - t0:.0f} s)")
    if cancel.is_set():
        raise SpecialiseError("Cancelled.")
    del feats

    # 3. the decoding chosen on the learned-from examples, the held-out score, and the facts the file carries
    say("scoring", 0.0)
    decoding = ex.tune_decoding(mine, train, log)
    scores, previews = ex.score(held, general, mine, log) if held else ({}, [])
    facts = ex.facts(items, len(held), scores, time.monotonic() - t0, n, epochs, base_file, decoding)
    log(ex.summary(facts))
    say("done", 1.0)
    return Result(mine.model, facts, left_out, previews)


def _stop_at(deadline: float, cancel: threading.Event, report: Callable[[float], None], start: float,
             min_steps: int):
    """A Keras callback that stops ``fit`` at ``deadline`` (monotonic; not before ``min_steps`` batches in all)
    or on ``cancel``, checked after every batch, and reports the share of the training time spent."""
    import keras

    class StopAt(keras.callbacks.Callback):
        steps = 0

        def on_train_batch_end(self, batch, logs=None):
            StopAt.steps += 1
            now = time.monotonic()
            report(min(1.0, (now - start) / max(1e-6, deadline - start)))
            if cancel.is_set() or (now >= deadline and StopAt.steps >= min_steps):
                self.model.stop_training = True

    return StopAt()
