"""What a clip may be (the duration x resolution cap) and the errors of core.video, worded for people."""

from __future__ import annotations

import math
import os

DEFAULT_MAX_MEGAPIXEL_SECONDS = 60.0     # e.g. 65 s at 1280 x 720 (0.92 MP), 4 min 20 s at 640 x 360
MAX_SIDE = 4096                          # pixels on the long side (4K)
MAX_FRAMES = 20_000                      # whatever the resolution (a 1-pixel clip at 1000 fps ...)


class VideoError(ValueError):
    """A problem with a clip (unreadable, damaged, too long or too large), worded for the person who gave it."""


class Cancelled(Exception):  # noqa: N818  (it is an outcome, not an error)
    """The run was cancelled; nothing was written."""


def max_megapixel_seconds() -> float:
    """The cap on duration x resolution: ``COLORIZER_MAX_VIDEO_MPS`` (megapixel-seconds) or 60."""
    try:
        value = float(os.environ.get("COLORIZER_MAX_VIDEO_MPS", DEFAULT_MAX_MEGAPIXEL_SECONDS))
    except ValueError:
        return DEFAULT_MAX_MEGAPIXEL_SECONDS
    return value if value > 0 else DEFAULT_MAX_MEGAPIXEL_SECONDS


def duration_text(seconds: float, down: bool = False) -> str:
    """``"4.2 s"``, ``"42 s"``, ``"3 min 05 s"``; ``down``: rounded down (for a limit: never more than allowed)."""
    seconds = max(0.0, float(seconds))
    if down:
        unit = 0.1 if seconds < 10 else 1.0
        seconds = math.floor(seconds / unit + 1e-9) * unit
    if seconds < 60:
        return f"{seconds:.1f} s" if seconds < 10 else f"{seconds:.0f} s"
    m, s = divmod(int(round(seconds)), 60)
    return f"{m} min {s:02d} s"


def longest_allowed(width: int, height: int) -> float:
    """How many seconds of a ``width`` x ``height`` clip the cap allows."""
    return max_megapixel_seconds() / max(width * height / 1e6, 1e-9)


def check(width: int, height: int, duration: float, frames: int) -> None:
    """Raise a :class:`VideoError` that says what to do when a clip is over the caps."""
    if max(width, height) > MAX_SIDE:
        raise VideoError(f"The clip is {width} × {height} pixels; at most {MAX_SIDE} pixels on the long side are "
                         "supported. Shrink it first (for example to 1280 × 720).")
    mps = width * height / 1e6 * duration
    if mps > max_megapixel_seconds():
        raise VideoError(
            f"The clip is too long for its size: {duration_text(duration)} at {width} × {height}. At this size "
            f"up to {duration_text(longest_allowed(width, height), down=True)} can be coloured at once (the limit is "
            f"{max_megapixel_seconds():g} megapixel-seconds). Cut it into shorter pieces or make it smaller.")
    if frames > MAX_FRAMES:
        raise VideoError(f"The clip has {frames} frames; at most {MAX_FRAMES} can be coloured at once. "
                         "Cut it into shorter pieces.")
