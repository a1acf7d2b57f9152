"""Model loading for the app: each model loads once per server process; a session's own models
(trained or uploaded on the Train your own page, :mod:`ui.training`) are only in that session."""

from __future__ import annotations

import gc

import numpy as np
import streamlit as st

import core
from core.colorizers import source_of
from ui import training


def infos() -> dict[str, core.ModelInfo]:
    """Every model and whether it can be used right now (cheap: only checks files), then this
    session's own models."""
    return {**core.available_models(), **training.infos()}


def title(name: str) -> str:
    info = infos().get(name)
    return info.title if info else name


def label(name: str) -> str:
    """A model's title in the model choices, marked when its weights are not downloaded yet."""
    info = infos().get(name)
    if info is None:
        return name
    return info.title if info.available else f"{info.title} (not downloaded)"


@st.cache_resource(show_spinner="Loading the model (only the first time)…", max_entries=8)
def _load(name: str, source: str):
    # ``source`` is part of the cache key only. Instances are thread-safe (they
    # lock around the forward pass), so all sessions share them. A failure is
    # not cached: st.cache_resource does not store exceptions.
    model = core.get_colorizer(name)
    _freeze_garbage_collector()
    return model


def _freeze_garbage_collector() -> None:
    """After every script run (each rerun, each fragment rerun) Streamlit runs a full ``gc.collect(2)``
    (its ``runner.postScriptGC`` option, on by default): with TensorFlow and a model loaded that walks ~360,000
    objects, about 1.5 s holding the GIL on a busy 2-core machine, during which no other session and no
    background job runs. The objects that exist once a model is loaded (TensorFlow, Keras, the model) live as long
    as the server: ``gc.freeze()`` leaves them out of later collections (measured: 1.5 s -> 0.2 ms per run)."""
    gc.collect()
    gc.freeze()


def get(name: str):
    """The shared colorizer instance (or this session's own model); raises core.ModelUnavailable with a
    friendly message."""
    if training.is_own(name):
        return training.colorizer(name)
    return _load(name, source_of(name))


def colorize(name: str, grey: np.ndarray, render_factor: int) -> np.ndarray:
    """Colour a grey RGB image with ``name`` at ``render_factor`` (clamped to the model's range)."""
    colorizer = get(name)
    lo, hi = colorizer.render_factor_range
    return colorizer.colorize(grey, min(max(int(render_factor), lo), hi))


def forget_missing() -> None:
    """After weights were downloaded: let the engine look for them again."""
    _load.clear()
    core.clear_cache()
