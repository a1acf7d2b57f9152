"""Colorization Studio engine (no Streamlit here).

Public API::

    from core import load_image, colorize, available_models, ImageError
    rgb = load_image(path_or_bytes)
    out = colorize(rgb, model="autoencoder", render_factor=None)
    available_models()
    from core.metrics import compare
    from core import guide        # hints, reference transfer, vibrance over any result (core/guide/)
"""

from core.colorizers import ModelInfo, available_models, clear_cache, colorize, get_colorizer
from core.colorizers.base import ModelUnavailable
from core.images import ImageError, load_image

__all__ = [
    "ImageError",
    "ModelInfo",
    "ModelUnavailable",
    "available_models",
    "clear_cache",
    "colorize",
    "get_colorizer",
    "load_image",
]
