"""The shared colorizing pipeline: every model only predicts ab at the render size."""

from __future__ import annotations

import threading

import numpy as np

from core import lab


class ModelUnavailable(RuntimeError):
    """A model cannot be used right now; the message says why and how to fix it."""


class Colorizer:
    """Base class. Subclasses set the class attributes and implement :meth:`predict_ab`.

    ``colorize`` takes the full-resolution L of the input, renders colour at
    16 x render_factor pixels on the long side, and joins the predicted ab
    (resized back) with the ORIGINAL L, so the grey detail is never lost.
    """

    name = "base"
    title = "Base"
    default_render_factor = 16
    render_factor_range = (4, 48)
    stride = 8

    def __init__(self):
        self._lock = threading.Lock()   # nets are stateful; one forward at a time

    def predict_ab(self, L_small: np.ndarray) -> np.ndarray:
        """L (h, w) float32 in [0, 100] at render size -> ab (h', w', 2) in Lab units."""
        raise NotImplementedError

    def check_render_factor(self, render_factor):
        if render_factor is None:
            return self.default_render_factor
        rf = int(render_factor)
        lo, hi = self.render_factor_range
        if not lo <= rf <= hi:
            raise ValueError(f"render_factor for {self.name} must be between {lo} and {hi}, got {rf}")
        return rf

    def colorize(self, rgb: np.ndarray, render_factor: int | None = None) -> np.ndarray:
        rf = self.check_render_factor(render_factor)
        L = lab.lightness(rgb)
        h, w = lab.render_size(*L.shape, rf, self.stride)
        L_small = lab.resize_l(L, h, w)
        with self._lock:
            ab = self.predict_ab(L_small)
        return lab.join_l_ab(L, ab)
