"""Widgets and notices shared by the pages (stable labels and keys for tests)."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from core import lab
from core.figures import samples
from ui import guide as ui_guide
from ui import models as ui_models
from ui import navigation, notices, photos, results, settings, state
from ui import restore as ui_restore
from ui import training as ui_training

# One render-factor scale for every model: the range all of them accept.
RF_MIN, RF_MAX = 4, 48

# The page files, for st.page_link (defined with the navigation, ui/navigation.py)
PAGE_COLORIZE, PAGE_COMPARE, PAGE_CHANNELS, PAGE_METRICS = (navigation.PAGE_COLORIZE, navigation.PAGE_COMPARE,
                                                            navigation.PAGE_CHANNELS, navigation.PAGE_METRICS)
PAGE_HOW, PAGE_GUIDE, PAGE_FILM, PAGE_TRAIN = (navigation.PAGE_HOW, navigation.PAGE_GUIDE, navigation.PAGE_FILM,
                                               navigation.PAGE_TRAIN)
PAGE_FALSE_COLOUR, PAGE_SPECIALISE = navigation.PAGE_FALSE_COLOUR, navigation.PAGE_SPECIALISE

def plural(n: int, word: str, words: str | None = None) -> str:
    """``1 photo``, ``3 photos``."""
    return f"{n} {word if n == 1 else (words or word + 's')}"


# --------------------------------------------------------------------------- models


def _model_label(name: str) -> str:
    info = ui_models.infos().get(name)
    if info is None:
        return name
    return info.title if info.available else f"{info.title} (not downloaded)"


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
        "Models", names, format_func=_model_label, key=state.MODELS.key, persist_state="session",
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


# --------------------------------------------------------------------------- photos


def try_sample_button(key: str, label: str = "Try a sample photo") -> None:
    """One obvious button that loads the first built-in sample, a real black-and-white photo."""
    st.button(label, key=key, type="primary", icon=":material/auto_awesome:", on_click=photos.use_samples,
              args=([samples.SAMPLES[0].name],))


GALLERY_COLUMNS = 5


def sample_gallery() -> None:
    """The built-in samples: real black-and-white photos first, then colour photos used as tests,
    each with a button; their sources and licences below."""
    with st.spinner("Loading the sample photos…"):        # the first visit after a restart: a few seconds
        thumbs = {s.name: photos.sample_thumbnail(s.name) for s in samples.SAMPLES}
    groups = ((samples.BW_SAMPLES, "**Real black-and-white photos**: coloured like your own old photos."),
              (samples.COLOUR_SAMPLES, "**Colour photos, shown here in grey**: tests. The app makes them grey, "
                                       "colours them, and scores the result against the real colours."))
    for group, text in groups:
        st.markdown(text)
        cols = st.columns(GALLERY_COLUMNS)
        for i, sample in enumerate(group):
            with cols[i % GALLERY_COLUMNS]:
                st.image(thumbs[sample.name], caption=sample.title, width="stretch")
                st.button("Use this", key=f"sample_{sample.name}", on_click=photos.use_samples,
                          args=([sample.name],), width="stretch")
    st.button("Use all samples", key="sample_all", on_click=photos.use_samples,
              args=([s.name for s in samples.SAMPLES],))
    st.caption("Sources and licences: " + "; ".join(f"{s.title}: {s.credit}, {s.licence}" for s in samples.SAMPLES)
               + ".")


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


def need_photos(key: str) -> None:
    """What a page says when there is no photo yet."""
    st.info("No photo yet. Pick a sample or upload your own photos on the Colorize page.", icon=":material/image:")
    try_sample_button(f"try_sample_{key}")
    st.page_link(PAGE_COLORIZE, label="Go to Colorize", icon=":material/palette:")


CHOOSE_PHOTOS = "Choose photos on Colorize"


def choose_photos_link(label: str = CHOOSE_PHOTOS) -> None:
    """The way back to the one place where photos are chosen (samples, uploads): the same link on every page
    that shows the batch (Compare, Metrics)."""
    st.page_link(PAGE_COLORIZE, label=label, icon=":material/palette:")


def settings_caption(chosen: Sequence[str], rf: int) -> None:
    names = ", ".join(ui_models.title(m) for m in chosen) or "none"
    st.caption(f"Models: **{names}** · render factor **{rf}** (change them on the Colorize page).")


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


class ProgressBar:
    """A progress callback ``(fraction, text)`` that shows st.progress on first use; ``done()`` removes it."""

    def __init__(self):
        self.bar = None

    def __call__(self, frac: float, text: str) -> None:
        if self.bar is None:
            self.bar = st.progress(0.0, text=text)
        self.bar.progress(min(1.0, max(0.0, float(frac))), text=text)

    def done(self) -> None:
        if self.bar is not None:
            self.bar.empty()
            self.bar = None


def compute(batch: Sequence[photos.Photo], chosen: Sequence[str], rf: int,
            vibrance: float | None = None) -> results.Outcome:
    """Colour the batch with the chosen models (cached), with a progress bar while there is work to do;
    ``vibrance`` (None = the session's, see :func:`vibrance_slider`) is applied to every result."""
    bar = ProgressBar()
    amount = settings.vibrance() if vibrance is None else vibrance
    outcome = results.colorize_many(batch, chosen, rf, ui_models.colorize, bar, vibrance=amount)
    bar.done()
    for msg in outcome.errors:
        st.error(notices.no_paths(msg))
    return outcome


def page_inputs(key: str) -> tuple[list[photos.Photo], list[str], int]:
    """The shared top of the Compare, Channels and Metrics pages: the current batch, the
    models that are ready (with their notices shown) and the render factor. Stops the
    page with a pointer to the Colorize page when there is no photo yet."""
    batch = photos.photos()
    if not batch:
        need_photos(key)
        st.stop()
    batch = ui_restore.prepared(batch)        # repaired first when Colorize's switch is on, as the models saw it
    chosen = settings.models()
    rf = settings.render_factor()
    settings_caption(chosen, rf)
    return batch, notices.model_notices(chosen, key=key), rf


def versions(photo: photos.Photo, outcome: results.Outcome, models: Sequence[str], grey: str | None = None,
             original: str | None = "Original", original_first: bool = False, guided: bool = False) -> dict:
    """One photo's pictures by label (grey input, each model's result, the colour original), see
    :func:`ui.results.versions`; ``original_first`` puts the original before the models' results;
    ``guided`` adds the photo's guided result of the Guide page, when there is one, after the models'."""
    out = results.versions(photo, outcome, models, ui_models.title, grey, original)
    if guided:
        img = ui_guide.latest(photo)
        if img is not None:
            out = {k: v for k, v in out.items() if k != original}
            out[ui_guide.GUIDED_LABEL] = img
            if original and photo.reference is not None:
                out[original] = photo.reference
    if original_first and original in out:
        out = {original: out.pop(original), **out}
    return out
