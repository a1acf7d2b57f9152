"""Where a page's photos come from: the built-in samples (a gallery, one obvious button), what a page says with no
photo yet, and the way back to Colorize, the one place where photos are chosen."""

from __future__ import annotations

import streamlit as st

from core.figures import samples
from ui import navigation, photos


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


def need_photos(key: str) -> None:
    """What a page says when there is no photo yet."""
    st.info("No photo yet. Pick a sample or upload your own photos on the Colorize page.", icon=":material/image:")
    try_sample_button(f"try_sample_{key}")
    st.page_link(navigation.PAGE_COLORIZE, label="Go to Colorize", icon=":material/palette:")


CHOOSE_PHOTOS = "Choose photos on Colorize"


def choose_photos_link(label: str = CHOOSE_PHOTOS) -> None:
    """The way back to the one place where photos are chosen (samples, uploads): the same link on every page
    that shows the batch (Compare, Metrics)."""
    st.page_link(navigation.PAGE_COLORIZE, label=label, icon=":material/palette:")
