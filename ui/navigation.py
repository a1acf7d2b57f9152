"""The app's pages (one list for the entry script and the guard), and the guard every page calls first.

Why the guard: Streamlit 1.67 decides once per server process whether it is a "pages directory" app
(``PagesManager.uses_pages_directory``: true when a ``pages/`` folder sits next to the entry script) and leaves
that mode only when ``st.navigation`` runs. Until then every script run builds a navigation from the files of
``pages/`` and, when the address names one of them (``/colorize``, ``/compare``, ``/channels``, ``/metrics``,
``/guide``: the file names without their number), runs that file directly, without ``streamlit_app.py``: the
sidebar lists the files ("streamlit app", "colorize", …), ``?samples=`` and ``?present=1`` are ignored, and the
page config is not set. So the first visitor after a restart who reloads a page's address saw that, and so did
everyone after them until somebody opened ``/``.

:func:`require_app` notices such a run (the entry script leaves a mark just before it runs the page) and, before
the page draws anything, hands Streamlit the app's own navigation (which ends the folder mode for the whole
process) and reruns: the same address now runs through ``streamlit_app.py``.
"""

from __future__ import annotations

import importlib
import sys

import streamlit as st

# Light on purpose (only Streamlit): the entry script calls st.navigation before anything slow is imported.

PAGE_COLORIZE = "pages/1_colorize.py"
PAGE_COMPARE = "pages/2_compare.py"
PAGE_CHANNELS = "pages/3_channels.py"
PAGE_METRICS = "pages/4_metrics.py"
PAGE_HOW = "pages/5_how_it_works.py"
PAGE_GUIDE = "pages/6_guide.py"
PAGE_FILM = "pages/7_old_film.py"
PAGE_TRAIN = "pages/8_train_your_own.py"

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
]

# What every page needs (scikit-image, SciPy, Pillow, …): a few seconds to import on a busy machine, once per
# server process. TensorFlow is not among them: it loads with the first photo a model colours.
HEAVY_MODULES = ("ui.photos", "ui.widgets", "ui.training", "ui.results")
STARTING = "Starting Colorization Studio: the first visit after a restart takes a few seconds…"

ENTRY_MARK = "_studio_entry_ran"      # set by the entry script right before page.run(), taken by require_app()


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
    with st.spinner(STARTING):
        for name in missing:
            importlib.import_module(name)


def mark_entry() -> None:
    """Called by ``streamlit_app.py`` just before it runs the page."""
    st.session_state[ENTRY_MARK] = True


def require_app() -> None:
    """First line of every page: when this page runs without ``streamlit_app.py`` (Streamlit's pages-folder
    mode, see the module text), switch to the app's navigation and rerun the same address through the entry
    script; nothing of the page is drawn in that run."""
    if st.session_state.pop(ENTRY_MARK, False):
        return
    navigation()          # the app's sidebar at once, and the folder mode ends for every later run
    st.rerun()
