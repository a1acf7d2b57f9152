"""Colour hints: what a user says about the colours of a photo, in image pixels.

A hint is one click (a point) or one stroke (a list of points) with a colour and a radius, all in
pixels of the photo (x to the right, y down, 0 at the top-left pixel). Only the hint colour's *a* and
*b* matter: the photo's own lightness L is kept.

The Python form accepted everywhere is a :class:`Hint`, or a tuple ``(x, y, (r, g, b), radius)`` /
``(x, y, (r, g, b))`` for a point, or ``([(x0, y0), (x1, y1), ...], (r, g, b), radius)`` for a stroke,
or the dict of the JSON file below. Colours are ``(r, g, b)`` 0-255 or ``"#rrggbb"``.

The hints file (``--hints`` of ``python -m core colorize``, the download of the Guide page)::

    {
      "format": "colorization-studio-hints", "version": 1,
      "width": 640, "height": 427,
      "hints": [
        {"x": 120, "y": 80, "color": "#c0392b", "radius": 6, "source": "museum catalogue 1953/12"},
        {"points": [[10, 20], [14, 22], [20, 25]], "color": [40, 90, 200], "radius": 4}
      ]
    }

``width`` and ``height`` (optional) are the size of the photo the hints were made on: on a photo of
another size with the same shape the hints are scaled to it. A bare list of hints is accepted too.
``source`` (optional): where the colour is documented (a text, a link, an archive reference; at most
:data:`MAX_SOURCE` characters), which the result's Content Credentials keep (:mod:`core.credentials`).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from core.metadata import clean_text

FORMAT = "colorization-studio-hints"
VERSION = 1
DEFAULT_RADIUS = 3.0
MAX_HINTS = 2000                # per photo: a file with more is refused
MAX_STROKE_POINTS = 4000        # points in one stroke
MAX_FILE_BYTES = 2 * 2**20      # a hints file larger than this is refused before parsing
ASPECT_TOLERANCE = 0.02         # a photo of another size is accepted when its shape differs by less
MAX_DOTS = 100_000              # dots drawn for all the hints of a photo together (a stroke: one every half radius)
MAX_DOT_PIXELS = 200_000_000    # ... and the pixels those dots cover, added up (each at most the whole photo)
MAX_SOURCE = 500                # characters of a hint's source (where its colour is documented)


class HintError(ValueError):
    """A hint or a hints file that cannot be used; the message says which one and why, in plain words."""


@dataclass(frozen=True)
class Hint:
    """One click (one point) or one stroke (several points), in image pixels, with its colour."""

    points: tuple[tuple[float, float], ...]
    color: tuple[int, int, int]
    radius: float = DEFAULT_RADIUS
    source: str | None = None       # where the colour is documented; None: chosen by a person

    @property
    def is_stroke(self) -> bool:
        return len(self.points) > 1

    @property
    def hex(self) -> str:
        return "#{:02x}{:02x}{:02x}".format(*self.color)

    def to_dict(self) -> dict:
        """The JSON form (coordinates rounded to 0.01 pixel)."""
        r = round(float(self.radius), 2)
        x, y = self.points[0]
        where = {"points": [[round(x, 2), round(y, 2)] for x, y in self.points]} if self.is_stroke else \
            {"x": round(x, 2), "y": round(y, 2)}
        return {**where, "color": self.hex, "radius": r, **({"source": self.source} if self.source else {})}

    def scaled(self, sx: float, sy: float) -> Hint:
        return Hint(tuple((x * sx, y * sy) for x, y in self.points), self.color,
                    self.radius * math.sqrt(sx * sy), self.source)


_HEX = re.compile(r"^#?([0-9a-fA-F]{6}|[0-9a-fA-F]{3})$")
_NUMBER = (int, float, np.integer, np.floating)


def _short(value, limit: int = 40) -> str:
    """``repr(value)`` cut to ``limit`` characters, for messages (a file may hold a 4000-digit number)."""
    try:
        text = repr(value)
    except (ValueError, RecursionError):        # an int too long to print
        text = f"<a {type(value).__name__}>"
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _finite(v) -> float | None:
    """``v`` as a finite float, or None (not a number, a bool, NaN, infinite, or too large for a float)."""
    if isinstance(v, bool) or not isinstance(v, _NUMBER):
        return None
    try:
        f = float(v)
    except (OverflowError, ValueError):
        return None
    return f if math.isfinite(f) else None


def parse_color(value, where: str = "the colour") -> tuple[int, int, int]:
    """``"#rrggbb"``, ``"#rgb"`` or three numbers 0-255 -> ``(r, g, b)``."""
    if isinstance(value, str):
        m = _HEX.match(value.strip()) if len(value) < 64 else None
        if not m:
            raise HintError(f"{where}: {_short(value)} is not a colour; write it as \"#rrggbb\" or [r, g, b]")
        digits = m.group(1)
        if len(digits) == 3:
            digits = "".join(c * 2 for c in digits)
        return tuple(int(digits[i:i + 2], 16) for i in (0, 2, 4))
    if isinstance(value, (list, tuple, np.ndarray)) and len(value) == 3:
        out = []
        for v in value:
            f = _finite(v)
            if f is None or not 0 <= f <= 255:
                raise HintError(f"{where}: {_short(list(value))} is not a colour; each of r, g, b must be 0 to 255")
            out.append(int(round(f)))
        return tuple(out)
    raise HintError(f"{where}: {_short(value)} is not a colour; write it as \"#rrggbb\" or [r, g, b]")


def _number(v, what: str, where: str) -> float:
    f = _finite(v)
    if f is None:
        raise HintError(f"{where}: {what} must be a number (finite, of ordinary size), not {_short(v)}")
    return f


def _point(p, where: str) -> tuple[float, float]:
    if not isinstance(p, (list, tuple, np.ndarray)) or len(p) != 2:
        raise HintError(f"{where}: a point must be two numbers [x, y], not {_short(p)}")
    return _number(p[0], "x", where), _number(p[1], "y", where)


def as_hint(item, where: str = "a hint") -> Hint:
    """Any accepted form of one hint (see the module's docstring) -> :class:`Hint`; HintError otherwise."""
    if isinstance(item, Hint):
        return item
    source = None
    if isinstance(item, dict):
        if "points" in item:
            pts = item["points"]
            if not isinstance(pts, (list, tuple)) or not pts:
                raise HintError(f"{where}: \"points\" must be a non-empty list of [x, y]")
            if len(pts) > MAX_STROKE_POINTS:
                raise HintError(f"{where}: a stroke may have at most {MAX_STROKE_POINTS} points")
            points = tuple(_point(p, where) for p in pts)
        elif "x" in item and "y" in item:
            points = (( _number(item["x"], "x", where), _number(item["y"], "y", where)),)
        else:
            raise HintError(f"{where}: needs \"x\" and \"y\" (a click) or \"points\" (a stroke)")
        if "color" not in item:
            raise HintError(f"{where}: needs a \"color\"")
        color = parse_color(item["color"], where)
        radius = _number(item.get("radius", DEFAULT_RADIUS), "radius", where)
        source = item.get("source")
        if source is not None and (not isinstance(source, str) or len(source) > MAX_SOURCE):
            raise HintError(f"{where}: \"source\" must be a text of at most {MAX_SOURCE} characters")
        source = clean_text(source, MAX_SOURCE)
    elif isinstance(item, (list, tuple)) and len(item) in (2, 3, 4):
        if len(item) >= 3 and not isinstance(item[0], (list, tuple, np.ndarray)):     # (x, y, colour[, radius])
            points = (_point(item[:2], where),)
            color = parse_color(item[2], where)
            radius = _number(item[3], "radius", where) if len(item) == 4 else DEFAULT_RADIUS
        elif len(item) in (2, 3) and isinstance(item[0], (list, tuple, np.ndarray)):  # (points, colour[, radius])
            if not len(item[0]):
                raise HintError(f"{where}: a stroke needs at least one point")
            points = tuple(_point(p, where) for p in item[0])
            color = parse_color(item[1], where)
            radius = _number(item[2], "radius", where) if len(item) == 3 else DEFAULT_RADIUS
        else:
            raise HintError(f"{where}: write a hint as (x, y, (r, g, b), radius) or (points, (r, g, b), radius)")
    else:
        raise HintError(f"{where}: write a hint as (x, y, (r, g, b), radius) or (points, (r, g, b), radius)")
    if len(points) > MAX_STROKE_POINTS:
        raise HintError(f"{where}: a stroke may have at most {MAX_STROKE_POINTS} points")
    if not 0 <= radius <= 1000:
        raise HintError(f"{where}: the radius must be 0 to 1000 pixels, not {radius:g}")
    return Hint(points, color, radius, source)


def check_hints(hints: Iterable, width: int, height: int) -> list[Hint]:
    """Every hint as a :class:`Hint`, each point inside the ``width`` x ``height`` photo; HintError naming
    the first bad one (counted from 1) otherwise."""
    out = []
    for i, item in enumerate(hints, 1):
        if i > MAX_HINTS:
            raise HintError(f"too many hints: at most {MAX_HINTS} per photo")
        hint = as_hint(item, f"hint {i}")
        for x, y in hint.points:
            if not (-0.5 <= x <= width - 0.5 and -0.5 <= y <= height - 0.5):
                raise HintError(f"hint {i}: the point ({x:g}, {y:g}) is outside the photo, which is {width} x "
                                f"{height} pixels (x 0 to {width - 1}, y 0 to {height - 1})")
        out.append(hint)
    check_drawing(out, width, height)
    return out


def _dots(hint: Hint) -> int:
    """How many dots :func:`rasterize` draws for ``hint`` (as many points as :func:`_along` gives)."""
    seg = np.hypot(*np.diff(np.asarray(hint.points, np.float64), axis=0).T) / max(0.5, round(hint.radius) / 2)
    return 1 + int(np.maximum(1, np.ceil(seg)).sum())


def check_drawing(hints: Sequence[Hint], width: int, height: int) -> None:
    """HintError when drawing ``hints`` would take too long: over :data:`MAX_DOTS` dots, or dots covering over
    :data:`MAX_DOT_PIXELS` pixels in all (one 32 KB stroke going to and fro at radius 0 made 11 million: 167 s)."""
    dots = [_dots(h) for h in hints]
    areas = [min(math.pi * (round(h.radius) + 1) ** 2, width * height) for h in hints]     # one dot's, at most
    pixels = sum(n * a for n, a in zip(dots, areas, strict=True))
    if sum(dots) > MAX_DOTS:
        raise HintError(f"these hints are too long to draw: their strokes make {sum(dots):,} dots (one every half "
                        f"radius; at most {MAX_DOTS:,}). Use fewer or shorter strokes, or a larger radius.")
    if pixels > MAX_DOT_PIXELS:
        raise HintError(f"these hints cover too much to draw: {pixels / 1e6:,.0f} million pixels (at most "
                        f"{MAX_DOT_PIXELS / 1e6:,.0f} million). Use fewer hints or smaller radii.")


def hints_to_json(hints: Sequence, width: int, height: int) -> str:
    """The hints file (see the module's docstring) for a ``width`` x ``height`` photo."""
    items = [as_hint(h, f"hint {i}").to_dict() for i, h in enumerate(hints, 1)]
    doc = {"format": FORMAT, "version": VERSION, "width": int(width), "height": int(height), "hints": items}
    return json.dumps(doc, indent=1)


def hints_from_json(text, width: int | None = None, height: int | None = None) -> list[Hint]:
    """Read a hints file (str or bytes). With the photo's ``width`` and ``height``, hints made on the same
    photo at another size are scaled to it and every point is checked to lie inside. HintError (with a
    friendly message) for anything that is not a usable hints file."""
    if isinstance(text, (bytes, bytearray)):
        if len(text) > MAX_FILE_BYTES:
            raise HintError(f"the hints file is too large ({len(text) / 2**20:.1f} MB); at most "
                            f"{MAX_FILE_BYTES // 2**20} MB")
        try:
            text = bytes(text).decode("utf-8-sig")
        except UnicodeDecodeError:
            raise HintError("this is not a hints file: it is not text (JSON)") from None
    if not isinstance(text, str):
        raise HintError(f"this is not a hints file: expected its text, got {type(text).__name__}")
    if len(text) > MAX_FILE_BYTES:
        raise HintError(f"the hints file is too large; at most {MAX_FILE_BYTES // 2**20} MB")
    try:
        doc = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as e:
        detail = f" (line {e.lineno}, column {e.colno}: {e.msg})" if isinstance(e, json.JSONDecodeError) else ""
        raise HintError(f"this is not a hints file: it is not valid JSON{detail}") from None
    except ValueError:          # e.g. an integer of more than 4300 digits (Python's limit on int conversion)
        raise HintError("this is not a hints file: it holds a number far too long to be a pixel "
                        "position, a radius or a colour") from None
    made_w = made_h = None
    if isinstance(doc, dict):
        if "hints" not in doc:
            raise HintError("this is not a hints file: it has no \"hints\" list")
        fmt = doc.get("format", FORMAT)
        if fmt != FORMAT:
            raise HintError(f"this is not a hints file: its format is {_short(fmt)}")
        version = doc.get("version", VERSION)
        if isinstance(version, bool) or not isinstance(version, int) or not 1 <= version <= VERSION:
            raise HintError(f"this hints file has version {_short(version)}; this program reads version {VERSION}")
        if "width" in doc or "height" in doc:
            made_w = _number(doc.get("width"), "width", "the hints file")
            made_h = _number(doc.get("height"), "height", "the hints file")
            if made_w < 1 or made_h < 1:
                raise HintError("the hints file: width and height must be at least 1")
        items = doc["hints"]
    else:
        items = doc
    if not isinstance(items, list):
        raise HintError("this is not a hints file: \"hints\" must be a list")
    if len(items) > MAX_HINTS:
        raise HintError(f"too many hints: at most {MAX_HINTS} per photo")
    hints = [as_hint(item, f"hint {i}") for i, item in enumerate(items, 1)]
    if width is None or height is None:
        return hints
    if made_w is not None and (made_w, made_h) != (width, height):
        if abs((made_w / made_h) / (width / height) - 1) > ASPECT_TOLERANCE:
            raise HintError(f"these hints were made on a {made_w:g} x {made_h:g} photo; this photo is {width} x "
                            f"{height} and has another shape")
        hints = [h.scaled(width / made_w, height / made_h) for h in hints]
    return check_hints(hints, width, height)


def _along(points, step: float):
    """The points of a stroke with extra points on each segment, at most ``step`` pixels apart."""
    pts = np.asarray(points, np.float64)
    out = [pts[:1]]
    for p, q in zip(pts[:-1], pts[1:], strict=True):
        n = max(1, int(math.ceil(float(np.hypot(*(q - p))) / step)))
        t = np.arange(1, n + 1)[:, None] / n
        out.append(p + (q - p) * t)
    return np.concatenate(out)


def _area(hint: Hint) -> float:
    """About how many pixels the hint covers (its disk swept along the stroke)."""
    r = max(0.5, float(hint.radius))
    pts = np.asarray(hint.points, np.float64)
    length = float(np.hypot(*np.diff(pts, axis=0).T).sum()) if len(pts) > 1 else 0.0
    return math.pi * r * r + 2.0 * r * length


def rasterize(hints: Sequence[Hint], height: int, width: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The hints drawn on the photo: their ab (H, W, 2) float32, where they are (H, W) float32 0/1, and
    the same mask with each hint's pixels worth 1 / its area (each hint's total is about 1). Points are
    disks of their radius, strokes the disks swept along the stroke; later hints cover earlier ones."""
    import cv2

    from core import lab

    check_drawing(hints, width, height)
    ab = np.zeros((height, width, 2), np.float32)
    mask = np.zeros((height, width), np.uint8)
    share = np.zeros((height, width), np.float32)
    if not hints:
        return ab, mask.astype(np.float32), share
    colours = np.array([h.color for h in hints], np.uint8)[None]
    hint_ab = lab.rgb_to_lab(colours)[0, :, 1:]
    shift = 4                                   # sub-pixel centres (1/16 pixel)
    one = 1 << shift
    for hint, (a, b) in zip(hints, hint_ab, strict=True):
        r = max(0, int(round(hint.radius)))
        value = (float(a), float(b))
        part = 1.0 / max(1.0, _area(hint))
        for x, y in _along(hint.points, step=max(0.5, r / 2)):     # as many dots as _dots counts
            centre = (int(round(x * one)), int(round(y * one)))
            cv2.circle(ab, centre, r * one, value, -1, cv2.LINE_8, shift)
            cv2.circle(mask, centre, r * one, 1, -1, cv2.LINE_8, shift)
            cv2.circle(share, centre, r * one, part, -1, cv2.LINE_8, shift)
    return ab, mask.astype(np.float32), share
