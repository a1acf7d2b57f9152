"""Colorization Studio: bring colour to black-and-white photos, and see how it works.

    streamlit run streamlit_app.py        (or: bash scripts/run.sh)

This file only starts the app: ``ui.navigation.main`` sets up the page, the sidebar and the navigation (in
that order, with nothing slow before ``st.navigation``: see ui/navigation.py); each page is a thin file in
``pages/``; the numbers and pictures come from ``core/`` and the Streamlit glue from ``ui/``.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from ui import navigation, offline  # noqa: E402  (light: Streamlit only)

offline.no_external_ip_lookup()         # a page of another origin must not make the server ask the internet
navigation.main()
