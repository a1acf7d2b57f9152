"""What a training run is given and what it reports: :class:`TrainConfig` (the recipe), :class:`TrainingData`
(the photos) and :class:`EpochEvent` (one finished epoch). The run itself is :mod:`core.training.session`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

HEADS = {"bins": "classification over ab bins", "mse": "MSE regression on ab"}


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
    consistency_weight: float = 0.0  # > 0: + w * KL(clf(true) || clf(predicted)), see core.training.consistency
    consistency_classifier: str | None = None    # its frozen Lite0 classifier weights (default: the converted file)

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
        if self.consistency_weight < 0 or (self.consistency_weight and (self.loss != "bins" or self.small_size)):
            raise ValueError("the consistency loss needs the bins loss, one crop size (no small size), a weight >= 0")
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
    consistency: float | None = None  # with the consistency loss: its mean KL over the epoch (before the weight)

    def row(self) -> dict:
        """The numbers (no pictures), e.g. for a CSV log."""
        out = {"epoch": self.epoch, "loss": round(self.loss, 5), "seconds": round(self.seconds, 1)}
        if self.heldout_loss is not None:
            out["heldout_loss"] = round(self.heldout_loss, 5)
        if self.heldout_delta_e is not None:
            out["heldout_delta_e2000"] = round(self.heldout_delta_e, 3)
        if self.consistency is not None:
            out["consistency_kl"] = round(self.consistency, 5)
        return out
