"""The shared choices of the pages: the models, the render factor and the vibrance (each page has its own widget,
all of them show and set the one setting of :mod:`ui.settings`), one photo of the batch, and a photo's role."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from core import lab
from ui import models as ui_models
from ui import photos, results, settings, state
from ui import training as ui_training

# One render-factor scale for every model: the range all of them accept.
RF_MIN, RF_MAX = 4, 48


def model_picker() -> list[str]:
    """Multiselect of every model (eccv16 included, marked when its weights are missing), and this session's
    own models (a training run that has just finished joins them here, ticked, before the widget is drawn)."""
    ui_training.collect()
    names = list(ui_models.infos())
    current = state.MODELS.get()
    if current is None:
        settings.set_models(settings.DEFAULT_MODELS)
    elif any(m not in names for m in current):      # e.g. an own model that was removed
        settings.set_models([m for m in current if m in names])
    chosen = st.multiselect(
        "Models", names, format_func=ui_models.label, key=state.MODELS.key, persist_state="session",
        help="Pick one or more. Autoencoder (ours) is this project's network; Zhang et al. 2016 is the classic "
             "Caffe baseline; Grayscale adds no colour at all and is the reference for the scores. Models you "
             "train or upload on the Train your own page are listed here too, for this session only.",
    )
    return list(chosen)


def _rf_label(value: int, defaults: dict[int, list[str]]) -> str:
    return f"{value} ★" if value in defaults else str(value)


def _apply_render_factor(slider: state.Slot[int]) -> None:
    state.RENDER_FACTOR.set(int(slider.get()))


def render_factor_picker(chosen: Sequence[str], slider: state.Slot[int] = state.RENDER_FACTOR_SLIDER) -> int:
    """Render-factor slider (4 … 48) with a one-line explanation; ★ marks the chosen models' defaults.

    ``slider``: this page's own widget. The value is shared by the pages through :data:`ui.state.RENDER_FACTOR`
    (set by "Apply"); each page's slider is set from it before it is drawn, so one page's slider never resets
    another's (a widget key shared by two pages did: to the minimum)."""
    key = slider.key
    infos = ui_models.infos()
    defaults: dict[int, list[str]] = {}
    for m in chosen or settings.DEFAULT_MODELS:
        if m in infos:
            defaults.setdefault(infos[m].default_render_factor, []).append(infos[m].title)
    current = state.RENDER_FACTOR.get()
    if isinstance(current, bool) or not isinstance(current, int) or not RF_MIN <= current <= RF_MAX:
        current = min(max(settings.default_render_factor(chosen), RF_MIN), RF_MAX)
        state.RENDER_FACTOR.set(current)
    if slider.get() != current:
        slider.set(current)
    # A form: dragging the slider or pressing the arrow keys changes nothing until "Apply", so a
    # keyboard user does not start a colorization at every key press.
    with st.form(f"{key}_form", border=False, enter_to_submit=False):
        st.select_slider(
            "Render factor", options=list(range(RF_MIN, RF_MAX + 1)), key=key,
            format_func=lambda v: _rf_label(v, defaults),
            help="The network works out the colour on a small copy of your photo and then stretches it over "
                 "the full-size photo. The detail always comes from your photo.",
        )
        st.form_submit_button("Apply", key=f"apply_{key}", icon=":material/check:", on_click=_apply_render_factor,
                              args=(slider,))
    rf = int(state.RENDER_FACTOR.get())
    marks = "; ".join(f"{v} for {', '.join(t)}" for v, t in defaults.items())
    st.caption(f"Colour is computed at {lab.RENDER_UNIT} × {rf} = **{lab.render_long_side(rf)} px** on the long "
               "side, then stretched over "
               f"your full-size photo: higher = finer colour but slower. ★ default: {marks}. "
               "Move the slider (or use the arrow keys), then press **Apply**.")
    return rf


def _vibrance_changed(slider: state.Slot[float]) -> None:
    settings.set_vibrance(slider.get())
    results.forget_downloads()


def vibrance_slider(slider: state.Slot[float] = state.VIBRANCE_SLIDER) -> float:
    """The session's vibrance (0 = grey, 1 = as the model made it, 2 = most vivid), applied to every result.
    Each page has its own slider (``slider``); all of them show and set the one setting."""
    current = settings.vibrance()
    if slider.get() != current:
        slider.set(current)
    st.slider("Vibrance", settings.VIBRANCE_MIN, settings.VIBRANCE_MAX, step=0.05, key=slider.key,
              on_change=_vibrance_changed, args=(slider,),
              help="More or less colour in every result: 0 = grey, 1 = as the model made it, 2 = most vivid. "
                   "Dull colours gain the most; the lightness of the photo never changes.")
    return settings.vibrance()


def _role_changed(key: str) -> None:
    photos.set_role(key, state.PHOTO_ROLE(key).get())


def photo_role(photo: photos.Photo) -> None:
    """Say what the app does with this photo and why, in plain words; let the user choose otherwise."""
    if photo.original is None:
        st.info("**Black-and-white photo**: it has no colour at all. It is coloured from its grey levels.",
                icon=":material/filter_b_and_w:")
        return
    k = photo.kind
    guess = ("a colour photo" if k.kind == "colour" else
             f"a {k.tint}-toned black-and-white photo" if k.kind == "toned" else "a black-and-white photo")
    who = f"You chose this. The app took it for {guess}: {k.reason()}." if photo.overridden else \
        f"{k.reason()[0].upper()}{k.reason()[1:]}."
    if photo.is_test:
        st.info(f"**Treated as a colour test**. {who} It was made grey, the grey version was coloured, and the "
                "original is kept to score the result on the **Metrics** page.", icon=":material/science:")
    else:
        st.info(f"**Treated as black-and-white**. {who} It is coloured from its lightness (its grey levels) "
                "and not scored, because its true colours are unknown.", icon=":material/filter_b_and_w:")
    st.radio("How should this photo be used?", list(photos.ROLES), format_func=photos.ROLES.get,
             index=1 if photo.is_test else 0, key=state.PHOTO_ROLE.key(photo.key), horizontal=True,
             on_change=_role_changed, args=(photo.key,), label_visibility="collapsed")


def photo_picker(batch: Sequence[photos.Photo], key: str) -> photos.Photo:
    """Choose one photo of the batch (only shown when there are several); remembered across pages."""
    if len(batch) == 1:
        return batch[0]
    focus = photos.focus_photo()
    keys = [p.key for p in batch]
    labels = [f"{i + 1}. {p.name}" for i, p in enumerate(batch)]
    index = keys.index(focus.key) if focus is not None and focus.key in keys else 0
    chosen = st.selectbox("Photo", labels, index=index, key=key)
    photo = batch[labels.index(chosen)] if chosen in labels else batch[index]
    photos.set_focus(photo.key)
    return photo
