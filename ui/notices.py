"""Notices for models that cannot run yet (why, a download button, the one command), without file paths."""

from __future__ import annotations

import re
from collections.abc import Sequence

import streamlit as st

from core import weights as core_weights
from ui import models as ui_models
from ui import state

_PATH = re.compile(r"(?<![\w:/.~\\])(?:[A-Za-z]:)?(?:[\\/][^\s'\"():;,\\/]+){2,}[\\/]?")


def no_paths(text: str) -> str:
    """An engine message for the page: every file-system path is cut to its last part (the app runs on
    a server; its folders mean nothing to a visitor and are nobody else's business)."""
    return _PATH.sub(lambda m: re.split(r"[\\/]", m.group(0).rstrip("/\\"))[-1], str(text))


_OFFLINE = ("offline", "connectionerror", "timeout", "connecttimeout", "readtimeout", "name or service",
            "temporary failure in name resolution", "max retries")


def plain_fetch_error(message: str) -> str:
    """A failed download in plain words (no URL, no exception name); the raw message goes in "Details"."""
    low = str(message).lower()
    if any(word in low for word in _OFFLINE):
        return ("the download server could not be reached. Is this computer offline? Try again once it is "
                "connected to the internet, or use the command below.")
    if "sha-1" in low or "does not match" in low or "not a valid" in low:
        return ("the file that arrived was not the expected one, so it was deleted. Try again later, or use "
                "the command below.")
    if "could not write" in low or "could not save" in low:
        return str(message)             # no URL in it; the reason (e.g. "No space left on device") is plain
    return "the weights could not be downloaded. Try again later, or use the command below."


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
        state.FETCH_ERROR(key).set(no_paths(e))
        return
    except OSError as e:
        bar.empty()
        state.FETCH_ERROR(key).set(no_paths(f"Could not save the weights: {e.strerror or e}"))
        return
    bar.progress(1.0, text="Downloaded and checked.")
    state.FETCH_ERROR(key).clear()
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
        err = state.FETCH_ERROR(k).get()
        if err:
            st.error(f"The download did not work: {plain_fetch_error(err)}", icon=":material/cloud_off:")
            with st.expander("Details"):
                st.text(err)
        st.caption("Or, on the computer that runs this app (it works offline afterwards):")
        st.code(info.how_to_get, language="bash")
    else:
        st.warning(f"**{info.title} is not available:** {no_paths(info.reason)}.", icon=":material/warning:")
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
