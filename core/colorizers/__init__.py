"""Registry of colorizers: one small module per model, created once per process."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from core import weights
from core.colorizers.autoencoder import AutoencoderColorizer
from core.colorizers.base import Colorizer, ModelUnavailable
from core.colorizers.eccv16 import Eccv16Colorizer, missing_files
from core.colorizers.grayscale import GrayscaleColorizer

FETCH_ECCV16 = "python -m core.weights fetch eccv16"


@dataclass(frozen=True)
class ModelInfo:
    name: str
    title: str
    available: bool
    reason: str                     # why it is (not) available
    how_to_get: str                 # a command, or "" when nothing is needed
    default_render_factor: int
    render_factor_range: tuple[int, int]


CLASSES: dict[str, type[Colorizer]] = {
    "autoencoder": AutoencoderColorizer,
    "eccv16": Eccv16Colorizer,
    "grayscale": GrayscaleColorizer,
}

_cache: dict[tuple, Colorizer] = {}
_cache_lock = threading.Lock()


def _source(name: str):
    if name == "autoencoder":
        return weights.autoencoder_path()
    if name == "eccv16":
        return weights.home() / "eccv16"
    return None


def _info(name: str) -> ModelInfo:
    cls = CLASSES[name]
    src = _source(name)
    available, reason, how = True, "ready", ""
    if name == "autoencoder" and not src.is_file():
        available, reason = False, f"the model file {src} is missing (it ships with the project; re-clone or train one)"
        how = "python -m core.train --data DIR --val DIR --out models/autoencoder.keras"
    elif name == "eccv16":
        missing = missing_files(src)
        if missing:
            available = False
            reason = f"weights not downloaded yet ({', '.join(missing)} missing in {src}); about 129 MB"
            how = FETCH_ECCV16
        else:
            reason = f"weights in {src}"
    elif name == "grayscale":
        reason = "no weights needed (a = b = 0)"
    return ModelInfo(name, cls.title, available, reason, how, cls.default_render_factor, cls.render_factor_range)


def available_models() -> dict[str, ModelInfo]:
    """Every known model, with whether it can be used now and, if not, why and how to get it."""
    return {name: _info(name) for name in CLASSES}


def get_colorizer(name: str) -> Colorizer:
    """The process-wide instance of a model (created on first use, thread-safe)."""
    if name not in CLASSES:
        raise ValueError(f"unknown model {name!r}; choose from {', '.join(CLASSES)}")
    src = _source(name)
    key = (name, str(src))
    with _cache_lock:
        inst = _cache.get(key)
        if inst is None:
            info = _info(name)
            if not info.available:
                raise ModelUnavailable(f"The {name} model is not available: {info.reason}."
                                       + (f" Get it with: {info.how_to_get}" if info.how_to_get else ""))
            inst = CLASSES[name](src) if src is not None else CLASSES[name]()
            _cache[key] = inst
        return inst


def clear_cache():
    with _cache_lock:
        _cache.clear()


def colorize(rgb: np.ndarray, model: str = "autoencoder", render_factor: int | None = None) -> np.ndarray:
    """Colorize an RGB (or grey H x W) uint8 image; returns H x W x 3 uint8 of the same size.

    ``render_factor=None`` uses the model's default. Colour inputs are used
    through their lightness only.
    """
    arr = np.asarray(rgb)
    if arr.ndim == 2:
        arr = np.repeat(arr[..., None], 3, axis=2)
    if arr.ndim != 3 or arr.shape[2] not in (3, 4) or arr.dtype != np.uint8:
        raise ValueError(f"expected an H x W x 3 uint8 image, got shape {arr.shape} dtype {arr.dtype}")
    if arr.shape[2] == 4:
        arr = arr[..., :3]
    if arr.shape[0] < 1 or arr.shape[1] < 1:
        raise ValueError("the image has no pixels")
    return get_colorizer(model).colorize(np.ascontiguousarray(arr), render_factor)
