"""Registry of colorizers: every model is one file in this folder that declares its own facts.

The registry imports each module here, finds its :class:`~core.colorizers.base.Colorizer`
subclass and lists it by the class's ``order``; adding a model means adding one file.
Instances are created once per process and per source of weights.
"""

from __future__ import annotations

import importlib
import pkgutil
import threading
from dataclasses import dataclass

import numpy as np

from core.colorizers.base import Colorizer, ModelUnavailable, NoDistribution  # noqa: F401


@dataclass(frozen=True)
class ModelInfo:
    name: str
    title: str
    available: bool
    reason: str                     # why it is (not) available
    how_to_get: str                 # a command, or "" when nothing is needed
    default_render_factor: int
    render_factor_range: tuple[int, int]
    description: str = ""
    stride: int = 1
    download_mb: float = 0.0        # > 0: the app can download the weights (core.weights.fetch)
    has_distribution: bool = False  # predicts a distribution over colours: core.guide.uncertainty / suggest work


def _discover() -> dict[str, type[Colorizer]]:
    found: dict[str, type[Colorizer]] = {}
    for mod in pkgutil.iter_modules(__path__):
        if mod.name == "base":
            continue
        module = importlib.import_module(f"{__name__}.{mod.name}")
        for obj in vars(module).values():
            if (isinstance(obj, type) and issubclass(obj, Colorizer) and obj is not Colorizer
                    and obj.__module__ == module.__name__):
                found[obj.name] = obj
    return dict(sorted(found.items(), key=lambda kv: (kv[1].order, kv[0])))


CLASSES: dict[str, type[Colorizer]] = _discover()

_cache: dict[tuple, Colorizer] = {}
_cache_lock = threading.Lock()


def source_of(name: str) -> str:
    """Where the files of model ``name`` are ("" if it needs none): part of every cache key."""
    src = CLASSES[name].source()
    return "" if src is None else str(src)


def _info(name: str) -> ModelInfo:
    cls = CLASSES[name]
    available, reason, how = cls.availability()
    return ModelInfo(name, cls.title, available, reason, how, cls.default_render_factor, cls.render_factor_range,
                     cls.description, cls.stride, cls.download_mb, cls.has_distribution)


def available_models() -> dict[str, ModelInfo]:
    """Every known model, with whether it can be used now and, if not, why and how to get it."""
    return {name: _info(name) for name in CLASSES}


def get_colorizer(name: str) -> Colorizer:
    """The process-wide instance of a model (created on first use, thread-safe)."""
    if name not in CLASSES:
        raise ValueError(f"unknown model {name!r}; choose from {', '.join(CLASSES)}")
    key = (name, source_of(name))
    with _cache_lock:
        inst = _cache.get(key)
        if inst is None:
            info = _info(name)
            if not info.available:
                raise ModelUnavailable(f"The {name} model is not available: {info.reason}."
                                       + (f" Get it with: {info.how_to_get}" if info.how_to_get else ""))
            inst = CLASSES[name].create()
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
