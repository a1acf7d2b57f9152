"""“Repair scratches and dust first” on the Colorize and Guide pages (core.restore does the work).

:func:`toggle` draws the switch (off by default; one setting for both pages), :func:`prepared` gives the
batch the models see (each photo's grey input repaired, under a new key so results are cached apart),
and :func:`mask_view` shows what was repaired, the mask in a colour over the photo.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
import streamlit as st

from core import images
from ui.cache import BoundedCache

KEY = "restore_first"
LABEL = "Repair scratches and dust first"
MASK_COLOUR = np.array([255, 0, 170], np.uint8)
_CACHE = "_restore_cache"


def _cache() -> BoundedCache:
    if _CACHE not in st.session_state:
        st.session_state[_CACHE] = BoundedCache(max_entries=32, max_bytes=400 * 2**20)
    return st.session_state[_CACHE]


def toggle() -> bool:
    """The switch; True when the photos are to be repaired before colouring."""
    return st.toggle(LABEL, key=KEY, persist_state="session",
                     help="Finds thin scratches, dust and specks (a small learned detector) and fills them from "
                          "their surroundings before any model sees the photo. Nothing else in the photo changes. "
                          "Off by default: a clean photo needs nothing.")


def enabled() -> bool:
    return bool(st.session_state.get(KEY, False))


def _repair(photo) -> tuple[np.ndarray, np.ndarray] | None:
    """(repaired grey RGB, mask) of one photo, cached; None (with a warning) when it cannot be done."""
    from core import restore

    cache = _cache()
    if (photo.key, "rgb") not in cache or (photo.key, "mask") not in cache:
        try:
            with st.spinner(f"Repairing scratches and dust in {photo.name}…"):    # about 1 s per megapixel
                r = restore.restore(photo.grey)
        except (FileNotFoundError, ValueError, MemoryError) as e:
            st.warning(f"Could not repair {photo.name}: {e}", icon=":material/healing:")
            return None
        cache.put((photo.key, "rgb"), r.rgb)
        cache.put((photo.key, "mask"), r.mask)
    return cache.get((photo.key, "rgb")), cache.get((photo.key, "mask"))


def prepared(batch: Sequence) -> list:
    """The batch as the models see it: repaired when the switch is on, else as it is."""
    if not enabled():
        return list(batch)
    out = []
    for photo in batch:
        done = _repair(photo)
        if done is None or not done[1].any():
            out.append(photo)
            continue
        repaired = dataclasses.replace(photo, key=images.image_key(done[0]), grey=done[0])
        _cache().put((repaired.key, "source"), photo.key)
        _cache().put((repaired.key, "photo"), photo)
        out.append(repaired)
    return out


def original(photo):
    """The photo of the batch that a photo of :func:`prepared` was repaired from (itself when it was not)."""
    return _cache().get((photo.key, "photo"), photo)


def overlay(grey: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The photo with its repaired pixels painted in :data:`MASK_COLOUR` (thickened to show when shrunk)."""
    import cv2

    side = max(mask.shape)
    grow = max(1, side // 700)
    shown = cv2.dilate(mask.astype(np.uint8), np.ones((2 * grow + 1,) * 2, np.uint8)).astype(bool)
    out = np.array(grey, copy=True)
    out[shown] = MASK_COLOUR
    return out


def mask_view(photo, side: int = 1024) -> None:
    """“Show what was repaired” for one photo of :func:`prepared` (nothing when the switch is off)."""
    if not enabled():
        return
    source = _cache().get((photo.key, "source"), photo.key)
    mask = _cache().get((source, "mask"))
    if mask is None:
        return
    if not mask.any():
        st.caption("Repair: nothing looked like a scratch or dust in this photo, so nothing changed.")
        return
    if st.toggle("Show what was repaired", key=f"restore_show_{photo.key}"):
        before = _cache().get((source, "rgb"))
        st.image(images.fit_within(overlay(photo.grey if before is None else before, mask), side),
                 caption=f"Repaired pixels in magenta: {int(mask.sum()):,} ({100 * mask.mean():.2f} % of the photo)",
                 width="stretch")


BEFORE_LABEL = "Before repair"


def with_before(photo, versions: dict) -> dict:
    """``versions`` with the unrepaired scan first, when ``photo`` was repaired (for Compare's before/after)."""
    source = original(photo)
    if source is photo or source.grey is photo.grey:
        return versions
    return {BEFORE_LABEL: source.grey, **versions}
