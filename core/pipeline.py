"""The one per-photo colour path shared by ``colorize``, ``batch`` and its workers: model, then guided colour.

Also :func:`write_atomically`: a result file appears whole under its name or not at all (a temporary
name in the same folder, then ``os.replace``), so a killed run never leaves a half-written file.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import numpy as np


def colorize_photo(rgb: np.ndarray, model: str, render_factor: int | None = None, *, vibrance: float = 1.0,
                   hints_text: bytes | str | None = None, reference: np.ndarray | None = None,
                   strength: float | None = None) -> np.ndarray:
    """The model's colours for ``rgb``, then (only when asked) the reference's colours, vibrance and hints.

    Raises ImageError-like ValueErrors from the model and :class:`core.guide.HintError` for hints that do
    not fit the photo."""
    from core import colorize

    out = colorize(rgb, model=model, render_factor=render_factor)
    if hints_text is None and reference is None and vibrance == 1.0:
        return out
    from core import guide

    h, w = rgb.shape[:2]
    hints = guide.hints_from_json(hints_text, w, h) if hints_text is not None else ()
    return guide.guide(rgb, out, hints=hints, reference=reference, vibrance=vibrance, strength=strength)


def temp_name(dest: str | os.PathLike) -> Path:
    """A fresh hidden temporary name next to ``dest``: ``.<name>.<8 hex>.part``."""
    dest = Path(dest)
    return dest.with_name(f".{dest.name}.{secrets.token_hex(4)}.part")


def write_atomically(dest: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to a temporary name beside ``dest``, then rename it into place (OSError on failure,
    with no temporary file left behind)."""
    tmp = temp_name(dest)
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
        os.replace(tmp, dest)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
