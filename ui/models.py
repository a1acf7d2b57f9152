"""Model loading for the app: each model loads once per server process; a session's own models
(trained or uploaded on the Train your own page, :mod:`ui.training`) are only in that session."""

from __future__ import annotations

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


@st.cache_resource(show_spinner="Loading the model (only the first time)…", max_entries=8)
def _load(name: str, source: str):
    # ``source`` is part of the cache key only. Instances are thread-safe (they
    # lock around the forward pass), so all sessions share them. A failure is
    # not cached: st.cache_resource does not store exceptions.
    return core.get_colorizer(name)


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
