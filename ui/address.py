"""What a reload or a bookmark keeps: presentation mode and the chosen samples, in the address.

``?present=1`` switches presentation mode on; ``?samples=camera,chelsea`` opens those built-in
samples. Uploads are never named there (they stay in the visitor's session only).
"""

from __future__ import annotations

import streamlit as st

PRESENT = "present"
SAMPLES = "samples"


def wanted_presentation() -> bool:
    return st.query_params.get(PRESENT, "") in ("1", "true", "on", "yes")


def wanted_samples() -> list[str]:
    return [n for n in st.query_params.get(SAMPLES, "").split(",") if n]


def sync() -> None:
    """Write the session's choices into the address (called on every run and by the callbacks that
    change them: a page switch may drop the query string)."""
    ss = st.session_state
    params = {}
    if ss.get("presentation"):
        params[PRESENT] = "1"
    if ss.get("batch_samples"):
        params[SAMPLES] = ",".join(ss["batch_samples"])
    if dict(st.query_params) != params:
        st.query_params.from_dict(params)
