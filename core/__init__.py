"""Colorization Studio engine (no Streamlit here).

Public API::

    from core import load_image, colorize, available_models, photo_kind, ImageError
    rgb = load_image(path_or_bytes)
    photo_kind(rgb)             # "grey", "toned" (sepia, cyanotype, yellowed paper) or "colour"
    out = colorize(rgb, model="autoencoder", render_factor=None)
    available_models()
    from core.metrics import compare
"""

from core.colorizers import ModelInfo, available_models, clear_cache, colorize, get_colorizer
from core.colorizers.base import ModelUnavailable
from core.images import ImageError, load_image
from core.kind import PhotoKind, classify, photo_kind

__all__ = [
    "ImageError",
    "ModelInfo",
    "ModelUnavailable",
    "PhotoKind",
    "available_models",
    "classify",
    "clear_cache",
    "colorize",
    "get_colorizer",
    "load_image",
    "photo_kind",
]
