"""Text that is safe to print: names from an archive may hold terminal escapes (issue 24)."""

from __future__ import annotations

import unicodedata

_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _escape(c: str) -> str:
    if c in _SHORT:
        return _SHORT[c]
    n = ord(c)
    return f"\\x{n:02x}" if n < 0x100 else f"\\u{n:04x}" if n < 0x10000 else f"\\U{n:08x}"


def printable(text) -> str:
    """``text`` (any object, as ``str``) with every control character escaped: C0 (ESC, CR, BEL, and a
    newline too), DEL, C1, the bidirectional overrides (which reorder what a terminal shows) and lone
    surrogates (undecodable bytes of a file name), e.g. ``"a\\x1b[2J"`` -> ``"a\\\\x1b[2J"``. Other text,
    accents and every script included, is kept as it is."""
    s = str(text)
    if s.isprintable() and s.isascii():
        return s
    return "".join(_escape(c) if unicodedata.category(c) in ("Cc", "Cs") or c in _BIDI else c for c in s)


def text_name(name: str) -> str:
    """``name`` as text a manifest or a result's facts can hold: the bytes of a file name that are not UTF-8
    (from an older system, given by the OS as surrogate escapes) written as ``\\xff``."""
    import os

    return os.fsencode(name).decode("utf-8", "backslashreplace")
