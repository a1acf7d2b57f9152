"""One training run: the engine behind ``python -m core train`` and the app's Train your own page.

    run = TrainingRun(config, data, cancel=threading.Event(), progress=on_batch)
    for event in run:              # one EpochEvent per finished epoch (losses, held-out previews, ETA)
        ...
    model = run.export("my.keras")  # the clean inference model (saved atomically when a path is given)

or ``train(config, data, on_epoch=print)``. The command line prints and logs the events, the page shows
them; both train the same way. A run is cancelled between two batches by setting ``cancel``.

Two heads (:data:`HEADS`): ``bins`` is a classifier over the quantised ab bins decoded by the annealed
mean (the shipped models), ``mse`` a regression of ab with the mean squared error (the student project
that started this app: its safest answer is the average colour, a brownish grey). Both inference models
have the same contract: normalised L in, normalised ab at a quarter of the resolution out.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

import numpy as np

from core import lab
from core.training.build import (  # noqa: F401  (colour_preview, descriptor_weights_file, fit_to_stride: used from here)
    build_colour_net,
    colour_preview,
    descriptor_weights_file,
    export_model,
    fit_to_stride,
    wrap_inference,
)
from core.training.config import HEADS, EpochEvent, TrainConfig, TrainingData  # noqa: F401

_SEED_LOCK = threading.Lock()


def _batch_maker(c: TrainConfig, data: TrainingData, desc, quant, class_weights):
    """One :class:`BatchMaker`, or with ``small_size`` a :class:`MixedBatchMaker` of the photos at ``size``
    (batches of ``batch``) and those below it at ``small_size`` (batches with the same number of pixels)."""
    from core.training.data import BatchMaker, MixedBatchMaker

    target = "ab" if c.loss == "mse" else "soft" if c.soft_labels else "bins"
    is_small = [bool(c.small_size) and min(p.shape[:2]) < c.size for p in data.photos]
    if not any(is_small):
        return BatchMaker(data.photos, desc, quant, class_weights, c.size, c.batch, c.seed, c.augment,
                          target=target, draw=data.draw(c.batch))
    groups = [[i for i, s in enumerate(is_small) if s == small] for small in (False, True)]
    sizes = [(c.size, c.batch), (c.small_size, max(1, round(c.batch * (c.size / c.small_size) ** 2)))]
    makers = [BatchMaker([data.photos[i] for i in g], None if desc is None else desc[g], quant, class_weights,
                         size, batch, c.seed + k, c.augment, target=target)
              for k, (g, (size, batch)) in enumerate(zip(groups, sizes, strict=True)) if g]
    return makers[0] if len(makers) == 1 else MixedBatchMaker(makers, c.seed)


class TrainingRun:
    """A run, prepared when created (photos, descriptors, network); iterate it to train, one epoch per event.

    ``cancel`` (a threading.Event) is looked at after every batch; ``progress(epoch, step, steps)``
    is called after every batch (epoch 1-based). ``cnet`` and ``start_epoch`` continue an earlier run
    (``compiled``: ``cnet`` comes with its optimizer, as a checkpoint does). ``descriptor_cache``: an .npz
    file keeping the descriptors of ``data.names`` between runs; ``target_cache`` the same for the class
    distributions of the consistency loss (``config.consistency_weight`` > 0, :mod:`core.training.consistency`).
    ``cnet`` may be the trainer of such a run (its checkpoint): :attr:`trainer` is the model that is fitted and
    checkpointed, :attr:`cnet` the colour network inside it that is exported."""

    def __init__(self, config: TrainConfig, data: TrainingData, *, log: Callable[[str], None] = print,
                 cancel: threading.Event | None = None,
                 progress: Callable[[int, int, int], None] | None = None, cnet=None, compiled: bool = False,
                 start_epoch: int = 0, descriptor_cache: str | None = None, target_cache: str | None = None,
                 verbose: int = 0):
        import keras

        from core.training import network
        from core.training.data import ab_prior, compute_descriptors
        from core.training.quantize import Quantizer, gamut_bins

        self.t0 = time.monotonic()
        self.config = c = config.check()
        self.data = data
        self.log = log
        self.cancel_event = cancel if cancel is not None else threading.Event()
        self.progress = progress
        self.verbose = verbose
        self.start_epoch = start_epoch
        self.epoch_seconds: list[float] = []
        self.events: list[EpochEvent] = []
        self.cancelled = False
        if not data.photos:
            raise ValueError("no training photos")
        least = c.small_size or c.size
        small = [p.shape[:2] for p in data.photos if min(p.shape[:2]) < least]
        if small:
            raise ValueError(f"every training photo must be at least {least} px on both sides, got {small[0]}")
        if c.small_size and data.crops_per_epoch:
            raise ValueError("the multi-resolution schedule works with one pass over the photos per epoch")

        # The seed goes to Python's process-wide ``random`` (Keras draws each layer's initial weights from it) and
        # to Keras' per-thread state: two runs that start together must not draw from it in turns, or neither
        # run would be the one its seed promises. Building is short; training goes on outside the lock.
        with _SEED_LOCK:
            keras.utils.set_random_seed(c.seed)
            rng = np.random.default_rng(c.seed)
            self.wpath = str(c.descriptor_weights or descriptor_weights_file()) if c.uses_effnet else None
            self.descriptor = network.descriptor_model(self.wpath) if c.with_descriptor else None
            desc = None
            names = [os.path.abspath(n) for n in data.names] if data.names else None
            heldout = [(t, fit_to_stride(rgb)) for t, rgb in data.heldout]
            self.heldout = heldout
            held_desc = None
            if self.descriptor is not None:
                desc = compute_descriptors(data.photos, self.descriptor, names,
                                           descriptor_cache if names else None, log)
                if heldout:
                    held_desc = compute_descriptors([rgb for _, rgb in heldout], self.descriptor, None, None,
                                                    lambda _msg: None)
            self.centres = gamut_bins()
            self.quant = Quantizer(self.centres)
            self.counts = ab_prior(data.photos, self.quant, rng)
            self.prior = self.quant.decoding_prior(self.counts)
            if c.rebalance < 1:
                cw = self.quant.rebalance_weights(self.counts, lam=c.rebalance)
            else:
                cw = np.ones(self.quant.n_bins, np.float32)
            self.maker = _batch_maker(c, data, desc, self.quant, cw)
            steps = self.maker.steps()
            self.steps = min(c.steps_per_epoch, steps) if c.steps_per_epoch else steps

            if cnet is None:
                cnet = build_colour_net(c, self.quant.n_bins, self.wpath)
            from core.training import consistency

            cnet, trainer = consistency.unwrap(cnet)     # a checkpoint of a run with the consistency loss
            compiled = compiled and (trainer is not None) == bool(c.consistency_weight)
            loss = _bin_loss(c, self.centres)
            if c.consistency_weight:
                clf = consistency.classifier(consistency.classifier_weights(c.consistency_classifier))
                p_true = consistency.class_targets(data.photos, clf, c.size, names, target_cache if names else None,
                                                   log)
                self.maker = consistency.WithTargets(self.maker, p_true)
            if not compiled:
                if c.arch == "pyramid":
                    from core.training import pyramid

                    if c.unfreeze_from is None:
                        pyramid.freeze_encoder(cnet)     # also after --init-from a fine-tuned checkpoint
                    else:
                        pyramid.unfreeze(cnet, c.unfreeze_from)
                sched = keras.optimizers.schedules.CosineDecay(c.lr, decay_steps=max(1, self.steps * c.epochs),
                                                               alpha=0.05)
                cnet.compile(optimizer=keras.optimizers.Adam(sched), loss=loss)
                trainer = None
                if c.consistency_weight:
                    trainer = consistency.trainer(cnet, clf, self.centres / lab.AB_SCALE, c.temperature, self.prior,
                                                  c.prior_strength, c.chroma_gain)
                    consistency.compile_trainer(trainer, loss, c.consistency_weight, keras.optimizers.Adam(sched))
            elif trainer is not None:
                cnet.compile(loss=loss)                  # for the held-out loss; the trainer keeps the optimizer
            self.trainer = trainer if trainer is not None else cnet   # the model that fit() trains
            self.cnet = cnet

        self.grey_delta_e = None
        self._held_xy = None
        self._preview = None
        if heldout:
            from core.colorizers.autoencoder import AutoencoderColorizer
            from core.metrics import delta_e2000

            shapes = {rgb.shape for _, rgb in heldout}
            if len(shapes) != 1:
                raise ValueError(f"the held-out photos must all have one size, got {sorted(shapes)}")
            self._held_xy = self.maker.whole([rgb for _, rgb in heldout], held_desc)
            self.grey_delta_e = float(np.mean([delta_e2000(rgb, lab.to_grey_rgb(rgb)) for _, rgb in heldout]))
            # the live inference model shares the weights being trained: previews without a copy
            self._preview = AutoencoderColorizer(wrap_inference(cnet, c, self.centres, self.descriptor, self.prior))
        self.prepare_seconds = time.monotonic() - self.t0

    # ------------------------------------------------------------------ facts
    @property
    def n_params(self) -> tuple[int, int]:
        """(trained, total) parameters of the colour network."""
        trained = sum(int(np.prod(w.shape)) for w in self.cnet.trainable_weights)
        return trained, self.cnet.count_params()

    def summary(self) -> str:
        trained, total = self.n_params
        head = f"{self.quant.n_bins} ab bins" if self.config.loss == "bins" else "ab regression (MSE)"
        return f"colour net: {trained:,} trained of {total:,} params, {head}, {self.steps} steps/epoch"

    def eta(self, epoch: int, step: int = 0, now: float | None = None, epoch_start: float | None = None) -> float:
        """Seconds left when ``step`` steps of the (1-based) ``epoch`` are done."""
        left_epochs = self.config.epochs - epoch
        if self.epoch_seconds:
            # the first epoch also builds the graph: leave it out once there are others
            per_epoch = float(np.mean(self.epoch_seconds[1:] if len(self.epoch_seconds) > 1 else self.epoch_seconds))
            into = (now - epoch_start) if now is not None and epoch_start is not None else 0.0
            return max(0.0, per_epoch * (left_epochs + 1) - into) if step else per_epoch * left_epochs
        if step and now is not None and epoch_start is not None:
            per_step = (now - epoch_start) / step
            return per_step * ((self.steps - step) + left_epochs * self.steps)
        return float("nan")

    # ------------------------------------------------------------------ training
    def __iter__(self) -> Iterator[EpochEvent]:
        from core.training.data import make_dataset

        c = self.config
        if self.trainer is not self.cnet:
            from core.training.consistency import dataset

            ds = dataset(self.maker, c.with_descriptor).repeat()
        else:
            ds = make_dataset(self.maker, c.with_descriptor).repeat()
        watch = _watch_callback(self)
        for epoch in range(self.start_epoch, c.epochs):
            if self.cancel_event.is_set():
                self.cancelled = True
                return
            t = time.monotonic()
            watch.epoch, watch.t_epoch = epoch + 1, t
            hist = self.trainer.fit(ds, steps_per_epoch=self.steps, epochs=epoch + 1, initial_epoch=epoch,
                                 verbose=self.verbose, callbacks=[watch], shuffle=False)
            if self.cancel_event.is_set():
                self.cancelled = True
                return
            loss = float(hist.history["loss"][-1])
            kl = hist.history.get("classes_loss")
            held_loss, held_de, previews = self.heldout_scores()
            self.epoch_seconds.append(time.monotonic() - t)
            ev = EpochEvent(epoch + 1, c.epochs, loss, held_loss, held_de, previews, self.epoch_seconds[-1],
                            time.monotonic() - self.t0, self.eta(epoch + 1), self.steps,
                            None if kl is None else float(kl[-1]))
            self.events.append(replace(ev, previews=[]))
            yield ev

    def heldout_scores(self) -> tuple[float | None, float | None, list[np.ndarray]]:
        """(loss, mean ΔE2000, coloured photos) on the held-out photos, with the weights as they are now."""
        if self._held_xy is None:
            return None, None, []
        from core.metrics import delta_e2000

        x, y, sw = self._held_xy
        logs = self.cnet.evaluate(x, y, sample_weight=sw, batch_size=len(y), verbose=0, return_dict=True)
        held_loss = float(logs["loss"])
        previews = [colour_preview(self._preview, rgb) for _, rgb in self.heldout]
        de = float(np.mean([delta_e2000(rgb, p) for (_, rgb), p in zip(self.heldout, previews, strict=True)]))
        return held_loss, de, previews

    def export(self, out=None):
        """The clean inference model (see :func:`export_model`)."""
        return export_model(self.cnet, self.config, self.descriptor, self.prior, out)


def _bin_loss(c: TrainConfig, centres):
    """The loss of the colour network's own output (the head's)."""
    import keras

    if c.loss == "mse":
        return keras.losses.MeanSquaredError()
    if c.soft_labels:
        from core.training.network import SoftBinCrossentropy

        return SoftBinCrossentropy(centres / lab.AB_SCALE, c.soft_labels / lab.AB_SCALE)
    return keras.losses.SparseCategoricalCrossentropy(from_logits=True)


def _watch_callback(run: TrainingRun):
    import keras

    class Watch(keras.callbacks.Callback):
        """After every batch: report progress, and stop the epoch when the run is cancelled."""

        epoch, t_epoch = 1, 0.0

        def on_epoch_begin(self, epoch, logs=None):
            if run.progress is not None:
                run.progress(self.epoch, 0, run.steps)

        def on_train_batch_end(self, batch, logs=None):
            if run.progress is not None:
                run.progress(self.epoch, batch + 1, run.steps)
            if run.cancel_event.is_set():
                self.model.stop_training = True

    return Watch()


@dataclass
class RunResult:
    model: object | None             # the inference model (None when cancelled before the end)
    events: list[EpochEvent]
    cancelled: bool
    seconds: float


def train(config: TrainConfig, data: TrainingData, on_epoch: Callable[[EpochEvent], None] | None = None,
          cancel: threading.Event | None = None, **kwargs) -> RunResult:
    """Run to the end (or until ``cancel`` is set): ``on_epoch`` gets every event."""
    run = TrainingRun(config, data, cancel=cancel, **kwargs)
    for ev in run:
        if on_epoch is not None:
            on_epoch(ev)
    model = None if run.cancelled else run.export()
    return RunResult(model, run.events, run.cancelled, time.monotonic() - run.t0)
