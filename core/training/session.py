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
from dataclasses import asdict, dataclass, field, replace

import numpy as np

from core import lab

HEADS = {"bins": "classification over ab bins", "mse": "MSE regression on ab"}
_SEED_LOCK = threading.Lock()


@dataclass(frozen=True)
class TrainConfig:
    """Everything that decides what a run learns (with the data and the seed, the run is reproducible)."""

    arch: str = "classic"            # classic (small encoder + global branch) or pyramid (EfficientNet encoder)
    loss: str = "bins"               # see HEADS
    global_branch: str = "effnet"    # effnet: the pretrained scene descriptor; scratch: learned from the photos
    width: int = 32                  # base number of channels of the classic network
    size: int = 128                  # training crop size (multiple of 8)
    small_size: int = 0              # > 0: photos below ``size`` train at this size in batches of their own
    batch: int = 32
    epochs: int = 10
    lr: float = 1e-3
    seed: int = 0
    augment: bool = False
    rebalance: float = 1.0           # class rebalancing lambda (1 = none)
    soft_labels: float = 0.0         # > 0: soft-encoded targets, a Gaussian of this sigma (ab units) over the bins
    temperature: float = 0.38        # annealed-mean temperature saved in the model
    prior_strength: float = 0.0
    chroma_gain: float = 1.0         # decoding: the chroma of the annealed mean is scaled by this (saved in the model)
    steps_per_epoch: int = 0         # cap on the steps of an epoch (0 = no cap)
    bn_momentum: float = 0.99
    unfreeze_from: int | None = None
    descriptor_weights: str | None = None

    def check(self) -> TrainConfig:
        if self.loss not in HEADS:
            raise ValueError(f"unknown loss {self.loss!r}; choose from {', '.join(HEADS)}")
        if self.arch not in ("classic", "pyramid"):
            raise ValueError(f"unknown arch {self.arch!r}")
        if self.arch == "pyramid" and self.loss != "bins":
            raise ValueError("the pyramid network is a classifier: use loss 'bins'")
        if self.global_branch not in ("effnet", "scratch"):
            raise ValueError(f"unknown global branch {self.global_branch!r}")
        if self.size % 8 or self.size < 8:
            raise ValueError(f"the training size must be a multiple of 8, got {self.size}")
        if self.small_size and (self.small_size % 8 or not 8 <= self.small_size < self.size):
            raise ValueError(f"the small training size must be a multiple of 8 below {self.size}, "
                             f"got {self.small_size}")
        if self.soft_labels < 0 or (self.soft_labels and self.loss != "bins"):
            raise ValueError("soft labels need the bins loss and a sigma > 0 (ab units)")
        if self.epochs < 1 or self.batch < 1:
            raise ValueError("epochs and batch must be at least 1")
        return self

    @property
    def uses_effnet(self) -> bool:
        """Needs the EfficientNet-Lite0 weights (the pretrained descriptor, or the pyramid's encoder)."""
        return self.global_branch == "effnet" or self.arch == "pyramid"

    @property
    def with_descriptor(self) -> bool:
        """Each photo's descriptor is an input of the colour network (classic + effnet)."""
        return self.global_branch == "effnet" and self.arch == "classic"

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class TrainingData:
    """What a run learns from: colour photos (RGB uint8, both sides >= the crop size), and optionally
    held-out photos (title, RGB) that are never trained on, all of one size (a multiple of 8): after
    every epoch they give the held-out loss and the previews.

    ``crops_per_epoch`` = 0: an epoch is one pass over the photos (one crop each). Otherwise an epoch is
    that many random crops, each from a photo drawn with probability ``weights`` (default: its area)."""

    photos: list[np.ndarray]
    names: list[str] | None = None               # keys of the descriptor cache (file paths)
    heldout: list[tuple[str, np.ndarray]] = field(default_factory=list)
    crops_per_epoch: int = 0
    weights: np.ndarray | None = None

    def draw(self, batch: int):
        if not self.crops_per_epoch:
            return None
        w = self.weights if self.weights is not None else [p.shape[0] * p.shape[1] for p in self.photos]
        return max(1, self.crops_per_epoch // batch), np.asarray(w, np.float64)


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


@dataclass
class EpochEvent:
    """One finished epoch."""

    epoch: int                       # 1-based
    epochs: int
    loss: float                      # mean training loss of the epoch
    heldout_loss: float | None       # the same loss on the held-out photos (None without them)
    heldout_delta_e: float | None    # mean ΔE2000 of the previews against the held-out originals
    previews: list[np.ndarray]       # the held-out photos coloured by the model as it is now
    seconds: float                   # this epoch (training and held-out)
    elapsed: float                   # since the run was created (preparation included)
    eta: float                       # seconds left, estimated from the epochs so far
    steps: int                       # training steps per epoch

    def row(self) -> dict:
        """The numbers (no pictures), e.g. for a CSV log."""
        out = {"epoch": self.epoch, "loss": round(self.loss, 5), "seconds": round(self.seconds, 1)}
        if self.heldout_loss is not None:
            out["heldout_loss"] = round(self.heldout_loss, 5)
        if self.heldout_delta_e is not None:
            out["heldout_delta_e2000"] = round(self.heldout_delta_e, 3)
        return out


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
    tmp = cached.with_name(f"{cached.stem}.{os.getpid()}.{threading.get_ident()}.tmp.weights.h5")
    net.save_weights(tmp)
    os.replace(tmp, cached)          # two runs may extract at once: each writes its own file
    return cached


def build_colour_net(config: TrainConfig, n_bins: int, effnet_weights=None):
    """The trainable network of ``config``: ``pyramid`` (EfficientNet-Lite0 encoder + U-Net decoder)
    or ``classic`` (the first model: small encoder + global descriptor), with its head."""
    from core.training import network, pyramid

    if config.arch == "pyramid":
        return pyramid.colour_net(n_bins, effnet_weights)
    return network.colour_net(n_bins, config.global_branch, config.width, config.loss, config.bn_momentum)


def export_model(cnet, config: TrainConfig, descriptor=None, prior=None, out=None):
    """The inference model of the colour network ``cnet``: a clean copy of it (no optimizer state)
    wrapped with its decoding (:func:`core.training.network.inference_model` or
    :func:`~core.training.network.regression_inference_model`); saved atomically to ``out`` if given."""
    from core.training.quantize import gamut_bins

    centres = gamut_bins()
    clean = build_colour_net(config, len(centres))
    clean.set_weights(cnet.get_weights())
    model = _wrap(clean, config, centres, descriptor, prior)
    if out:
        tmp = str(out) + ".tmp.keras"
        model.save(tmp)
        os.replace(tmp, out)
    return model


def _wrap(cnet, config, centres, descriptor, prior):
    from core.training import network

    if config.loss == "mse":
        return network.regression_inference_model(cnet, descriptor)
    return network.inference_model(cnet, np.asarray(centres) / lab.AB_SCALE, config.temperature, descriptor,
                                   prior, config.prior_strength, config.chroma_gain)


def colour_preview(colorizer, rgb: np.ndarray) -> np.ndarray:
    """``rgb`` coloured from its lightness at its own size (a multiple of the network's stride)."""
    L = lab.lightness(rgb)
    return lab.join_l_ab(L, colorizer.predict_ab(L))


def fit_to_stride(rgb: np.ndarray, stride: int = 8) -> np.ndarray:
    """The top-left part of ``rgb`` whose sides are multiples of ``stride``."""
    h, w = (rgb.shape[0] // stride) * stride, (rgb.shape[1] // stride) * stride
    if h < stride or w < stride:
        raise ValueError(f"a held-out photo must be at least {stride} x {stride} px")
    return np.ascontiguousarray(rgb[:h, :w])


class TrainingRun:
    """A run, prepared when created (photos, descriptors, network); iterate it to train, one epoch per event.

    ``cancel`` (a threading.Event) is looked at after every batch; ``progress(epoch, step, steps)``
    is called after every batch (epoch 1-based). ``cnet`` and ``start_epoch`` continue an earlier run
    (``compiled``: ``cnet`` comes with its optimizer, as a checkpoint does). ``descriptor_cache``: an .npz
    file keeping the descriptors of ``data.names`` between runs."""

    def __init__(self, config: TrainConfig, data: TrainingData, *, log: Callable[[str], None] = print,
                 cancel: threading.Event | None = None,
                 progress: Callable[[int, int, int], None] | None = None, cnet=None, compiled: bool = False,
                 start_epoch: int = 0, descriptor_cache: str | None = None, verbose: int = 0):
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
            heldout = [(t, fit_to_stride(rgb)) for t, rgb in data.heldout]
            self.heldout = heldout
            held_desc = None
            if self.descriptor is not None:
                names = [os.path.abspath(n) for n in data.names] if data.names else None
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
            if not compiled:
                if c.arch == "pyramid":
                    from core.training import pyramid

                    if c.unfreeze_from is None:
                        pyramid.freeze_encoder(cnet)     # also after --init-from a fine-tuned checkpoint
                    else:
                        pyramid.unfreeze(cnet, c.unfreeze_from)
                sched = keras.optimizers.schedules.CosineDecay(c.lr, decay_steps=max(1, self.steps * c.epochs),
                                                               alpha=0.05)
                if c.loss == "mse":
                    loss = keras.losses.MeanSquaredError()
                elif c.soft_labels:
                    from core.training.network import SoftBinCrossentropy

                    loss = SoftBinCrossentropy(self.centres / lab.AB_SCALE, c.soft_labels / lab.AB_SCALE)
                else:
                    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
                cnet.compile(optimizer=keras.optimizers.Adam(sched), loss=loss)
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
            self._preview = AutoencoderColorizer(_wrap(cnet, c, self.centres, self.descriptor, self.prior))
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
        ds = make_dataset(self.maker, c.with_descriptor).repeat()
        watch = _watch_callback(self)
        for epoch in range(self.start_epoch, c.epochs):
            if self.cancel_event.is_set():
                self.cancelled = True
                return
            t = time.monotonic()
            watch.epoch, watch.t_epoch = epoch + 1, t
            hist = self.cnet.fit(ds, steps_per_epoch=self.steps, epochs=epoch + 1, initial_epoch=epoch,
                                 verbose=self.verbose, callbacks=[watch], shuffle=False)
            if self.cancel_event.is_set():
                self.cancelled = True
                return
            loss = float(hist.history["loss"][-1])
            held_loss, held_de, previews = self.heldout_scores()
            self.epoch_seconds.append(time.monotonic() - t)
            ev = EpochEvent(epoch + 1, c.epochs, loss, held_loss, held_de, previews, self.epoch_seconds[-1],
                            time.monotonic() - self.t0, self.eta(epoch + 1), self.steps)
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
