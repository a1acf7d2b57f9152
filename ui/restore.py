"""“Repair scratches and dust first” on the Colorize and Guide pages (core.restore does the work).

:func:`toggle` draws the switch (off by default; one setting for both pages), :func:`prepared` gives the
batch the models see (each photo's grey input repaired, under a new key so results are cached apart),
and :func:`mask_view` shows what was repaired, the mask in a colour over the photo, on a canvas where the
user paints over damage the detector missed (issue 34: a scratch as wide as a pole, a dense cluster of dust);
the painted strokes are repaired too (:class:`core.restore.Mark`), each photo keeps its own.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
import streamlit as st

from core import images
from ui import state, words
from ui.cache import BoundedCache
from ui.photos import MAX_PHOTOS

LABEL = "Repair scratches and dust first"
MASK_COLOUR = np.array([255, 0, 170], np.uint8)
MARK_COLOUR = "#{:02x}{:02x}{:02x}".format(*MASK_COLOUR)     # the strokes painted over damage, like the mask
DEFAULT_BRUSH = "medium"
MAX_REPAIR_BYTES = 400 * 2**20     # the repaired photos and masks of a session (4 bytes a pixel: 100 MP)


@dataclasses.dataclass(frozen=True)
class Repair:
    """One photo's repair, the cache's one entry for it: the repaired grey RGB, the mask of what changed, the
    photo it was made from, and the key the repaired photo is known by (its pixels' key)."""

    rgb: np.ndarray
    mask: np.ndarray
    photo: object
    key: str
    marks: tuple = ()

    @property
    def nbytes(self) -> int:
        return int(self.rgb.nbytes + self.mask.nbytes)


def _cache() -> BoundedCache:
    """The session's repairs, one entry per photo of the batch (keyed by the photo's key): every photo a
    session may hold (:data:`ui.photos.MAX_PHOTOS`) stays repaired across reruns, within the byte bound."""
    return state.REPAIRS.get_or_set(lambda: BoundedCache(max_entries=MAX_PHOTOS, max_bytes=MAX_REPAIR_BYTES))


def _repair_of(photo) -> Repair | None:
    """The cached repair a photo of the batch or of :func:`prepared` comes from (a repaired one names the photo
    it was uploaded as: ``upload_key``)."""
    return _cache().get(photo.upload_key or photo.key)


def toggle() -> bool:
    """The switch; True when the photos are to be repaired before colouring."""
    return st.toggle(LABEL, key=state.RESTORE_FIRST.key, persist_state="session",
                     help="Finds thin scratches, dust and specks (a small learned detector) and fills them from "
                          "their surroundings before any model sees the photo. Nothing else in the photo changes. "
                          "Off by default: a clean photo needs nothing.")


def enabled() -> bool:
    return bool(state.RESTORE_FIRST.get(False))


def marks_of(photo_key: str) -> tuple:
    """The strokes painted over damage on this photo (core.restore.Mark, in its pixels)."""
    return tuple(state.REPAIR_MARKS.get({}).get(photo_key, ()))


def _set_marks(photo_key: str, marks: tuple) -> None:
    kept = dict(state.REPAIR_MARKS.get({}))
    if marks:
        kept[photo_key] = tuple(marks)
    else:
        kept.pop(photo_key, None)
    state.REPAIR_MARKS.set(kept)


def undo_mark(photo_key: str) -> None:
    _set_marks(photo_key, marks_of(photo_key)[:-1])


def clear_marks(photo_key: str) -> None:
    _set_marks(photo_key, ())


def brush_radius(width: int, height: int) -> float:
    from ui import guide

    return guide.brush_radius(state.REPAIR_BRUSH.get(DEFAULT_BRUSH), width, height)


def take_marks(photo) -> list[str]:
    """Turn the strokes the photo's repair canvas queued into marks (the brush's size); the problems, said
    as friendly sentences (a stroke that arrived damaged, too many marks)."""
    from core import restore
    from core.guide import HintError
    from ui import guide
    from ui.hint_canvas import fresh_strokes, pending_strokes

    strokes = fresh_strokes(pending_strokes(state.REPAIR_CANVAS(photo.key)), state.REPAIR_DONE_IDS)
    height, width = photo.grey.shape[:2]
    marks, problems = list(marks_of(photo.key)), []
    for stroke in strokes:
        try:
            mark = restore.Mark(guide.stroke_points(stroke, width, height), brush_radius(width, height))
            restore.check_marks([*marks, mark], width, height)
        except (HintError, ValueError) as e:
            problems.append(str(e).capitalize() + ".")
            continue
        marks.append(mark)
    if len(marks) != len(marks_of(photo.key)):
        _set_marks(photo.key, tuple(marks))
    return problems


def _repair(photo) -> Repair | None:
    """The repair of one photo (with the strokes painted on it), cached; None (with a warning) when it cannot
    be done."""
    from core import restore

    cache = _cache()
    marks = marks_of(photo.key)
    done = cache.get(photo.key)
    if done is None or done.marks != marks:
        try:
            with st.spinner(f"Repairing scratches and dust in {photo.name}…"):    # 0.5-1 s per megapixel
                r = restore.restore(photo.grey, marks=marks)
        except (FileNotFoundError, ValueError, MemoryError) as e:
            st.warning(f"Could not repair {photo.name}: {e}", icon=":material/healing:")
            return None
        done = Repair(r.rgb, r.mask, photo, images.image_key(r.rgb) if r.mask.any() else photo.key, marks)
        cache.put(photo.key, done)
    return done


def prepared(batch: Sequence) -> list:
    """The batch as the models see it: repaired when the switch is on, else as it is."""
    if not enabled():
        return list(batch)
    out = []
    for photo in batch:
        for problem in take_marks(photo):
            st.warning(problem, icon=":material/healing:")
        done = _repair(photo)
        if done is None or not done.mask.any():
            out.append(photo)
            continue
        out.append(dataclasses.replace(photo, key=done.key, grey=done.rgb, repaired=float(done.mask.mean()),
                                       repair_marks=len(done.marks), upload_key=photo.key))
    return out


def original(photo):
    """The photo of the batch that a photo of :func:`prepared` was repaired from (itself when it was not)."""
    done = _repair_of(photo) if photo.upload_key else None
    return photo if done is None else done.photo


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
    """“Show what was repaired” for one photo of :func:`prepared` (nothing when the switch is off): the mask
    in magenta over the repaired photo, on a canvas where a stroke paints over damage the detector missed."""
    if not enabled():
        return
    done = _repair_of(photo)
    if done is None:
        return
    from core.figures import export
    from ui import guide
    from ui.hint_canvas import hint_canvas

    source, mask = done.photo, done.mask
    if not mask.any():
        st.caption("Repair: nothing looked like a scratch or dust in this photo, so nothing changed.")
    if not st.toggle("Show what was repaired", key=f"restore_show_{source.key}",
                     help="The repaired pixels in magenta. Draw along a scratch the repair missed, or click on "
                          "dust: it is repaired too."):
        return
    height, width = mask.shape
    marks = done.marks
    state.REPAIR_BRUSH.setdefault(DEFAULT_BRUSH)
    c1, c2, c3 = st.columns([2, 1, 1], vertical_alignment="bottom")
    c1.select_slider("Repair brush", options=list(guide.BRUSHES), key=state.REPAIR_BRUSH.key,
                     persist_state="session", help="Draw along a wide scratch the repair missed: all the stroke "
                                                   "covers is filled from its surroundings. Click on dust with a brush "
                                                   "wider than the whole patch of specks: those that stand out from "
                                                   "around the brush are filled.")
    c2.button("Undo stroke", key=f"repair_undo_{source.key}", on_click=undo_mark, args=(source.key,),
              disabled=not marks, icon=":material/undo:", width="stretch")
    c3.button("Clear strokes", key=f"repair_clear_{source.key}", on_click=clear_marks, args=(source.key,),
              disabled=not marks, icon=":material/delete_sweep:", width="stretch")
    hint_canvas(export.to_data_uri(overlay(done.rgb, mask), max_side=side), key=state.REPAIR_CANVAS.key(source.key),
                hints=guide.canvas_marks(marks, width, height, MARK_COLOUR), done=list(state.REPAIR_DONE_IDS.get([])),
                color=MARK_COLOUR,
                radius=brush_radius(width, height) / width, image_id=f"repair-{done.key}-{len(marks)}",
                label=f"{source.name}: the repaired pixels in magenta; paint over damage the repair missed")
    said = (f" · {words.plural(len(marks), 'stroke')} painted by you" if marks else
            " · draw along a scratch it missed, or click on dust")
    st.caption(f"Repaired pixels in magenta: {int(mask.sum()):,} ({100 * mask.mean():.2f} % of the photo){said}")


BEFORE_LABEL = "Before repair"


def with_before(photo, versions: dict) -> dict:
    """``versions`` with the unrepaired scan first, when ``photo`` was repaired (for Compare's before/after)."""
    source = original(photo)
    if source is photo or source.grey is photo.grey:
        return versions
    return {BEFORE_LABEL: source.grey, **versions}
