"""Registry of colorizers: every model is one file in this folder that declares its own facts.

The registry imports each module here, finds its :class:`~core.colorizers.base.Colorizer`
subclass and lists it by the class's ``order``; adding a model means adding one file.
Instances are created once per process and per source of weights.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import threading
from dataclasses import dataclass, replace

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


MODEL_FILE_EXT = ".keras"


def is_model_file(name) -> bool:
    """A model given as the path of a ``.keras`` file (a specialised or trained model) rather than a name."""
    s = str(name)
    return s.lower().endswith(MODEL_FILE_EXT) or os.sep in s or bool(os.altsep and os.altsep in s)


def label(name: str) -> str:
    """A short label for file names and tables: the name, or a model file's stem."""
    return os.path.splitext(os.path.basename(str(name)))[0] if is_model_file(name) else str(name)


def unknown(name: str) -> str:
    """The message for a model that is neither a known name nor a model file."""
    return (f"unknown model {name!r}; choose from {', '.join(CLASSES)}, or give the path of a {MODEL_FILE_EXT} "
            "model file (python -m core specialise makes one)")


def model_class(name: str) -> type[Colorizer]:
    """The class whose facts (render factors, distribution) apply to ``name``; ValueError when unknown."""
    if is_model_file(name):
        return CLASSES["autoencoder"]
    if name not in CLASSES:
        raise ValueError(unknown(name))
    return CLASSES[name]


def model_info(name: str) -> ModelInfo | None:
    """What :func:`available_models` says of a name, or of a model file (available when the file exists; it is
    checked when loaded); None when ``name`` is neither."""
    if not is_model_file(name):
        return _info(name) if name in CLASSES else None
    base = _info("autoencoder")
    there = os.path.isfile(name)
    return replace(base, name=str(name), title=label(name), available=there,
                   reason="a model file" if there else f"the file {name} does not exist", how_to_get="",
                   description=f"The model in the file {os.path.basename(str(name))}.")


def _from_file(path: str) -> Colorizer:
    """A colorizer over a model file, loaded safely (no code from the file runs); ModelUnavailable otherwise."""
    from core.colorizers.autoencoder import AutoencoderColorizer
    from core.training import modelfile

    try:
        model, info = modelfile.load_path(path)
    except modelfile.ModelFileError as e:
        raise ModelUnavailable(str(e)) from None
    col = AutoencoderColorizer(model)
    # what a result's metadata and credentials name (the video's too): the file's stem, never the local path
    col.name = col.title = label(path)
    col.info = info or {}
    return col


def describe_file(name: str) -> str | None:
    """For a model file: one line on what it is (a specialised model: what it was taught, when and how it
    scored); None for a model name. Loads the model (cached)."""
    if not is_model_file(name):
        return None
    from core.training import examples

    facts = examples.facts_of(getattr(get_colorizer(name), "info", None))
    return f"{label(name)}: " + (examples.summary(facts) if facts else "a colour model from a file (not specialised)")


def get_colorizer(name: str) -> Colorizer:
    """The process-wide instance of a model (created on first use, thread-safe); ``name`` may be the path of a
    ``.keras`` model file (loaded again when the file changes)."""
    if is_model_file(name):
        try:
            st = os.stat(name)
        except OSError:
            raise ModelUnavailable(f"The model file {name} does not exist.") from None
        key = ("file", os.path.abspath(name), st.st_mtime_ns, st.st_size)
        with _cache_lock:
            inst = _cache.get(key)
            if inst is None:
                inst = _cache[key] = _from_file(str(name))
            return inst
    if name not in CLASSES:
        raise ValueError(unknown(name))
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
    from core.rgb import check_rgb

    return get_colorizer(model).colorize(check_rgb(rgb, "the image"), render_factor)
