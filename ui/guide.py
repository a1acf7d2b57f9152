"""The Guide page's state: each photo's hints and reference, the clicks and strokes of the canvas turned
into hints, and the guided result (kept with the session's results so the other pages show and score it).

The numbers are :mod:`core.guide`'s; this file only keeps the session's state.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from core import guide as core_guide
from core import images
from core.guide import Hint, HintError, ReferencePhotoError
from ui import results, state
from ui.hint_canvas import fresh_strokes
from ui.palette import current_source, text

GUIDED = "guided"                         # the results-cache entry (photo key, GUIDED): the latest guided result
GUIDED_LABEL = "Guided (your hints)"      # its label on the Compare, Channels and Metrics pages
PAINT, PICK = "Paint a hint", "Pick the colour the model put here"
BRUSHES = {"fine": 0.004, "small": 0.008, "medium": 0.015, "large": 0.03}   # radius / long side of the photo
DEFAULT_BRUSH = "small"
DEFAULT_COLOUR = "#2e86de"
MAX_REFERENCE_SIDE = 2048                 # a reference is only matched on a small copy; keep no more


def _per_photo(slot: state.Slot[dict]) -> dict:
    return slot.get_or_set(dict)


# --------------------------------------------------------------------------- hints


def hints_of(photo_key: str) -> list[Hint]:
    return list(_per_photo(state.GUIDE_HINTS).get(photo_key, []))


def set_hints(photo_key: str, hints: Sequence[Hint]) -> None:
    _per_photo(state.GUIDE_HINTS)[photo_key] = list(hints)[: core_guide.hints.MAX_HINTS]


def undo(photo_key: str) -> None:
    set_hints(photo_key, hints_of(photo_key)[:-1])


def clear(photo_key: str) -> None:
    set_hints(photo_key, [])


def owner(photo) -> str:
    """The key a photo's hints and reference are kept under: the photo as uploaded. Its repair (and the strokes
    painted over its damage) change the key of what the models see, not whose hints they are."""
    return getattr(photo, "upload_key", None) or photo.key


def forget_other_photos(keep: set[str]) -> None:
    """Drop the hints and references of photos that left the batch."""
    for slot in (state.GUIDE_HINTS, state.GUIDE_REFS):
        store = _per_photo(slot)
        for k in [k for k in store if k not in keep]:
            del store[k]


def brush_radius(brush: str, width: int, height: int) -> float:
    """The brush's radius in pixels of a ``width`` x ``height`` photo (at least one pixel)."""
    return max(1.0, BRUSHES.get(brush, BRUSHES[DEFAULT_BRUSH]) * max(width, height))


def _fraction(v) -> float | None:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(float(v)):
        return None
    return float(v)


def stroke_points(stroke, width: int, height: int) -> tuple[tuple[float, float], ...]:
    """A stroke of the canvas (points as 0-1 fractions) in pixels; HintError when it is not one or leaves
    the picture."""
    points = stroke.get("points") if isinstance(stroke, dict) else None
    if not isinstance(points, list) or not points or len(points) > core_guide.hints.MAX_STROKE_POINTS:
        raise HintError("a click or stroke on the photo arrived damaged and was ignored")
    out = []
    for p in points:
        if not isinstance(p, (list, tuple)) or len(p) != 2:
            raise HintError("a click or stroke on the photo arrived damaged and was ignored")
        x, y = _fraction(p[0]), _fraction(p[1])
        if x is None or y is None:
            raise HintError("a click or stroke on the photo arrived damaged and was ignored")
        if not (0.0 <= x <= 1.0 and 0.0 <= y <= 1.0):
            raise HintError(f"a click at ({x:g}, {y:g}) is outside the photo and was ignored")
        out.append((min(max(x * width - 0.5, 0.0), width - 1.0), min(max(y * height - 0.5, 0.0), height - 1.0)))
    return tuple(out)


def colour_at(rgb: np.ndarray, x: float, y: float, radius: float) -> str:
    """The mean colour of ``rgb`` over a small disk around (x, y), as ``#rrggbb``."""
    h, w = rgb.shape[:2]
    r = int(max(1, min(radius, 12)))
    cx, cy = int(round(x)), int(round(y))
    yy, xx = np.ogrid[max(0, cy - r):min(h, cy + r + 1), max(0, cx - r):min(w, cx + r + 1)]
    patch = rgb[yy, xx]
    disk = (yy - cy) ** 2 + (xx - cx) ** 2 <= r * r
    mean = patch[disk].reshape(-1, 3).astype(np.float64).mean(0) if disk.any() else rgb[cy, cx]
    return "#{:02x}{:02x}{:02x}".format(*(int(round(v)) for v in mean))


@dataclass
class Taken:
    """What the canvas's new strokes did: hints added, a colour picked, messages for the user."""

    added: int = 0
    picked: str | None = None
    problems: list[str] | None = None


