"""A measured channel (one grey plane and where it came from) and the error every bad input raises."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.images import ImageError

MAX_CHANNELS = 7           # Fiji's Merge Channels: red, green, blue, grey, cyan, magenta, yellow


class ChannelError(ImageError):
    """A problem with the channels given, worded for the person who gave them (it names the file)."""


@dataclass(frozen=True, eq=False)
class Channel:
    """One grey plane: ``data`` (H x W; uint8, uint16, another integer type or float, NaN allowed), its
    ``name`` (a filter, a stain, "file.tif [2]") and ``source`` (the file it came from)."""

    data: np.ndarray
    name: str
    source: str = ""

    @property
    def label(self) -> str:
        """How a message names it: the name, and the file when that says more."""
        return self.name if not self.source or self.source in self.name else f"{self.name} ({self.source})"


def as_channels(channels, names=None, defaults=()) -> list[Channel]:
    """``channels`` (Channel objects or 2-D arrays) as Channel objects, named by ``names`` when given (a plain
    array otherwise by ``defaults``, then "channel 1", "channel 2" ...); ChannelError for a count outside 1 to
    :data:`MAX_CHANNELS`, a plane that is not 2-D or holds no numbers, or planes of different sizes."""
    channels = list(channels)
    if not channels:
        raise ChannelError("No channel was given: give 1 to 7 grey pictures.")
    if len(channels) > MAX_CHANNELS:
        raise ChannelError(f"Too many channels: {len(channels)} (at most {MAX_CHANNELS} can be combined). "
                           "Choose the ones to show.")
    names = list(names or [])
    out = []
    for i, ch in enumerate(channels):
        name = names[i] if i < len(names) and names[i] else None
        if isinstance(ch, Channel):
            ch = Channel(ch.data, name or ch.name, ch.source)
        else:
            ch = Channel(np.asarray(ch), name or (defaults[i] if i < len(defaults) else f"channel {i + 1}"))
        if ch.data.ndim != 2:
            raise ChannelError(f"{ch.label}: a channel must be one grey plane, not an array of shape "
                               f"{ch.data.shape}.")
        if ch.data.dtype.kind not in "uif" or ch.data.size == 0:
            raise ChannelError(f"{ch.label}: holds no numbers to show ({ch.data.dtype}, {ch.data.size} pixels).")
        out.append(ch)
    shapes = {c.data.shape for c in out}
    if len(shapes) > 1:
        first = out[0]
        other = next(c for c in out if c.data.shape != first.data.shape)
        raise ChannelError(f"The channels differ in size: {first.label} is {_size(first)} but {other.label} is "
                           f"{_size(other)}. Every channel must be the same picture size.")
    return out


def _size(ch: Channel) -> str:
    h, w = ch.data.shape
    return f"{w} x {h} pixels"
