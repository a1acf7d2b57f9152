"""Colouring the batch on a page: the shared top of the pages that show results (the batch, the models that are
ready, the render factor and a line that says them), the colouring under a progress bar, and one photo's versions."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from ui import gallery, notices, photos, results, settings
from ui import guide as ui_guide
from ui import models as ui_models
from ui import restore as ui_restore


def settings_caption(chosen: Sequence[str], rf: int) -> None:
    names = ", ".join(ui_models.title(m) for m in chosen) or "none"
    st.caption(f"Models: **{names}** · render factor **{rf}** (change them on the Colorize page).")


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
    ``vibrance`` (None = the session's, see :func:`ui.pickers.vibrance_slider`) is applied to every result."""
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
        gallery.need_photos(key)
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
