"""The entry script's body (:func:`main`), the app's pages, and the guard every page calls first.

Why the guard: Streamlit 1.67 decides once per server process whether it is a "pages directory" app
(``PagesManager.uses_pages_directory``: true when a ``pages/`` folder sits next to the entry script) and leaves
that mode only when ``st.navigation`` runs. Until then every script run builds a navigation from the files of
``pages/`` and, when the address names one of them (``/colorize``, ``/compare``, ``/channels``, ``/metrics``,
``/guide``: the file names without their number), runs that file directly, without ``streamlit_app.py``: the
sidebar lists the files ("streamlit app", "colorize", …), ``?samples=`` and ``?present=1`` are ignored, and the
page config is not set. So the first visitor after a restart who reloads a page's address saw that, and so did
everyone after them until somebody opened ``/``.

:func:`require_app` notices such a run (the entry script leaves a mark just before it runs the page) and, before
the page draws anything, runs the entry script's body (:func:`main`) in its place: the app's own navigation
(which ends the folder mode for the whole process), the address honoured, the page the address names.
"""

from __future__ import annotations

import importlib
import sys
import time
from pathlib import Path

import streamlit as st

from ui import state

# Light on purpose (only Streamlit): the entry script calls st.navigation before anything slow is imported.

PAGE_COLORIZE = "pages/1_colorize.py"
PAGE_COMPARE = "pages/2_compare.py"
PAGE_CHANNELS = "pages/3_channels.py"
PAGE_METRICS = "pages/4_metrics.py"
PAGE_HOW = "pages/5_how_it_works.py"
PAGE_GUIDE = "pages/6_guide.py"
PAGE_FILM = "pages/7_old_film.py"
PAGE_TRAIN = "pages/8_train_your_own.py"
PAGE_FALSE_COLOUR = "pages/9_false_colour.py"
PAGE_SPECIALISE = "pages/10_specialise.py"

# (page file, title, icon, url path); the first is the default page
PAGES = [
    (PAGE_COLORIZE, "Colorize", ":material/palette:", "colorize"),
    (PAGE_GUIDE, "Guide the colours", ":material/brush:", "guide"),
    (PAGE_FILM, "Old film", ":material/movie:", "old-film"),
    (PAGE_COMPARE, "Compare", ":material/compare:", "compare"),
    (PAGE_CHANNELS, "Channels", ":material/layers:", "channels"),
    (PAGE_METRICS, "Metrics", ":material/straighten:", "metrics"),
    (PAGE_HOW, "How it works", ":material/school:", "how-it-works"),
    (PAGE_TRAIN, "Train your own", ":material/model_training:", "train"),
    (PAGE_SPECIALISE, "Teach it your world", ":material/tune:", "specialise"),
    (PAGE_FALSE_COLOUR, "False colour", ":material/science:", "false-colour"),
]

# What every page needs (scikit-image, SciPy, Pillow, …): a few seconds to import on a busy machine, once per
# server process. TensorFlow is not among them: it loads with the first photo a model colours.
HEAVY_MODULES = ("ui.photos", "ui.colouring", "ui.pickers", "ui.training", "ui.results")
STARTING = "Starting Colorization Studio: the first visit after a restart takes a few seconds…"

# The favicon: core.figures.samples.app_icon() drawn once into this file (drawing it needs scikit-image, too slow
# before the navigation; a test checks the file is that drawing)
APP_ICON = Path(__file__).resolve().parent / "app_icon.png"


def app_pages() -> list:
    return [st.Page(path, title=title, icon=icon, url_path=url, default=i == 0)
            for i, (path, title, icon, url) in enumerate(PAGES)]


def navigation():
    """``st.navigation`` with the app's pages (it also ends Streamlit's pages-folder mode for the process)."""
    return st.navigation(app_pages())


def warm_up() -> None:
    """The first run after a server start imports the heavy modules under a spinner that says why it waits
    (before, the page stayed blank or half drawn for that long with no sign of life); later runs skip it."""
    missing = [m for m in HEAVY_MODULES if m not in sys.modules]
    if not missing:
        return
    # A breath first: the imports hold the GIL, and the server thread that sends the navigation to the browser
    # (replacing Streamlit's own list of the pages/ files, see the module text) waited for them (measured 0.8 s).
    time.sleep(0.15)
    with st.spinner(STARTING):
        for name in missing:
            importlib.import_module(name)


def main() -> None:
    """The entry script's whole run (``streamlit_app.py`` calls only this): page config and ``st.navigation``
    first, with nothing slow before them, so the sidebar shows the app's pages at once; then the slow imports
    (:func:`warm_up`), the session's photos from the address, the sidebar, and the page."""
    from ui import presentation  # light, like this module

    st.set_page_config(
        page_title="Colorization Studio",
        page_icon=str(APP_ICON),        # before st.navigation: else the page's material icon is fetched from a CDN
        layout="wide" if presentation.presentation_mode() else "centered",
        menu_items={"About": "Colorization Studio: an autoencoder that colours grey photos, for the classroom."},
    )
    page = navigation()
    warm_up()

    from ui import address, photos, specialise, training

    photos.restore_from_address()
    training.collect()             # a finished training run's model joins this session's model choice
    specialise.collect()           # ... and so does a finished specialisation
    presentation.sidebar()
    address.sync()
    presentation.apply_presentation_css()
    state.ENTRY_MARK.set(True)          # taken by the page's require_app()
    page.run()


def require_app() -> None:
    """First line of every page: when this page runs without the entry script (Streamlit's pages-folder mode,
    see the module text), run the entry script's :func:`main` right here, which runs the page the address names
    through the app's navigation (and ends the folder mode for the whole process), then stop this outer run.
    Nothing of the outer page is drawn, and the run's widget events (a pressed button) are kept: a rerun instead
    would lose them."""
    if state.ENTRY_MARK.pop(False):
        return
    main()
    st.stop()
