"""Words for the pages: counts in plain English."""

from __future__ import annotations


def plural(n: int, word: str, words: str | None = None) -> str:
    """``1 photo``, ``3 photos``."""
    return f"{n} {word if n == 1 else (words or word + 's')}"
