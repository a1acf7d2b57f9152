"""Where is the model unsure? The uncertainty map and the suggested clicks of :mod:`core.guide`, for the
Guide, Channels and Colorize pages: computed once per (photo, model, render factor) and kept with
``st.cache_data``; a model without a distribution (grayscale) gets a friendly line, never a traceback.

The numbers are :mod:`core.guide`'s; this file only caches, draws the numbered marks and lays out the
swatches.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import streamlit as st

import core
from core import guide as core_guide
from core import images
from ui import guide as ui_guide
from ui import models as ui_models

K = 3                        # "Suggest 3 clicks"
MAP_KEY = "guide_show_uncertainty"
SUGGEST_KEY = "guide_show_suggestions"
MAP_SIDE = 1024             # the cached map's long side at most (the Guide page shows 1024 px)
NO_DISTRIBUTION = ("{title} gives one colour per pixel, not a choice between colours, so it cannot say where it "
                   "is unsure. Start from the Autoencoder or Zhang et al. to see the map and the suggestions.")


def _factor(model: str, render_factor: int) -> int:
    info = ui_models.infos().get(model)
    if info is None:
        return int(render_factor)
    lo, hi = info.render_factor_range
    return min(max(int(render_factor), lo), hi)


def has_distribution(model: str) -> bool:
    info = ui_models.infos().get(model)
    return bool(info is not None and info.has_distribution)


def _engine_model(model: str):
    """What core.guide takes: the name, or this session's own model's colorizer (not in the registry)."""
    from ui import training

    return ui_models.get(model) if training.is_own(model) else model


@st.cache_data(show_spinner="Reading where the model is unsure…", max_entries=32)
def _map(photo_key: str, model: str, render_factor: int, _grey: np.ndarray) -> np.ndarray:
    # keyed by the photo's content hash (the grey itself is not hashed again); kept at most MAP_SIDE px
    # (the screen never shows more), so 32 entries stay under ~130 MB whatever the photos' size
    import cv2

    u = core_guide.uncertainty(_grey, model=_engine_model(model), render_factor=render_factor)
    h, w = u.shape
    scale = min(1.0, MAP_SIDE / max(h, w))
    if scale < 1.0:
        u = cv2.resize(u, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
    return u


@st.cache_data(show_spinner="Finding the clicks that would help most…", max_entries=32)
def _suggestions(photo_key: str, model: str, render_factor: int, _grey: np.ndarray) -> list:
    return core_guide.suggest(_grey, model=_engine_model(model), k=K, render_factor=render_factor, regions=False)


def _safe(fn, photo, model: str, render_factor: int):
    """(value, None) or (None, a message for the user)."""
    if not has_distribution(model):
        if model not in core.available_models():              # this session's own model (Train your own)
            return None, (f"{ui_models.title(model)} cannot say where it is unsure here: only the built-in "
                          "Autoencoder and Zhang et al. show the map and the suggestions.")
        return None, NO_DISTRIBUTION.format(title=ui_models.title(model))
    try:
        return fn(photo.key, model, _factor(model, render_factor), photo.grey), None
    except core.ModelUnavailable as e:
        return None, str(e)
    except ValueError as e:                       # NoDistribution is one too
        return None, f"The model's uncertainty could not be read: {e}"
    except MemoryError:
        return None, "Not enough memory to read the model's uncertainty for this photo."


def uncertainty_of(photo, model: str, render_factor: int):
    """(the map H x W in [0, 1], None) or (None, a friendly message)."""
    return _safe(_map, photo, model, render_factor)


def suggestions_of(photo, model: str, render_factor: int):
    """(list of core.guide.Suggestion, None) or (None, a friendly message)."""
    return _safe(_suggestions, photo, model, render_factor)


def map_picture(photo, model: str, render_factor: int, side: int = 640) -> np.ndarray | None:
    """The map as a colour picture (sure = dark purple, unsure = yellow), or None without one."""
    u, _ = uncertainty_of(photo, model, render_factor)
    return None if u is None else images.fit_within(core_guide.uncertainty_colormap(u), side)


def score(photo, model: str, render_factor: int) -> float | None:
    u, _ = uncertainty_of(photo, model, render_factor)
    return None if u is None else core_guide.uncertainty_score(u)


def most_uncertain_first(batch: Sequence, models: Sequence[str], render_factor: int) -> tuple[list, str | None]:
    """The batch ordered by the first model with a distribution's uncertainty score (most unsure first),
    and that model; the batch unchanged (and None) when no chosen model has one."""
    model = next((m for m in models if has_distribution(m)), None)
    if model is None:
        return list(batch), None
    scores = {p.key: score(p, model, render_factor) for p in batch}
    return sorted(batch, key=lambda p: -(scores[p.key] if scores[p.key] is not None else -1.0)), model


def legend() -> str:
    """A small HTML legend of the colormap: sure … unsure."""
    stops = ", ".join(c for _, c in core_guide.colormap_legend(7))
    # the bar shrinks with its column (Channels puts it in a fifth of the page: a fixed 12 em ran past the
    # content column at 1366 px, issue 34) and never grows past 12 em
    return ('<div style="display:flex;align-items:center;gap:.4em;font-size:.9em;max-width:100%;min-width:0">sure'
            f'<span style="flex:1 1 12em;min-width:2em;max-width:12em;height:.9em;border:1px solid #000;'
            f'background:linear-gradient(to right, {stops})"></span>unsure</div>')


def _mark(img: np.ndarray, x: float, y: float, label: str) -> None:
    import cv2

    r = max(9, round(max(img.shape[:2]) / 40))
    h, w = img.shape[:2]
    c = (int(min(max(round(x), r + 2), w - r - 3)), int(min(max(round(y), r + 2), h - r - 3)))  # whole mark shows
    cv2.circle(img, c, r + 2, (255, 255, 255), -1, cv2.LINE_AA)
    cv2.circle(img, c, r, (0, 0, 0), -1, cv2.LINE_AA)
    scale = r / 14.0
    (tw, th), _ = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, scale, 2)
    cv2.putText(img, label, (c[0] - tw // 2, c[1] + th // 2), cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255),
                2, cv2.LINE_AA)


def overlay(shown: np.ndarray, u: np.ndarray | None, suggestions: Sequence | None, side: int) -> np.ndarray:
    """The picture for the canvas: ``shown`` at most ``side`` px, with the map drawn over its grey (so the
    colours on screen are the legend's: core.guide.uncertainty_overlay), and the numbered marks."""
    small = images.fit_within(shown, side)
    h, w = small.shape[:2]
    out = small.copy() if u is None else core_guide.uncertainty_overlay(small, u)
    H, W = shown.shape[:2]
    for i, s in enumerate(suggestions or []):
        _mark(out, (s.x + 0.5) * w / W - 0.5, (s.y + 0.5) * h / H - 0.5, str(i + 1))
    return out


def hex_of(rgb) -> str:
    return "#{:02x}{:02x}{:02x}".format(*(int(v) for v in rgb))


def add_suggested(photo_key: str, x: int, y: int, rgb: tuple[int, int, int], radius: float) -> None:
    """A swatch was clicked: that colour as a hint at the suggestion's point (the page's own hint list,
    so undo and the list work as for any hint)."""
    hints = ui_guide.hints_of(photo_key)
    hints.append(core_guide.as_hint((float(x), float(y), tuple(int(v) for v in rgb), float(radius))))
    ui_guide.set_hints(photo_key, hints)


def controls() -> tuple[bool, bool]:
    """The two switches of the Guide page: (show the map, suggest clicks)."""
    c1, c2 = st.columns(2)
    show_map = c1.toggle("Where is the model unsure?", key=MAP_KEY,
                         help="Bright (yellow) where the model hesitates between colours, dark where it is sure.")
    show_suggestions = c2.toggle(f"Suggest {K} clicks", key=SUGGEST_KEY,
                                 help="The spots where one click would change the most, with the colours the "
                                      "model itself hesitates between.")
    return show_map, show_suggestions


def swatch_rows(photo, suggestions: Sequence, radius: float) -> None:
    """For each suggestion: its number, its reason and one button per candidate colour."""
    if not suggestions:
        st.caption("The model is fairly sure everywhere: no click would change much.")
        return
    hinted = {(round(h.points[0][0]), round(h.points[0][1])) for h in ui_guide.hints_of(photo.key)}
    for i, s in enumerate(suggestions):
        row = st.columns([3] + [1] * len(s.candidates), vertical_alignment="center")
        done = " ✓" if (s.x, s.y) in hinted else ""
        row[0].markdown(f"**{i + 1}.**{done} {s.reason}")
        for j, (col, rgb) in enumerate(zip(row[1:], s.candidates, strict=True)):
            colour = hex_of(rgb)
            col.markdown(f'<div class="uncertainty-swatch" title="{colour}" style="height:1.6em;border:1px solid '
                         f'#000;border-radius:4px;background:{colour}"></div>', unsafe_allow_html=True)
            col.button(colour, key=f"guide_suggest_{i}_{j}", on_click=add_suggested,
                       args=(photo.key, s.x, s.y, tuple(int(v) for v in rgb), radius), width="stretch",
                       help=f"Add a hint in {colour} at spot {i + 1} ({s.x}, {s.y})")
    st.caption("Or pick any colour above and click where it should go.")


class Layers:
    """What the Guide page's switches add: the canvas picture (or None = the plain result), a suffix for the
    canvas's image id, the suggestions and a message for the user."""

    def __init__(self, picture=None, suffix: str = "", suggestions=None, message: str | None = None):
        self.picture, self.suffix, self.suggestions, self.message = picture, suffix, suggestions, message


def guide_layers(photo, model: str, render_factor: int, shown: np.ndarray, show_map: bool, show_suggestions: bool,
                 side: int) -> Layers:
    if not (show_map or show_suggestions):
        return Layers()
    u, problem = uncertainty_of(photo, model, render_factor) if show_map else (None, None)
    sugg, problem2 = suggestions_of(photo, model, render_factor) if show_suggestions else (None, None)
    message = problem or problem2
    if u is None and not sugg:
        return Layers(suggestions=sugg, message=message)
    suffix = ("-map" if u is not None else "") + (f"-s{len(sugg)}" if sugg else "")
    return Layers(overlay(shown, u, sugg, side), suffix, sugg, message)


def guide_panel(photo, layers: Layers, show_map: bool, radius: float) -> None:
    """Under the canvas: the legend, the friendly line or the suggestions' swatches."""
    if layers.message:
        st.info(layers.message, icon=":material/info:")
        return
    if show_map and layers.picture is not None and "-map" in layers.suffix:
        st.markdown(legend(), unsafe_allow_html=True)
        st.caption("The model's own hesitation, drawn over the photo in grey so that its colours are the legend's: "
                   "where it spreads its bets over many colours, a hint helps most.")
    if layers.suggestions is not None:
        swatch_rows(photo, layers.suggestions, radius)


CLASSROOM = ("**Unsure**: bright where the model hesitates between colours. Why is it unsure about the car but not "
             "the sky? The sky is blue in almost every photo it learned from; a car can be any colour.")


def maps_by_title(photo, models: Sequence[str], render_factor: int, side: int = 640) -> dict[str, np.ndarray]:
    """{model title: its uncertainty picture} for the chosen models that have a distribution."""
    out = {}
    for m in models:
        if has_distribution(m):
            picture = map_picture(photo, m, render_factor, side)
            if picture is not None:
                out[ui_models.title(m)] = picture
    return out


def ordering(batch: Sequence, models: Sequence[str], render_factor: int) -> list:
    """Colorize with several photos: a "Most uncertain first" switch; the batch in the order to show."""
    if len(batch) < 2 or not st.toggle("Most uncertain first", key="order_uncertain",
                                       help="Shows first the photos the model was least sure of: they are the "
                                            "ones worth a look (and a few clicks on the Guide page)."):
        return list(batch)
    ordered, model = most_uncertain_first(batch, models, render_factor)
    if model is None:
        st.caption("None of the chosen models can say where it is unsure; the photos keep their order.")
    else:
        st.caption(f"Ordered by how unsure {ui_models.title(model)} is, the most unsure first.")
    return ordered
