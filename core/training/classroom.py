"""The classroom: a small training set built from the app's own sample photos, four held-out photos, and
the settings of a run that finishes in minutes on a laptop (``python -m core train --preset classroom``,
and the app's Train your own page).

The built-in set is made of the colour sample photos that ship inside scikit-image (no download):
Chelsea the cat, the cup of coffee, the astronaut, the rocket and the stained tissue. From four of them a
square is cut out and kept aside: those four squares are the **held-out photos**, never trained on. The
rest of each photo (the parts left, right, above and below its square) is trained on, as random crops
with random left-right flips. So the held-out photos are new pixels of familiar scenes: the curves show
whether the network learns colour that carries over to pixels it has not seen, not whether it knows cats.

Everything is scaled so that the held-out squares are ``2 x size`` pixels: the training crops and the
held-out photos show things at the same scale.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass

import numpy as np

from core.training.session import TrainConfig, TrainingData

SIZES = (32, 64)
EPOCHS_MAX = 30
CROPS_PER_EPOCH = 512                # random crops per epoch (the epoch's length does not depend on the photos)
EXTRA_SHORT_SIDE = 3                 # a user's photo is scaled to this many crop sizes on its short side
MAX_EXTRA = 12                       # user photos per run

# The default run of the page, and of ``--preset classroom``: about two minutes on two busy cores.
PRESET = TrainConfig(arch="classic", loss="bins", global_branch="scratch", width=16, size=64, batch=16, epochs=8,
                     lr=2e-3, seed=0, bn_momentum=0.9)


def crops_per_epoch() -> int:
    """Random crops per epoch: ``STUDIO_TRAIN_CROPS`` (fewer = faster, e.g. for tests) or 512."""
    try:
        return max(8, int(os.environ.get("STUDIO_TRAIN_CROPS", CROPS_PER_EPOCH)))
    except ValueError:
        return CROPS_PER_EPOCH


# Seconds on a quiet 2-core laptop, measured with the CLI (README, "Train your own"): start-up (data, network,
# tracing the first steps), each further epoch at 64 and 32 px, and the descriptor's own start-up.
SECONDS_START, SECONDS_EPOCH, SECONDS_DESCRIPTOR = 12.0, {64: 2.7, 32: 1.8}, 6.0


def estimate_seconds(config: TrainConfig, crops: int | None = None) -> float:
    """About how long a classroom run with ``config`` takes on a quiet 2-core laptop."""
    per = SECONDS_EPOCH.get(config.size, SECONDS_EPOCH[64] * (config.size / 64) ** 2)
    per *= (crops or crops_per_epoch()) / CROPS_PER_EPOCH
    return SECONDS_START + (SECONDS_DESCRIPTOR if config.global_branch == "effnet" else 0.0) + per * config.epochs


@dataclass(frozen=True)
class Cut:
    """A sample photo split in two: the square ``box`` = (top, left, side) in pixels of the full-size
    photo is held out, the rest is trained on."""

    sample: str
    box: tuple[int, int, int]


HELDOUT = (
    Cut("chelsea", (40, 226, 225)),        # the cat's right eye and nose
    Cut("coffee", (0, 160, 240)),           # the cup
    Cut("astronaut", (0, 100, 230)),        # her face
    Cut("rocket", (187, 200, 240)),         # the rocket and the lights of the pad
)
TRAIN_ONLY = ("immunohistochemistry",)     # trained on whole


@functools.lru_cache(maxsize=8)
def sample_rgb(name: str) -> np.ndarray:
    """A sample photo at full size (read-only)."""
    from core.figures.samples import load_sample

    rgb = load_sample(name, max_side=100_000)
    rgb.setflags(write=False)
    return rgb


def sample_title(name: str) -> str:
    from core.figures.samples import SAMPLE_BY_NAME

    return SAMPLE_BY_NAME[name].title


def _resize(rgb: np.ndarray, scale: float) -> np.ndarray:
    import cv2

    h, w = rgb.shape[:2]
    nh, nw = max(1, int(round(h * scale))), max(1, int(round(w * scale)))
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    return np.ascontiguousarray(cv2.resize(np.ascontiguousarray(rgb), (nw, nh), interpolation=interp))


def training_parts(cut: Cut) -> list[tuple[int, int, int, int]]:
    """The rectangles (top, left, bottom, right) of a cut photo that are trained on: the full-height
    strips left and right of the held-out square, and the parts above and below it. They never overlap
    the square."""
    h, w = sample_rgb(cut.sample).shape[:2]
    y, x, s = cut.box
    parts = [(0, 0, h, x), (0, x + s, h, w), (0, x, y, x + s), (y + s, x, h, x + s)]
    return [p for p in parts if p[2] > p[0] and p[3] > p[1]]


def heldout_photos(size: int) -> list[tuple[str, np.ndarray]]:
    """The four held-out photos (title, RGB), ``2 x size`` pixels square."""
    out = []
    for cut in HELDOUT:
        y, x, s = cut.box
        square = sample_rgb(cut.sample)[y:y + s, x:x + s]
        out.append((sample_title(cut.sample), _resize(square, 2 * size / s)))
    return out


def builtin_photos(size: int) -> list[tuple[str, np.ndarray]]:
    """The built-in training photos (name, RGB) at the scale of ``size``: the trained parts of the cut
    photos (parts too small for one crop are left out) and the train-only photos."""
    out = []
    for cut in HELDOUT:
        scale = 2 * size / cut.box[2]
        full = sample_rgb(cut.sample)
        for i, (t, left, b, r) in enumerate(training_parts(cut)):
            part = _resize(full[t:b, left:r], scale)
            if min(part.shape[:2]) >= size:
                out.append((f"{cut.sample}-part{i + 1}", part))
    for name in TRAIN_ONLY:
        out.append((name, scale_user_photo(sample_rgb(name), size)))
    return out


def scale_user_photo(rgb: np.ndarray, size: int) -> np.ndarray:
    """A photo scaled so that its short side is ``EXTRA_SHORT_SIDE x size`` pixels."""
    return _resize(rgb, EXTRA_SHORT_SIDE * size / min(rgb.shape[:2]))


def check_user_photo(rgb: np.ndarray) -> str | None:
    """Why a photo cannot be trained on (None = it can): it must have colour, and be big enough."""
    from core.metrics import colorfulness
    from core.training.data import GREY_COLOURFULNESS, _scale_short_side

    if min(rgb.shape[:2]) < 32:
        return "it is too small (at least 32 pixels on each side)"
    if colorfulness(_scale_short_side(np.ascontiguousarray(rgb[..., :3]), 64)) < GREY_COLOURFULNESS:
        return "it has (almost) no colour, so there is nothing to learn from it"
    return None


def build_data(size: int, extra=(), crops: int | None = None) -> TrainingData:
    """The classroom data set at ``size``: the built-in photos, plus ``extra`` colour photos (RGB) of
    the user, and the held-out photos. Crops are drawn in proportion to each photo's area; ``crops`` per
    epoch (default :func:`crops_per_epoch`)."""
    photos = [rgb for _, rgb in builtin_photos(size)]
    photos += [scale_user_photo(np.asarray(rgb)[..., :3], size) for rgb in extra]
    return TrainingData(photos, names=None, heldout=heldout_photos(size), crops_per_epoch=crops or crops_per_epoch(),
                        weights=np.array([p.shape[0] * p.shape[1] for p in photos], np.float64))


def describe(config: TrainConfig) -> str:
    """Short, plain words for a model trained with ``config``, e.g. "classification, 64 px, 8 epochs"."""
    head = "classification" if config.loss == "bins" else "MSE regression"
    desc = " + scene descriptor" if config.global_branch == "effnet" else ""
    return f"{head}{desc}, {config.size} px, {config.epochs} epoch{'s' if config.epochs != 1 else ''}"


def command_line(config: TrainConfig, out: str = "runs/classroom.keras", extra_folder: str | None = None) -> str:
    """The command that repeats a classroom run with ``config`` (same data, settings and seed)."""
    from core import weights

    args = ["train", "--preset", "classroom", "--size", str(config.size), "--epochs", str(config.epochs),
            "--loss", config.loss, "--global-branch", config.global_branch, "--seed", str(config.seed)]
    if extra_folder:
        args += ["--data", extra_folder]
    args += ["--out", out]
    return weights.command(" ".join(args))


def preset_options() -> dict:
    """The ``python -m core train`` option defaults of ``--preset classroom`` (:data:`PRESET`)."""
    c = PRESET
    return {"size": c.size, "epochs": c.epochs, "batch": c.batch, "lr": c.lr, "seed": c.seed, "width": c.width,
            "global_branch": c.global_branch, "loss": c.loss, "bn_momentum": c.bn_momentum, "arch": c.arch,
            "out": "runs/classroom.keras", "render_factor": 4}
