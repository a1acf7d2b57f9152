"""Colorization Studio: bring colour to black-and-white photos, and see how it works.

    streamlit run streamlit_app.py        (or: bash scripts/run.sh)

This file only sets up the page, the sidebar and the navigation; each page is
a thin file in ``pages/``; the numbers and pictures come from ``core/`` and the
Streamlit glue from ``ui/``.

The order matters on a fresh server: the page config and ``st.navigation`` come first, with only light
imports before them (the sidebar shows the app's pages at once, and Streamlit leaves its pages-folder mode,
see ui/navigation.py); the slow imports follow under a "Starting…" spinner.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import streamlit as st  # noqa: E402

from ui import navigation, presentation  # noqa: E402  (light: Streamlit only)

st.set_page_config(
    page_title="Colorization Studio",
    layout="wide" if presentation.presentation_mode() else "centered",
    menu_items={"About": "Colorization Studio: an autoencoder that colours grey photos, for the classroom."},
)
page = navigation.navigation()
navigation.warm_up()

from PIL import Image  # noqa: E402

from core.figures.samples import app_icon  # noqa: E402
from ui import address, photos, training  # noqa: E402  (imported by warm_up under its spinner)

st.set_page_config(page_icon=Image.fromarray(app_icon()))   # drawn locally: a material icon would come from a CDN

photos.restore_from_address()
training.collect()                 # a finished training run's model joins this session's model choice
presentation.sidebar()
address.sync()
presentation.apply_presentation_css()
navigation.mark_entry()
page.run()
