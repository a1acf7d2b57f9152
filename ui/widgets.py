"""Widgets and notices shared by the pages (stable labels and keys for tests)."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from core import lab
from core import weights as core_weights
from core.figures import samples
from ui import guide as ui_guide
from ui import models as ui_models
from ui import photos, results, settings

# One render-factor scale for every model: the range all of them accept.
RF_MIN, RF_MAX = 4, 48

PAGE_COLORIZE = "pages/1_colorize.py"
PAGE_COMPARE = "pages/2_compare.py"
PAGE_CHANNELS = "pages/3_channels.py"
PAGE_METRICS = "pages/4_metrics.py"
PAGE_HOW = "pages/5_how_it_works.py"
PAGE_GUIDE = "pages/6_guide.py"

PRESENTATION_CSS = """
<style>
html, body, [data-testid="stAppViewContainer"] { font-size: 21px; }
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li,
[data-testid="stCaptionContainer"], label, button p { font-size: 1.2rem !important; }
h1 { font-size: 3rem !important; } h2 { font-size: 2.3rem !important; } h3 { font-size: 1.8rem !important; }
[data-testid="stMainBlockContainer"], .block-container { max-width: 96vw !important;
  padding-left: 2vw !important; padding-right: 2vw !important; }
</style>
"""


def presentation_mode() -> bool:
    return bool(st.session_state.get("presentation", False))


def sidebar() -> None:
    """The sidebar of every page: presentation mode and a short orientation."""
    with st.sidebar:
        st.toggle("Presentation mode", key="presentation",
                  help="Large text and the full screen width, for a projector.")
        st.caption("Colour is guessed by a neural network from the grey picture alone. "
                   "Nothing you upload leaves this computer.")


def apply_presentation_css() -> None:
    if presentation_mode():
        st.html(PRESENTATION_CSS)


# --------------------------------------------------------------------------- models


def _model_label(name: str) -> str:
    info = ui_models.infos().get(name)
    if info is None:
        return name
    return info.title if info.available else f"{info.title} (not downloaded)"


def model_picker() -> list[str]:
    """Multiselect of every model (eccv16 included, marked when its weights are missing)."""
    names = list(ui_models.infos())
    if st.session_state.get("models") is None:
        st.session_state["models"] = list(settings.DEFAULT_MODELS)
    chosen = st.multiselect(
        "Models", names, format_func=_model_label, key="models", persist_state="session",
        help="Pick one or more. Autoencoder (ours) is this project's network; Zhang et al. 2016 is the classic "
             "Caffe baseline; Grayscale adds no colour at all and is the reference for the scores.",
    )
    return list(chosen)


def _rf_label(value: int, defaults: dict[int, list[str]]) -> str:
    return f"{value} ★" if value in defaults else str(value)


def render_factor_picker(chosen: Sequence[str]) -> int:
    """Render-factor slider (4 … 48) with a one-line explanation; ★ marks the chosen models' defaults."""
    infos = ui_models.infos()
    defaults: dict[int, list[str]] = {}
    for m in chosen or settings.DEFAULT_MODELS:
        if m in infos:
            defaults.setdefault(infos[m].default_render_factor, []).append(infos[m].title)
    current = st.session_state.get("render_factor")
    if not isinstance(current, int) or not RF_MIN <= current <= RF_MAX:
        st.session_state["render_factor"] = min(max(settings.default_render_factor(chosen), RF_MIN), RF_MAX)
    rf = st.select_slider(
        "Render factor", options=list(range(RF_MIN, RF_MAX + 1)), key="render_factor", persist_state="session",
        format_func=lambda v: _rf_label(v, defaults),
        help="The network works out the colour on a small copy of your photo and then stretches it over "
             "the full-size photo. The detail always comes from your photo.",
    )
    marks = "; ".join(f"{v} for {', '.join(t)}" for v, t in defaults.items())
    st.caption(f"Colour is computed at {lab.RENDER_UNIT} × {rf} = **{lab.render_long_side(rf)} px** on the long "
               "side, then stretched over "
               f"your full-size photo: higher = finer colour but slower. ★ default: {marks}.")
    return int(rf)


def _vibrance_changed(key: str) -> None:
    settings.set_vibrance(st.session_state[key])
    results.forget_downloads()


