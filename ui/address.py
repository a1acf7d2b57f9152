"""What a reload or a bookmark keeps: presentation mode and the chosen samples, in the address.

``?present=1`` switches presentation mode on; ``?samples=camera,chelsea`` opens those built-in
samples. Uploads are never named there (they stay in the visitor's session only).
"""

from __future__ import annotations

import streamlit as st

from ui import state

PRESENT = "present"
SAMPLES = "samples"


def wanted_presentation() -> bool:
    return st.query_params.get(PRESENT, "") in ("1", "true", "on", "yes")


def wanted_samples() -> list[str]:
    return [n for n in st.query_params.get(SAMPLES, "").split(",") if n]


def sync() -> None:
    """Write the session's choices into the address (called on every run and by the callbacks that
    change them: a page switch may drop the query string)."""
    params = {}
    if state.PRESENTATION.get():
        params[PRESENT] = "1"
    if state.BATCH_SAMPLES.get():
        params[SAMPLES] = ",".join(state.BATCH_SAMPLES.get())
    if dict(st.query_params) != params:
        st.query_params.from_dict(params)