def take_strokes(photo_key: str, strokes, width: int, height: int, base: np.ndarray | None) -> Taken:
    """Use the strokes the canvas queued that were not used yet: each becomes a hint (current colour and
    brush), or, in pick mode, sets the colour picker to the colour the model put there. Run before the
    colour picker and the tool switch are drawn (it may set them)."""
    taken = Taken(problems=[])
    hints = hints_of(photo_key)
    colour = state.GUIDE_COLOUR.get(DEFAULT_COLOUR)
    radius = brush_radius(state.GUIDE_BRUSH.get(DEFAULT_BRUSH), width, height)
    for stroke in fresh_strokes(strokes, state.GUIDE_DONE_IDS):
        try:
            points = stroke_points(stroke, width, height)
        except HintError as e:
            taken.problems.append(str(e).capitalize() + ".")
            continue
        if state.GUIDE_TOOL.get() == PICK:
            if base is not None:
                taken.picked = colour_at(base, *points[0], radius)
            continue
        try:
            hint = core_guide.as_hint((points, core_guide.parse_color(colour), radius))
            hints.append(replace(hint, source=current_source()))        # where its colour is documented
        except HintError as e:
            taken.problems.append(str(e).capitalize() + ".")
            continue
        taken.added += 1
    if taken.added:
        set_hints(photo_key, hints)
    if taken.picked:
        state.GUIDE_COLOUR.set(taken.picked)
        state.GUIDE_TOOL.set(PAINT)
    return taken


def canvas_marks(hints: Sequence, width: int, height: int, color: str | None = None) -> list[dict]:
    """The hints (or anything with ``points`` and ``radius`` in pixels, drawn in ``color``: the repair's strokes)
    for the canvas to draw: 0-1 coordinates, radius as a fraction of the width."""
    return [{"points": [[(x + 0.5) / width, (y + 0.5) / height] for x, y in h.points], "color": color or h.hex,
             "radius": h.radius / width} for h in hints]


def done_ids() -> list[str]:
    return list(state.GUIDE_DONE_IDS.get([]))


def load_hints_file(photo_key: str, upload, width: int, height: int) -> tuple[bool, str | None]:
    """Replace the photo's hints with an uploaded hints file, once per upload: (whether they changed now,
    a friendly error or None)."""
    signature = (photo_key, getattr(upload, "file_id", None) or f"{upload.name}:{upload.size}")
    if state.GUIDE_HINTS_UPLOAD_SEEN.get() == signature:
        return False, state.GUIDE_HINTS_UPLOAD_ERROR.get()
    state.GUIDE_HINTS_UPLOAD_SEEN.set(signature)
    try:
        hints = core_guide.hints_from_json(upload.getvalue(), width, height)
    except HintError as e:
        msg = f"**{upload.name}** could not be used: {e}."
        state.GUIDE_HINTS_UPLOAD_ERROR.set(msg)
        return False, msg
    set_hints(photo_key, hints)
    state.GUIDE_HINTS_UPLOAD_ERROR.set(None)
    return True, None


def remove(photo_key: str, index: int) -> None:
    hints = hints_of(photo_key)
    if 0 <= index < len(hints):
        del hints[index]
        set_hints(photo_key, hints)


def add_sample_hints(photo, radius: float, n: int = 10) -> None:
    """Test mode: ``n`` hints in the colours of the photo's colour original, at random spots (a new draw
    each time)."""
    if photo.reference is None:
        return
    hints = hints_of(owner(photo))
    new = core_guide.sample_hints(photo.reference, n, seed=len(hints), radius=int(round(radius)))
    set_hints(owner(photo), hints + new)


def describe(index: int, hint: Hint) -> str:
    """One line of the hint list (markdown with a colour swatch; the colour is a formatted #rrggbb)."""
    x, y = hint.points[0]
    what = f"stroke of {len(hint.points)} points from ({x:.0f}, {y:.0f})" if hint.is_stroke else \
        f"click at ({x:.0f}, {y:.0f})"
    swatch = (f'<span style="display:inline-block;width:1.1em;height:1.1em;border:1px solid #000;'
              f'vertical-align:middle;background:{hint.hex}"></span>')
    source = f" · documented: {text(hint.source)}" if hint.source else ""
    return f"{index + 1}. {swatch} `{hint.hex}` {what}, radius {hint.radius:.0f} px{source}"


# --------------------------------------------------------------------------- reference


def reference_of(photo_key: str) -> tuple[str, np.ndarray] | None:
    return _per_photo(state.GUIDE_REFS).get(photo_key)


def drop_reference(photo_key: str) -> None:
    _per_photo(state.GUIDE_REFS).pop(photo_key, None)


