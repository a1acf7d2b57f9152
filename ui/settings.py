"""Settings shared by the pages: the chosen models and the render factor (one rule for its default)."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from core import available_models

DEFAULT_MODELS = ("autoencoder",)
VIBRANCE_MIN, VIBRANCE_MAX = 0.0, 2.0


def _ss():
    return st.session_state


def default_render_factor(chosen: Sequence[str]) -> int:
    """The default render factor for a choice of models: the first known model's own default."""
    infos = available_models()
    first = next((m for m in chosen if m in infos), DEFAULT_MODELS[0])
    return infos[first].default_render_factor


def models() -> list[str]:
    """Models chosen on the Colorize page (kept across pages)."""
    value = _ss().get("models")
    return list(DEFAULT_MODELS if value is None else value)


RENDER_FACTOR_KEY = "render_factor_value"   # the applied render factor, shared by the pages (no widget's key:
                                             # each page's slider has its own key and is set from this one)


def render_factor() -> int:
    """The render factor applied on a page's slider; before that, the first chosen model's default."""
    value = _ss().get(RENDER_FACTOR_KEY)
    return int(value) if value is not None else default_render_factor(models())


VIBRANCE_KEY = "vibrance_setting"


def vibrance() -> float:
    """The vibrance set on the Colorize or Guide page for every result: 1 = as the model made it."""
    try:
        value = float(_ss().get(VIBRANCE_KEY, 1.0))
    except (TypeError, ValueError):
        return 1.0
    return min(max(value, VIBRANCE_MIN), VIBRANCE_MAX) if value == value else 1.0


def set_vibrance(value) -> None:
    _ss()[VIBRANCE_KEY] = value
