"""Presentation mode for a projector: the sidebar toggle, the CSS that makes every text grow, and charts."""

from __future__ import annotations

import streamlit as st

from ui import address, state

# Light on purpose (Streamlit only): the entry script uses it before the slow imports; the charts module
# (plotly, SciPy via the metrics) is imported by chart() when a page draws one.

# Presentation mode (a projector at 1920 x 1080): every text grows, and none shrinks. Streamlit's own
# text sizes are in rem, so the root size carries most of it; the rest is named here by test id.
PRESENTATION_CSS = """
<style>
html, body, [data-testid="stAppViewContainer"] { font-size: 21px; }
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li,
[data-testid="stCaptionContainer"], label, button p { font-size: 1.2rem !important; }
h1 { font-size: 3rem !important; } h2 { font-size: 2.3rem !important; } h3 { font-size: 1.8rem !important; }
[data-testid="stMainBlockContainer"], .block-container { max-width: 96vw !important;
  padding-left: 2vw !important; padding-right: 2vw !important; padding-top: 3rem !important; }
[data-testid="stMetricValue"], [data-testid="stMetricValue"] [data-testid="stMarkdownContainer"] p
  { font-size: 3.2rem !important; line-height: 1.15 !important; }
[data-testid="stMetricLabel"] [data-testid="stMarkdownContainer"] p { font-size: 1.2rem !important; }
[data-testid="stMultiSelect"] *, [data-testid="stSelectbox"] *, [role="listbox"] [role="option"],
[role="listbox"] [role="option"] *, [data-testid="stFileChips"] *, [data-testid="stFileUploaderDropzone"] *,
[data-testid="stSlider"] * { font-size: 1.2rem !important; }
[data-testid="stImageCaption"], [data-testid="stExpander"] summary p { font-size: 1.2rem !important; }
.cs-compare .cs-label { font-size: 1.2rem !important; }
</style>
"""


def presentation_mode() -> bool:
    """Presentation mode: the sidebar switch, which a new session (a reload) takes from ``?present=1``."""
    return bool(state.PRESENTATION.get_or_set(address.wanted_presentation))


def sidebar() -> None:
    """The sidebar of every page: presentation mode and a short orientation."""
    presentation_mode()             # takes ?present=1 before the switch is drawn
    with st.sidebar:
        st.toggle("Presentation mode", key=state.PRESENTATION.key, on_change=address.sync,
                  help="Large text and the full screen width, for a projector. It is kept in the address "
                       "(?present=1), so a bookmark opens the app in presentation mode.")
        st.caption("Colour is guessed by a neural network from the grey picture alone (except on False colour, "
                   "where each colour stands for a measured channel). Nothing you upload leaves this computer.")


def apply_presentation_css() -> None:
    if presentation_mode():
        st.html(PRESENTATION_CSS)


def chart(fig, key: str) -> None:
    """A plotly chart; in presentation mode its text grows with the rest of the page."""
    if presentation_mode():
        from core.figures import charts

        fig = charts.for_projector(fig)
    st.plotly_chart(fig, key=key, config={"displaylogo": False})
