"""Colorization Studio engine (no Streamlit here).

Public API::

    from core import load_image, colorize, available_models, photo_kind, ImageError
    rgb = load_image(path_or_bytes)
    photo_kind(rgb)             # "grey", "toned" (sepia, cyanotype, yellowed paper) or "colour"
    out = colorize(rgb, model="autoencoder", render_factor=None)
    available_models()
    from core.metrics import compare
    from core import guide        # hints, reference transfer, vibrance over any result (core/guide/)
    from core import video        # colour a black-and-white clip without flicker (core/video/)
    from core import falsecolour, load_channels   # measured channels in chosen colours, nothing guessed
    falsecolour(load_channels(["sii.fits", "ha.fits", "oiii.fits"]), preset="hubble")   # (core/science/)

The names are loaded on first use (PEP 562), so ``python -m core.<module>`` and ``import core.lab``
do not load the model registry first.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

_EXPORTS = {
    "ImageError": "core.images",
    "load_image": "core.images",
    "PhotoKind": "core.kind",
    "classify": "core.kind",
    "photo_kind": "core.kind",
    "ModelUnavailable": "core.colorizers.base",
    "ModelInfo": "core.colorizers",
    "available_models": "core.colorizers",
    "clear_cache": "core.colorizers",
    "colorize": "core.colorizers",
    "get_colorizer": "core.colorizers",
    "falsecolour": "core.science",
    "load_channels": "core.science",
}

__all__ = [
    "ImageError",
    "ModelInfo",
    "ModelUnavailable",
    "PhotoKind",
    "available_models",
    "classify",
    "clear_cache",
    "colorize",
    "falsecolour",
    "get_colorizer",
    "load_channels",
    "load_image",
    "photo_kind",
]


def __getattr__(name: str):
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'core' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_EXPORTS))


if TYPE_CHECKING:  # pragma: no cover - for editors and type checkers
    from core.colorizers import ModelInfo, available_models, clear_cache, colorize, get_colorizer
    from core.colorizers.base import ModelUnavailable
    from core.images import ImageError, load_image
    from core.kind import PhotoKind, classify, photo_kind
    from core.science import falsecolour, load_channels
