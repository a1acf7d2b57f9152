"""Colorization Studio: bring colour to black-and-white photos, and see how it works.

    streamlit run streamlit_app.py        (or: bash scripts/run.sh)

This file only sets up the page, the sidebar and the navigation; each page is
a thin file in ``pages/``; the numbers and pictures come from ``core/`` and the
Streamlit glue from ``ui/``.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import streamlit as st  # noqa: E402
from PIL import Image  # noqa: E402

from core.figures.samples import app_icon  # noqa: E402
from ui import address, photos, presentation, training, widgets  # noqa: E402

st.set_page_config(
    page_title="Colorization Studio",
    page_icon=Image.fromarray(app_icon()),   # drawn locally: a material icon would be fetched from a CDN
    layout="wide" if presentation.presentation_mode() else "centered",
    menu_items={"About": "Colorization Studio: an autoencoder that colours grey photos, for the classroom."},
)

pages = [
    st.Page(widgets.PAGE_COLORIZE, title="Colorize", icon=":material/palette:", url_path="colorize", default=True),
    st.Page(widgets.PAGE_GUIDE, title="Guide the colours", icon=":material/brush:", url_path="guide"),
    st.Page(widgets.PAGE_FILM, title="Old film", icon=":material/movie:", url_path="old-film"),
    st.Page(widgets.PAGE_COMPARE, title="Compare", icon=":material/compare:", url_path="compare"),
    st.Page(widgets.PAGE_CHANNELS, title="Channels", icon=":material/layers:", url_path="channels"),
    st.Page(widgets.PAGE_METRICS, title="Metrics", icon=":material/straighten:", url_path="metrics"),
    st.Page(widgets.PAGE_HOW, title="How it works", icon=":material/school:", url_path="how-it-works"),
    st.Page(widgets.PAGE_TRAIN, title="Train your own", icon=":material/model_training:", url_path="train"),
]
page = st.navigation(pages)
photos.restore_from_address()
training.collect()                 # a finished training run's model joins this session's model choice
presentation.sidebar()
address.sync()
presentation.apply_presentation_css()
page.run()