def vibrance_slider(key: str = "vibrance") -> float:
    """The session's vibrance (0 = grey, 1 = as the model made it, 2 = most vivid), applied to every result.
    Each page has its own slider (``key``); all of them show and set the one setting."""
    current = settings.vibrance()
    if st.session_state.get(key) != current:
        st.session_state[key] = current
    st.slider("Vibrance", settings.VIBRANCE_MIN, settings.VIBRANCE_MAX, step=0.05, key=key,
              on_change=_vibrance_changed, args=(key,),
              help="More or less colour in every result: 0 = grey, 1 = as the model made it, 2 = most vivid. "
                   "Dull colours gain the most; the lightness of the photo never changes.")
    return settings.vibrance()


def _fetch_weights(name: str, key: str) -> None:
    bar = st.progress(0.0, text=f"Connecting to download the {name} weights…")

    def cb(filename: str, done: int, total: int) -> None:
        frac = done / total if total else 0.0
        size = f"{done / 1e6:.1f} of {total / 1e6:.1f} MB" if total else f"{done / 1e6:.1f} MB"
        bar.progress(min(1.0, frac), text=f"Downloading {filename}: {size}")

    try:
        core_weights.fetch(name, progress=cb)
    except core_weights.FetchError as e:
        bar.empty()
        st.session_state[f"fetch_error_{key}"] = str(e)
        return
    except OSError as e:
        bar.empty()
        st.session_state[f"fetch_error_{key}"] = f"Could not save the weights: {e}"
        return
    bar.progress(1.0, text="Downloaded and checked.")
    st.session_state.pop(f"fetch_error_{key}", None)
    ui_models.forget_missing()
    st.rerun()


def model_notice(name: str, key: str = "") -> None:
    """Inline notice for a model that cannot run yet: why, a download button (eccv16) and the CLI command."""
    info = ui_models.infos().get(name)
    if info is None or info.available:
        return
    if info.download_mb:
        size = f"about {info.download_mb:.0f} MB"
        st.warning(
            f"**{info.title} is not downloaded yet.** {info.description} Its weights ({size}) are not shipped "
            "with the app. Everything else keeps working without it.",
            icon=":material/download:",
        )
        k = f"fetch_{name}_{key}"
        if st.button(f"Download the {info.title} weights ({size})", key=k):
            _fetch_weights(name, k)
        err = st.session_state.get(f"fetch_error_{k}")
        if err:
            st.error(f"The download did not work: {err}")
        st.caption("Or, on the computer that runs this app (it works offline afterwards):")
        st.code(info.how_to_get, language="bash")
    else:
        st.warning(f"**{info.title} is not available:** {info.reason}.", icon=":material/warning:")
        if info.how_to_get:
            st.code(info.how_to_get, language="bash")


def model_notices(chosen: Sequence[str], key: str = "") -> list[str]:
    """Show notices for the chosen models that cannot run; return the ones that can."""
    infos = ui_models.infos()
    ready = []
    for m in chosen:
        if m in infos and infos[m].available:
            ready.append(m)
        else:
            model_notice(m, key)
    return ready


# --------------------------------------------------------------------------- photos


def try_sample_button(key: str, label: str = "Try a sample photo") -> None:
    """One obvious button that loads the first built-in sample (before the page is drawn)."""
    st.button(label, key=key, type="primary", icon=":material/auto_awesome:", on_click=photos.use_samples,
              args=([samples.SAMPLES[0].name],))


def need_photos(key: str) -> None:
    """What a page says when there is no photo yet."""
    st.info("No photo yet. Pick a sample or upload your own photos on the Colorize page.", icon=":material/image:")
    try_sample_button(f"try_sample_{key}")
    st.page_link(PAGE_COLORIZE, label="Go to Colorize", icon=":material/palette:")


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
    st.session_state["focus_photo"] = photo.key
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
        st.error(msg)
    return outcome


def page_inputs(key: str) -> tuple[list[photos.Photo], list[str], int]:
    """The shared top of the Compare, Channels and Metrics pages: the current batch, the
    models that are ready (with their notices shown) and the render factor. Stops the
    page with a pointer to the Colorize page when there is no photo yet."""
    batch = photos.photos()
    if not batch:
        need_photos(key)
        st.stop()
    chosen = settings.models()
    rf = settings.render_factor()
    settings_caption(chosen, rf)
    return batch, model_notices(chosen, key=key), rf


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
