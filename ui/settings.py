"""Settings shared by the pages: the chosen models and the render factor (one rule for its default)."""

from __future__ import annotations

from collections.abc import Sequence

from core import available_models
from ui import state

DEFAULT_MODELS = ("autoencoder",)
VIBRANCE_MIN, VIBRANCE_MAX = 0.0, 2.0


def default_render_factor(chosen: Sequence[str]) -> int:
    """The default render factor for a choice of models: the first known model's own default."""
    infos = available_models()
    first = next((m for m in chosen if m in infos), DEFAULT_MODELS[0])
    return infos[first].default_render_factor


def models() -> list[str]:
    """Models chosen on the Colorize page (kept across pages)."""
    value = state.MODELS.get()
    return list(DEFAULT_MODELS if value is None else value)


def render_factor() -> int:
    """The render factor applied on a page's slider (:data:`ui.state.RENDER_FACTOR`: no widget's key, each page's
    slider has its own and is set from this one); before that, the first chosen model's default."""
    value = state.RENDER_FACTOR.get()
    return int(value) if value is not None else default_render_factor(models())


def vibrance() -> float:
    """The vibrance set on the Colorize or Guide page for every result: 1 = as the model made it."""
    try:
        value = float(state.VIBRANCE.get(1.0))
    except (TypeError, ValueError):
        return 1.0
    return min(max(value, VIBRANCE_MIN), VIBRANCE_MAX) if value == value else 1.0


def set_vibrance(value) -> None:
    state.VIBRANCE.set(value)


def set_models(names: Sequence[str]) -> None:
    """Choose these models (the Colorize page's multiselect shows them at its next draw)."""
    state.MODELS.set(list(names))


def drop_model(name: str) -> None:
    """Take a model that is gone (an own model forgotten) out of the choice."""
    value = state.MODELS.get()
    if isinstance(value, list) and name in value:
        set_models([m for m in value if m != name])