def take_reference(photo_key: str, upload) -> str | None:
    """Decode an uploaded reference photo for this photo (once per upload); a friendly error or None."""
    signature = (photo_key, getattr(upload, "file_id", None) or f"{upload.name}:{upload.size}")
    if state.GUIDE_REF_UPLOAD_SEEN.get() == signature:
        return state.GUIDE_REF_UPLOAD_ERROR.get()
    state.GUIDE_REF_UPLOAD_SEEN.set(signature)
    try:
        rgb = images.fit_within(core_guide.load_reference(upload.getvalue()), MAX_REFERENCE_SIDE)
    except (images.ImageError, ReferencePhotoError) as e:
        msg = f"**{upload.name}** cannot be the reference: {e}"
        state.GUIDE_REF_UPLOAD_ERROR.set(msg)
        return msg
    except MemoryError:
        msg = f"**{upload.name}** is too large for this computer's memory."
        state.GUIDE_REF_UPLOAD_ERROR.set(msg)
        return msg
    _per_photo(state.GUIDE_REFS)[photo_key] = (upload.name, rgb)
    state.GUIDE_REF_UPLOAD_ERROR.set(None)
    return None


# --------------------------------------------------------------------------- the guided result


@dataclass
class Guided:
    image: np.ndarray | None
    seconds: float = 0.0
    fresh: bool = False
    error: str | None = None


def image_id(photo) -> str:
    """A short name of what the canvas shows now (changes with every new guided result)."""
    signature = _per_photo(state.GUIDE_SIGNATURE).get(photo.key)
    return f"{photo.key}-{abs(hash(signature)) % 10**8:08d}" if signature is not None and latest(photo) is not None \
        else f"{photo.key}-base"


def download_png(photo, img: np.ndarray, model: str | None = None, render_factor: int | None = None) -> bytes:
    """The PNG of the photo's current guided result (or of the base), encoded once per result as the Colorize
    page's downloads are (:func:`ui.results.png_file`: 16-bit for a 16-bit upload, its "stamp" setting, the
    upload's DPI/ICC/EXIF and the AI-coloured XMP mark, fast compression) and signed Content Credentials: the
    base ``model`` and ``render_factor``, the reference, vibrance and each hint, documented or chosen."""
    stamp = bool(state.STAMP.get(False))
    key = (photo.key, "png", GUIDED, image_id(photo), stamp, model, render_factor)
    hints = hints_of(owner(photo))
    facts = {"page": "guide", "guided": True, "hints": bool(hints), "stamp": stamp,
             **({"model": model, "render_factor": render_factor} if model else {})}
    signature = _per_photo(state.GUIDE_SIGNATURE).get(photo.key) if latest(photo) is not None else None
    if signature is not None:                  # (key, model, render factor, hints, reference, vibrance, strength)
        _, model, rf, hints, ref_key, vibrance, strength = signature
        facts.update(model=model, render_factor=rf, hints=bool(hints), reference=ref_key is not None,
                     vibrance=vibrance, **({"reference_strength": strength} if ref_key is not None else {}))
    return results.downloads().get_or_put(key, lambda: results.png_file(img, GUIDED, 0, stamp, photo, facts, hints))


def latest(photo) -> np.ndarray | None:
    """The photo's latest guided result (shown and scored on the other pages), or None."""
    return results.results().get((photo.key, GUIDED))


def guided(photo, base: np.ndarray, base_name: str, render_factor: int, hints: Sequence[Hint],
           reference: tuple[str, np.ndarray] | None, vibrance: float, strength: float) -> Guided:
    """The guided result of the photo (computed again only when something changed). With nothing to
    guide it, the automatic result itself, and no guided result is kept for the other pages."""
    ref_key = None if reference is None else images.image_key(reference[1])
    signature = (photo.key, base_name, int(render_factor), tuple(hints), ref_key, round(float(vibrance), 3),
                 round(float(strength), 3))
    anything = bool(hints) or reference is not None or float(vibrance) != 1.0
    if not anything:
        results.results().discard_where(lambda k: k == (photo.key, GUIDED))
        return Guided(base)
    cached = latest(photo)
    if cached is not None and _per_photo(state.GUIDE_SIGNATURE).get(photo.key) == signature:
        return Guided(cached)
    t0 = time.perf_counter()
    try:
        out = core_guide.guide(photo.grey, base, hints=hints, reference=None if reference is None else reference[1],
                               vibrance=vibrance, strength=strength)
    except (HintError, ReferencePhotoError, ValueError) as e:
        return Guided(base, error=f"The colours could not be guided: {e}")
    except MemoryError:
        return Guided(base, error="Not enough memory to guide the colours of this photo.")
    results.results().put((photo.key, GUIDED), out)
    _per_photo(state.GUIDE_SIGNATURE)[photo.key] = signature
    return Guided(out, time.perf_counter() - t0, fresh=True)
