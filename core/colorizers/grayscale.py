"""The reference model: ab = 0. Its output is exactly the grey input of the evaluation protocol."""

from __future__ import annotations

import numpy as np

from core.colorizers.base import Colorizer


class GrayscaleColorizer(Colorizer):
    name = "grayscale"
    title = "Grayscale (reference, no colour)"
    description = "Adds no colour at all (a = b = 0): the reference every colorizer must beat in the scores."
    order = 90
    default_render_factor = 16
    render_factor_range = (1, 64)
    stride = 1

    @classmethod
    def availability(cls):
        return True, "no weights needed (a = b = 0)", ""

    def predict_ab(self, L_small: np.ndarray) -> np.ndarray:
        return np.zeros(L_small.shape + (2,), np.float32)
