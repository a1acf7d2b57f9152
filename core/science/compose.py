"""False colour: measured grey channels, each given a colour and added (or one channel through a look-up table).

:func:`falsecolour` -> :class:`FalseColour` (the picture, uint8 or uint16, and the facts of how each channel
was shown). The sum is kept in float32 and clipped only at the end, so overlapping channels add (red + green
= yellow) and 16-bit or float data are not rounded before the picture is written.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.science import palette
from core.science import stretch as stretching
from core.science.channel import ChannelError, as_channels


@dataclass(frozen=True)
class Shown:
    """How one channel was shown: its name and file, its colour (``#rrggbb``; None through a LUT), its display
    range (min, max, in the channel's own units)."""

    name: str
    source: str
    colour: str | None
    range: tuple[float, float]

    @property
    def colour_name(self) -> str | None:
        return None if self.colour is None else palette.colour_name(self.colour)


@dataclass(frozen=True, eq=False)
class FalseColour:
    """A false-colour picture: ``rgb`` (H x W x 3, uint8 or uint16), ``shown`` (each channel's colour and
    range), the ``stretch``, the ``lut`` (one channel through a table, else None), and the pixels with no data
    (NaN in any channel), painted ``nan_colour``."""

    rgb: np.ndarray
    shown: tuple[Shown, ...]
    stretch: str
    lut: str | None = None
    nan_pixels: int = 0
    nan_colour: str = palette.NAN_COLOUR
    softening: float | None = None

    @property
    def stretch_text(self) -> str:
        """``"asinh (a = 0.001)"``, ``"linear"``."""
        return self.stretch if self.softening is None else f"{self.stretch} (a = {self.softening:g})"

    @property
    def bits(self) -> int:
        return 16 if self.rgb.dtype == np.uint16 else 8

    @property
    def legend_text(self) -> str:
        """One line: which channel became which colour, e.g. ``"SII → red; Hα → green; OIII → blue"``."""
        if self.lut:
            s = self.shown[0]
            return f"{s.name} → {self.lut} (dark {fmt(s.range[0])}, light {fmt(s.range[1])})"
        return "; ".join(f"{s.name} → {s.colour_name}" for s in self.shown)

    @property
    def facts(self) -> dict:
        """What the file's XMP keeps (:func:`core.metadata.xmp_packet` with ``guessed=False``)."""
        return {"kind": "false colour", "guessed": False, "legend": self.legend_text, "stretch": self.stretch,
                "softening": self.softening, "lut": self.lut, "nan_colour": self.nan_colour,
                "nan_pixels": self.nan_pixels,
                "channels": [{"name": s.name, "source": s.source, "colour": s.colour, "range": list(s.range)}
                             for s in self.shown]}


def fmt(value: float) -> str:
    """A range end as people read it: 59,265 / 1,234 / 0.5 / 0.0123 / 1.29e-07."""
    a = abs(value)
    if value == int(value) and a < 1e9 or 1000 <= a < 1e9:
        return f"{value:,.0f}"
    return f"{value:.4g}" if a >= 1e-3 else f"{value:.3g}"


def _colours(n: int, colours, preset, lut) -> tuple[list[str] | None, str | None]:
    """(a ``#rrggbb`` per channel, None) or (None, the LUT's name)."""
    if sum(x is not None for x in (colours, preset, lut)) > 1:
        raise ChannelError("Choose one of: a colour for each channel, a preset, or a look-up table.")
    if lut is None and colours is None and preset is None and n == 1:
        lut = palette.DEFAULT_LUT
    if lut is not None:
        if n != 1:
            raise ChannelError(f"A look-up table colours one channel, but {n} were given: use colours or a preset.")
        palette.lut(lut)                                      # unknown name -> ChannelError
        return None, lut
    if colours is None:
        return [palette.colour_hex(c) for c in palette.preset_colours(preset or "fiji", n)], None
    colours = [c.strip() for c in colours.split(",")] if isinstance(colours, str) else list(colours)
    if len(colours) != n:
        raise ChannelError(f"{len(colours)} colours were given for {n} channels: give one colour per channel.")
    return [palette.colour_hex(c) for c in colours], None


def _ranges(n: int, ranges) -> list:
    if ranges is None or isinstance(ranges, str):
        return [ranges or "auto"] * n
    ranges = list(ranges)
    if len(ranges) == 2 and all(isinstance(v, (int, float)) for v in ranges):
        return [tuple(ranges)] * n                            # one (min, max) for every channel
    if len(ranges) == 1:
        return ranges * n
    if len(ranges) != n:
        raise ChannelError(f"{len(ranges)} ranges were given for {n} channels: give one, or one per channel.")
    return [r if r is not None else "auto" for r in ranges]


def falsecolour(channels, colours=None, *, preset: str | None = None, lut: str | None = None,
                stretch: str | None = None, softening: float | None = None, ranges=None, names=None,
                nan_colour=palette.NAN_COLOUR, bits: int | None = None) -> FalseColour:
    """The false-colour picture of 1 to 7 grey ``channels`` (2-D arrays or :class:`Channel`; uint8, uint16,
    float; NaN allowed), all the same size.

    Colours: ``colours`` (one per channel: a name, ``#rrggbb``, a list or "red,green,blue"), or ``preset``
    (:data:`palette.PRESETS`), or, for one channel, ``lut`` (:data:`palette.LUTS`). None of them: a single
    channel through :data:`palette.DEFAULT_LUT`, several in Fiji's order. ``stretch`` (linear, asinh,
    log; default the preset's, else linear) with its ``softening`` (see :mod:`core.science.stretch`).
    ``ranges``: "auto" (default), "full", (min, max), or one per channel. ``names``: the legend's names.
    ``bits``: 8 or 16 (default 8 when every channel is uint8, else 16). Pixels NaN in any channel are
    ``nan_colour`` (mid grey). ChannelError for every bad input."""
    defaults = palette.PRESETS[preset].names if preset in palette.PRESETS else ()
    chans = as_channels(channels, names, defaults)
    mapped, lut = _colours(len(chans), colours, preset, lut)
    stretch_name = stretch or (palette.PRESETS[preset].stretch if preset in palette.PRESETS else None) or "linear"
    a = stretching.softening(stretch_name, softening)
    specs = _ranges(len(chans), ranges)
    if bits is None:
        bits = 8 if all(c.data.dtype == np.uint8 for c in chans) else 16
    if bits not in (8, 16):
        raise ChannelError(f"bits must be 8 or 16, not {bits!r}")
    top = np.float32(255.0 if bits == 8 else 65535.0)
    dtype = np.uint8 if bits == 8 else np.uint16

    h, w = chans[0].data.shape
    planes: list = [None, None, None]                        # the R, G, B sums (float32, each contiguous)
    rgb, nan, shown = None, None, []
    for i, ch in enumerate(chans):
        lo, hi = stretching.display_range(ch, specs[i])
        unit = stretching.to_unit(ch.data, lo, hi, stretch_name, a)
        if ch.data.dtype.kind == "f":
            bad = np.isnan(unit)
            if bad.any():
                nan = bad if nan is None else nan | bad
                unit[bad] = 0.0
        shown.append(Shown(ch.name, ch.source, None if mapped is None else mapped[i], (lo, hi)))
        if mapped is None:                                    # one channel through the table, rounded once
            table = palette.lut(lut)
            unit *= np.float32(len(table) - 1)
            unit += np.float32(0.5)
            rgb = (table * top + np.float32(0.5)).astype(dtype)[unit.astype(np.intp)]
            continue
        parts = [(k, np.float32(c)) for k, c in enumerate(palette.colour_rgb(mapped[i])) if c]
        for j, (k, c) in enumerate(parts):
            if planes[k] is None:                             # the first to land here: no zeros to add to
                planes[k] = (unit if j == len(parts) - 1 else unit.copy()) if c == 1 else unit * c
            else:
                planes[k] += unit if c == 1 else unit * c
    if rgb is None:
        import cv2

        # x top, rounded and saturated into 8 or 16 bits in one pass: the one clip, where channels add past full
        depth = cv2.CV_8U if bits == 8 else cv2.CV_16U
        rgb = cv2.merge([np.zeros((h, w), dtype) if p is None else cv2.addWeighted(p, float(top), p, 0.0, 0.0,
                                                                                   dtype=depth) for p in planes])
    if nan is not None:
        rgb[nan] = np.rint(np.array(palette.colour_rgb(nan_colour)) * float(top)).astype(dtype)
    return FalseColour(rgb, tuple(shown), stretch_name, lut,
                       0 if nan is None else int(nan.sum()), palette.colour_hex(nan_colour), a)
