"""Our autoencoder (Keras 3): encoder -> fusion with EfficientNet descriptor -> decoder."""

from __future__ import annotations

import os

import numpy as np

from core import lab
from core.colorizers.base import Colorizer


class AutoencoderColorizer(Colorizer):
    name = "autoencoder"
    title = "Autoencoder (ours)"
    default_render_factor = 12      # 192 px long side; chosen by measurement (models/README.md)
    render_factor_range = (4, 64)
    stride = 8

    def __init__(self, model_or_path):
        super().__init__()
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        import keras
        import tensorflow as tf

        from core import network  # noqa: F401  (registers the custom layers)

        if isinstance(model_or_path, (str, os.PathLike)):
            self.model = keras.models.load_model(
                model_or_path, compile=False,
                custom_objects=network.CUSTOM_OBJECTS,
            )
        else:
            self.model = model_or_path
        self._fn = tf.function(self.model, reduce_retracing=True)

    def predict_ab(self, L_small: np.ndarray) -> np.ndarray:
        import tensorflow as tf

        x = lab.normalize_l(L_small)[None, ..., None]
        ab_norm = self._fn(tf.constant(x)).numpy()[0]
        return lab.denormalize_ab(ab_norm)

    def set_decoding(self, temperature: float | None = None, prior_strength: float | None = None):
        """Change the annealed-mean decoding of this instance (used to tune it by measurement)."""
        layer = self.model.get_layer("annealed_mean")
        with self._lock:
            if temperature is not None:
                layer.temperature.assign(float(temperature))
            if prior_strength is not None:
                layer.prior_strength.assign(float(prior_strength))
