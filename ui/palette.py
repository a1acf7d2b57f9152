"""The Guide page's documented colours: where the current hint colour is documented (new hints carry it into the
result's Content Credentials) and a small palette of documented colours per session, reused, exported and
imported as JSON (:mod:`core.guide.palette` does the checking)."""

from __future__ import annotations

import html

import streamlit as st

from core.guide import HintError
from core.guide.hints import MAX_SOURCE
from core.guide.palette import Documented, added, documented, palette_from_json, palette_to_json
from core.metadata import clean_text
from ui import state


def current_source() -> str | None:
    """What the source field says now (cleaned), or None: new hints are then "chosen by a person"."""
    return clean_text(state.GUIDE_SOURCE.get(), MAX_SOURCE)


def source_field() -> None:
    st.text_input("Where is this colour documented? (optional)", key=state.GUIDE_SOURCE.key, max_chars=MAX_SOURCE,
                  placeholder="e.g. museum catalogue 1953/12, a letter, a fabric sample, a colour photo of the car",
                  help="New hints carry this text. The downloaded result's Content Credentials then say the colour "
                       "is documented, and where; a hint without it is “chosen by a person”, and every other colour "
                       "“guessed by the model”.")


def palette() -> list[Documented]:
    return list(state.GUIDE_PALETTE.get([]))


def _keep() -> None:
    try:
        item = documented(state.GUIDE_COLOUR.get(), state.GUIDE_SOURCE.get(""))
    except HintError as e:
        state.GUIDE_PALETTE_ERROR.set(str(e))
        return
    state.GUIDE_PALETTE.set(added(palette(), item))
    state.GUIDE_PALETTE_ERROR.set(None)


def _use(i: int) -> None:
    items = palette()
    if 0 <= i < len(items):
        state.GUIDE_COLOUR.set(items[i].color)
        state.GUIDE_SOURCE.set(items[i].source)


def _remove(i: int) -> None:
    items = palette()
    if 0 <= i < len(items):
        del items[i]
        state.GUIDE_PALETTE.set(items)


def _import(upload) -> None:
    """Add an uploaded palette file's colours, once per upload."""
    seen = getattr(upload, "file_id", None) or f"{upload.name}:{upload.size}"
    if state.GUIDE_PALETTE_SEEN.get() == seen:
        return
    state.GUIDE_PALETTE_SEEN.set(seen)
    try:
        items = palette_from_json(upload.getvalue())
    except HintError as e:
        state.GUIDE_PALETTE_ERROR.set(f"{upload.name} could not be used: {e}")
        return
    merged = palette()
    for item in items:
        merged = added(merged, item)
    state.GUIDE_PALETTE.set(merged)
    state.GUIDE_PALETTE_ERROR.set(None)


def text(value: str) -> str:
    """A user's text shown inside markdown with HTML: nothing in it is markup."""
    return html.escape(value).replace("\\", "&#92;").replace("*", "&#42;").replace("_", "&#95;") \
        .replace("`", "&#96;").replace("[", "&#91;").replace("]", "&#93;").replace("$", "&#36;")


def swatch(hex_colour: str) -> str:
    return (f'<span style="display:inline-block;width:1.1em;height:1.1em;border:1px solid #000;'
            f'vertical-align:middle;background:{html.escape(hex_colour)}"></span>')


def panel() -> None:
    """The palette: keep the current colour and source, use or remove one, export, import."""
    items = palette()
    with st.expander(f"Documented colours ({len(items)})", expanded=False):
        st.caption("Colours whose real value you know from a source. Keep one, then **Use** it: the colour picker "
                   "and the source field take it, and the hints you place carry the source.")
        st.button("Keep the current colour and its source", key="guide_palette_keep", on_click=_keep,
                  disabled=not current_source(), icon=":material/bookmark_add:",
                  help="Type where the colour is documented first (the field above).")
        for i, item in enumerate(items):
            row = st.columns([6, 1, 1], vertical_alignment="center")
            row[0].markdown(f"{swatch(item.color)} `{item.color}` {text(item.source)}", unsafe_allow_html=True)
            row[1].button("Use", key=f"guide_palette_use_{i}", on_click=_use, args=(i,))
            row[2].button("✕", key=f"guide_palette_del_{i}", on_click=_remove, args=(i,),
                          help="Remove it from the palette")
        c1, c2 = st.columns(2)
        c1.download_button("Export the palette (JSON)", data=palette_to_json(items),
                           file_name="documented_colours.json", mime="application/json", key="guide_palette_export",
                           on_click="ignore",
                           disabled=not items, icon=":material/data_object:")
        upload = c2.file_uploader("Import a palette (JSON)", type=["json"], key="guide_palette_import")
        if upload is not None:
            _import(upload)
            if state.GUIDE_PALETTE_ERROR.get() is None and palette() != items:
                st.rerun()
        problem = state.GUIDE_PALETTE_ERROR.get()
        if problem:
            st.error(problem, icon=":material/block:")
