"""The colorizer base class: the shared pipeline, and the facts every model declares about itself."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from core import lab


class ModelUnavailable(RuntimeError):
    """A model cannot be used right now; the message says why and how to fix it."""


class NoDistribution(ValueError):
    """The model predicts one colour per pixel, not a distribution over colours (``has_distribution`` is
    False: the grayscale model), so it cannot say where it is unsure; the message says which models can."""


class Colorizer:
    """Base class of every model. A model is one file in ``core/colorizers/`` with one subclass that
    sets the class attributes below, implements :meth:`predict_ab` and, when it needs files, the class
    methods :meth:`source` and :meth:`availability`. The registry finds it by itself.

    ``colorize`` takes the full-resolution L of the input, renders colour at
    16 x render_factor pixels on the long side, and joins the predicted ab
    (resized back) with the ORIGINAL L, so the grey detail is never lost.
    """

    name = "base"                    # the id used by the API, the CLI and the app
    title = "Base"                   # what people see
    description = ""                 # one or two plain sentences for the app
    order = 100                      # position in model lists (lower first)
    default_render_factor = 16
    render_factor_range = (4, 48)
    stride = 1                       # render sizes are multiples of this
    download_mb = 0.0                # size of the weights a user must download (0 = nothing to download)
    has_distribution = False         # predicts a distribution over ab bins (predict_distribution; core.guide)

    def __init__(self):
        self._lock = threading.Lock()   # nets are stateful; one forward at a time

    # ---------------------------------------------------------------- facts (class level, cheap)
    @classmethod
    def source(cls) -> Path | None:
        """Where the model's files live (None = it needs none); a new place loads a fresh instance."""
        return None

    @classmethod
    def availability(cls) -> tuple[bool, str, str]:
        """(available, reason, how_to_get): can it run now, why (not), and a command that fixes it."""
        return True, "ready", ""

    @classmethod
    def create(cls) -> Colorizer:
        """A new instance from the model's files."""
        src = cls.source()
        return cls(src) if src is not None else cls()

    # ---------------------------------------------------------------- inference
    def predict_ab(self, L_small: np.ndarray) -> np.ndarray:
        """L (h, w) float32 in [0, 100] at render size -> ab (h', w', 2) in Lab units."""
        raise NotImplementedError

    def predict_distribution(self, L_small: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """L (h, w) float32 in [0, 100] at render size -> (probabilities (h', w', Q) float32, each pixel's
        summing to 1, at the network's output resolution; the bins' centres (Q, 2) in Lab ab units): the
        model's own, calibrated distribution over colours (temperature 1, no prior correction), from the
        same forward pass as :meth:`predict_ab`. Only models with ``has_distribution``; NoDistribution
        otherwise."""
        raise NoDistribution(f"the {self.name} model predicts no distribution over colours, so it cannot say "
                             "where it is unsure; use the autoencoder or eccv16")

    @classmethod
    def check_render_factor(cls, render_factor):
        """The render factor to use (the model's default for None); ValueError when out of range.
        A class method, so a command can check it without loading the model."""
        if render_factor is None:
            return cls.default_render_factor
        rf = int(render_factor)
        lo, hi = cls.render_factor_range
        if not lo <= rf <= hi:
            raise ValueError(f"render_factor for {cls.name} must be between {lo} and {hi}, got {rf}")
        return rf

    def ab_for_lightness(self, L: np.ndarray, render_factor: int | None = None) -> np.ndarray:
        """The colour this model predicts for a full-resolution lightness ``L`` (H, W), in [0, 100]: ab
        (h, w, 2) in Lab units at the render resolution, *before* it is joined with L.

        :meth:`colorize` is this followed by :func:`core.lab.join_l_ab`; callers that work on the colour
        itself in between (the temporal smoothing of :mod:`core.video`) use it directly."""
        L_small = self._render_lightness(L, render_factor)
        with self._lock:
            return self.predict_ab(L_small)

    def _render_lightness(self, L: np.ndarray, render_factor: int | None) -> np.ndarray:
        """The full-resolution lightness resized to the render size of ``render_factor``."""
        rf = self.check_render_factor(render_factor)
        L = np.asarray(L, np.float32)
        return lab.resize_l(L, *lab.render_size(*L.shape, rf, self.stride))

    def distribution_for_lightness(self, L: np.ndarray, render_factor: int | None = None
                                   ) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`predict_distribution` for a full-resolution lightness ``L`` (H, W) at the render size of
        :meth:`ab_for_lightness` (the same resize, the same lock)."""
        if not self.has_distribution:
            return self.predict_distribution(L)                 # raises NoDistribution, before any work
        L_small = self._render_lightness(L, render_factor)
        with self._lock:
            return self.predict_distribution(L_small)

    def predict_ab_and_distribution(self, L_small: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """:meth:`predict_ab` and :meth:`predict_distribution` of one render-size ``L_small``: (ab, probabilities,
        bin centres). A model whose network gives both from one forward pass overrides it (the autoencoder);
        this default runs the two."""
        return (self.predict_ab(L_small), *self.predict_distribution(L_small))

    def ab_and_distribution_for_lightness(self, L: np.ndarray, render_factor: int | None = None
                                          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """:meth:`ab_for_lightness` (the same ab) and the model's distribution from the same render-size
        lightness: (ab, probabilities (h', w', Q), bin centres (Q, 2)). NoDistribution without one."""
        if not self.has_distribution:
            return self.predict_distribution(L)                 # raises NoDistribution, before any work
        L_small = self._render_lightness(L, render_factor)
        with self._lock:
            return self.predict_ab_and_distribution(L_small)

    def colorize(self, rgb: np.ndarray, render_factor: int | None = None) -> np.ndarray:
        rf = self.check_render_factor(render_factor)
        L = lab.lightness(rgb)
        return lab.join_l_ab(L, self.ab_for_lightness(L, rf))
