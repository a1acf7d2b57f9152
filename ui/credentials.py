"""Content Credentials in the app: what the downloads carry (:func:`note`) and what an uploaded photo's own
credentials say (:func:`upload_view`); :mod:`core.credentials` does the work."""

from __future__ import annotations

import streamlit as st

from core import credentials
from ui import state

MAX_REPORTS = 32


def problem() -> str | None:
    """Why this server cannot sign its downloads (a certificate C2PA refuses, an unreadable key), or None;
    tried once per setting and session (:func:`core.credentials.check`)."""
    signing = credentials.Signing.from_env()
    if not signing.enabled:
        return None
    checked = state.CREDENTIALS_CHECKED.get_or_set(dict)
    if signing not in checked:
        try:
            credentials.check(signing)
            checked[signing] = None
        except credentials.CredentialsError as e:
            checked[signing] = str(e)
    return checked[signing]


def warning() -> bool:
    """A warning when the downloads cannot be signed (they are still made, without credentials)."""
    why = problem()
    if why:
        st.warning(f"Downloads carry no Content Credentials on this server: {why}", icon=":material/warning:")
    return bool(why)


def note() -> None:
    """One caption under the downloads: signed or not, and why "untrusted" is expected."""
    signing = credentials.Signing.from_env()
    if warning():
        return
    if not signing.enabled:
        st.caption("Downloads carry no Content Credentials on this server (STUDIO_CREDENTIALS=off); the XMP note "
                   "still marks them as AI-coloured.")
        return
    whose = "this institution's certificate" if signing.cert else "a key made on this server"
    st.caption(f"Downloads carry signed **Content Credentials** (C2PA): the source file, each step, and which "
               f"colours were documented, chosen by you or guessed by the model. They are signed with {whose}, so a "
               "checker such as contentcredentials.org/verify calls them valid but *untrusted* (no public "
               "authority vouches for the signer); any change to the pixels shows as a mismatch. "
               "`python -m core credentials FILE` prints them.")


def _report(source) -> dict:
    """The upload's report, read once per file per session (a bounded cache)."""
    cache = state.UPLOAD_CREDENTIALS.get_or_set(dict)
    report = cache.get(source.sha256)
    if report is None:
        report = credentials.read(source.data) if source.data is not None else \
            {"credentials": False, "message": "no Content Credentials"}
        if len(cache) >= MAX_REPORTS:
            cache.pop(next(iter(cache)))
        cache[source.sha256] = report
    return report


def upload_view(photo) -> None:
    """For an upload that carries Content Credentials: a line on what they say, the details behind a toggle;
    the results' downloads keep them as their source's. Nothing for other photos. What the file itself says (the
    signer's name, its texts, the library's message about it) is shown as plain text, never as markdown."""
    source = getattr(photo, "source", None)
    if source is None or not source.carries_credentials:
        return
    report = _report(source)
    if report.get("credentials") is None:
        st.caption("The upload's Content Credentials cannot be read; the downloads name it as their source "
                   "without them.")
        st.text(report.get("message", "unreadable"))
        return
    if not report.get("credentials"):
        return
    state = "changed after signing" if report["changed"] else credentials.report.STATES.get(report["state"], "")
    st.caption(f"The upload carries **Content Credentials** ({state}); the downloads keep them as their "
               "source's.")
    if st.toggle("Show the upload's Content Credentials", key=f"credentials_show_{photo.key}"):
        st.code("\n".join(credentials.describe(report)), language=None, wrap_lines=True)
