"""Writing result files safely: a file appears whole under its name or not at all (the bottom floor: no imports
from the rest of the engine)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


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
