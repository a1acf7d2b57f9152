"""Documented colours: a colour together with where it is documented (a text, a link, an archive reference).

The Guide page keeps a small palette of them per session, to reuse for hints (a hint made with one carries its
source: :attr:`core.guide.hints.Hint.source`, kept in the result's Content Credentials), and exports and
imports it as a JSON file::

    {"format": "colorization-studio-palette", "version": 1,
     "colours": [{"color": "#8b1a1a", "source": "Regimental archive, uniform pattern 1911, plate 4"}]}
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from core.guide.hints import MAX_SOURCE, HintError, parse_color
from core.metadata import clean_text

FORMAT = "colorization-studio-palette"
VERSION = 1
MAX_COLOURS = 64                   # a palette keeps the newest this many
MAX_FILE_BYTES = 256 * 1024        # a palette file larger than this is refused before parsing


@dataclass(frozen=True)
class Documented:
    """A colour (``#rrggbb``) and where it is documented."""

    color: str
    source: str

    def to_dict(self) -> dict:
        return {"color": self.color, "source": self.source}


def documented(color, source, where: str = "the colour") -> Documented:
    """A checked :class:`Documented`: any colour :func:`core.guide.parse_color` reads, and a source of 1 to
    :data:`MAX_SOURCE` characters (control characters and runs of spaces made one space); HintError otherwise."""
    rgb = parse_color(color, where)
    if not isinstance(source, str) or len(source) > MAX_SOURCE:
        raise HintError(f"{where}: the source must be a text of at most {MAX_SOURCE} characters")
    text = clean_text(source, MAX_SOURCE)
    if not text:
        raise HintError(f"{where}: say where the colour is documented (a text, a link, an archive reference)")
    return Documented("#{:02x}{:02x}{:02x}".format(*rgb), text)


def added(palette: Iterable[Documented], item: Documented) -> list[Documented]:
    """``palette`` with ``item`` last (an equal entry moves there), at most :data:`MAX_COLOURS` (newest kept)."""
    out = [p for p in palette if p != item] + [item]
    return out[-MAX_COLOURS:]


def palette_to_json(palette: Iterable[Documented]) -> str:
    return json.dumps({"format": FORMAT, "version": VERSION, "colours": [p.to_dict() for p in palette]},
                      indent=1, ensure_ascii=False)


def palette_from_json(text) -> list[Documented]:
    """Read a palette file (str or bytes); HintError with a friendly message when it is not one."""
    if isinstance(text, (bytes, bytearray)):
        if len(text) > MAX_FILE_BYTES:
            raise HintError(f"the palette file is too large; at most {MAX_FILE_BYTES // 1024} KB")
        try:
            text = bytes(text).decode("utf-8-sig")
        except UnicodeDecodeError:
            raise HintError("this is not a palette file: it is not text (JSON)") from None
    if not isinstance(text, str) or len(text) > MAX_FILE_BYTES:
        raise HintError("this is not a palette file (or it is too large)")
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError):
        raise HintError("this is not a palette file: it is not valid JSON") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT or not isinstance(doc.get("colours"), list):
        raise HintError(f"this is not a palette file: it needs \"format\": \"{FORMAT}\" and a \"colours\" list")
    version = doc.get("version", VERSION)
    if isinstance(version, bool) or not isinstance(version, int) or not 1 <= version <= VERSION:
        raise HintError(f"this palette file has version {str(version)[:20]}; this program reads version {VERSION}")
    if len(doc["colours"]) > MAX_COLOURS:
        raise HintError(f"too many colours in the palette: at most {MAX_COLOURS}")
    out: list[Documented] = []
    for i, item in enumerate(doc["colours"], 1):
        if not isinstance(item, dict):
            raise HintError(f"colour {i}: write it as {{\"color\": \"#rrggbb\", \"source\": \"...\"}}")
        out = added(out, documented(item.get("color"), item.get("source"), f"colour {i}"))
    return out
