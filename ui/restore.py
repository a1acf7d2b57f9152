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
from ui import state
from ui.cache import BoundedCache
from ui.photos import MAX_PHOTOS

LABEL = "Repair scratches and dust first"
MASK_COLOUR = np.array([255, 0, 170], np.uint8)
MAX_REPAIR_BYTES = 400 * 2**20     # the repaired photos and masks of a session (4 bytes a pixel: 100 MP)


@dataclasses.dataclass(frozen=True)
class Repair:
    """One photo's repair, the cache's one entry for it: the repaired grey RGB, the mask of what changed, the
    photo it was made from, and the key the repaired photo is known by (its pixels' key)."""

    rgb: np.ndarray
    mask: np.ndarray
    photo: object
    key: str

    @property
    def nbytes(self) -> int:
        return int(self.rgb.nbytes + self.mask.nbytes)


def _cache() -> BoundedCache:
    """The session's repairs, one entry per photo of the batch (keyed by the photo's key): every photo a
    session may hold (:data:`ui.photos.MAX_PHOTOS`) stays repaired across reruns, within the byte bound."""
    return state.REPAIRS.get_or_set(lambda: BoundedCache(max_entries=MAX_PHOTOS, max_bytes=MAX_REPAIR_BYTES))


def _by_repaired_key(key: str) -> Repair | None:
    """The repair whose repaired photo has ``key`` (a scan of at most MAX_PHOTOS entries)."""
    return next((r for r in _cache().values() if r.key == key), None)


def toggle() -> bool:
    """The switch; True when the photos are to be repaired before colouring."""
    return st.toggle(LABEL, key=state.RESTORE_FIRST.key, persist_state="session",
                     help="Finds thin scratches, dust and specks (a small learned detector) and fills them from "
                          "their surroundings before any model sees the photo. Nothing else in the photo changes. "
                          "Off by default: a clean photo needs nothing.")


def enabled() -> bool:
    return bool(state.RESTORE_FIRST.get(False))


def _repair(photo) -> Repair | None:
    """The repair of one photo, cached; None (with a warning) when it cannot be done."""
    from core import restore

    cache = _cache()
    done = cache.get(photo.key)
    if done is None:
        try:
            with st.spinner(f"Repairing scratches and dust in {photo.name}…"):    # 0.5-1 s per megapixel
                r = restore.restore(photo.grey)
        except (FileNotFoundError, ValueError, MemoryError) as e:
            st.warning(f"Could not repair {photo.name}: {e}", icon=":material/healing:")
            return None
        done = Repair(r.rgb, r.mask, photo, images.image_key(r.rgb) if r.mask.any() else photo.key)
        cache.put(photo.key, done)
    return done


def prepared(batch: Sequence) -> list:
    """The batch as the models see it: repaired when the switch is on, else as it is."""
    if not enabled():
        return list(batch)
    out = []
    for photo in batch:
        done = _repair(photo)
        if done is None or not done.mask.any():
            out.append(photo)
            continue
        out.append(dataclasses.replace(photo, key=done.key, grey=done.rgb, repaired=float(done.mask.mean())))
    return out


def original(photo):
    """The photo of the batch that a photo of :func:`prepared` was repaired from (itself when it was not)."""
    done = _by_repaired_key(photo.key)
    return photo if done is None or done.photo.key == photo.key else done.photo


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
    done = _cache().get(photo.key) or _by_repaired_key(photo.key)
    if done is None:
        return
    mask = done.mask
    if not mask.any():
        st.caption("Repair: nothing looked like a scratch or dust in this photo, so nothing changed.")
        return
    if st.toggle("Show what was repaired", key=f"restore_show_{photo.key}"):
        st.image(images.fit_within(overlay(done.rgb, mask), side),
                 caption=f"Repaired pixels in magenta: {int(mask.sum()):,} ({100 * mask.mean():.2f} % of the photo)",
                 width="stretch")


BEFORE_LABEL = "Before repair"


def with_before(photo, versions: dict) -> dict:
    """``versions`` with the unrepaired scan first, when ``photo`` was repaired (for Compare's before/after)."""
    source = original(photo)
    if source is photo or source.grey is photo.grey:
        return versions
    return {BEFORE_LABEL: source.grey, **versions}
