"""The colours of false colour: named channel colours, the presets, the look-up tables, the colour of "no data".

* :func:`colour_rgb`: a colour name (Fiji's: red, green, blue, grey, cyan, magenta, yellow) or ``#rrggbb`` as
  three floats 0-1. Pillow's :mod:`PIL.ImageColor` reads the hex and the other CSS names; Fiji's own seven
  come first (CSS "green" is a dark green, Fiji's is pure green).
* :data:`PRESETS`: ``rgb``, ``fiji`` (Fiji's Merge Channels order), ``colourblind`` (magenta and green first,
  Wong 2011, Nature Methods 8: 441) and ``hubble`` (SII, H-alpha, OIII as red, green, blue, asinh stretch).
* :func:`lut`: a look-up table (viridis, cividis, magma, inferno, plasma: the perceptually uniform maps,
  their stops from :mod:`plotly.colors`, filled in CIELAB so that lightness rises evenly between them; and
  greys) as a ``LUT_SIZE`` x 3 float32 table.
* :data:`NAN_COLOUR`: the colour of pixels with no data (NaN in any channel): mid grey, ``#808080``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from core.science.channel import ChannelError

COLOURS = {"red": (1.0, 0.0, 0.0), "green": (0.0, 1.0, 0.0), "blue": (0.0, 0.0, 1.0), "grey": (1.0, 1.0, 1.0),
           "cyan": (0.0, 1.0, 1.0), "magenta": (1.0, 0.0, 1.0), "yellow": (1.0, 1.0, 0.0)}
ALIASES = {"gray": "grey", "white": "grey"}
NAN_COLOUR = "#808080"
LUT_SIZE = 4096            # enough steps for 16-bit output (the maps themselves are smooth)
LUTS = ("viridis", "cividis", "magma", "inferno", "plasma", "greys")
DEFAULT_LUT = "viridis"


@dataclass(frozen=True)
class Preset:
    """Colours for channels 1, 2, 3 ... in order; ``names``: the channels' usual names (the Hubble filters);
    ``stretch``: the stretch it suits (None: the caller's)."""

    title: str
    colours: tuple[str, ...]
    names: tuple[str, ...] = ()
    stretch: str | None = None


PRESETS = {
    "rgb": Preset("Red, green, blue", ("red", "green", "blue")),
    "fiji": Preset("Fiji's Merge Channels order", ("red", "green", "blue", "grey", "cyan", "magenta", "yellow")),
    "colourblind": Preset("Colour-blind safe (magenta, green first)", ("magenta", "green", "cyan", "yellow")),
    "hubble": Preset("Hubble palette (SII, H-alpha, OIII)", ("red", "green", "blue"), ("SII", "Hα", "OIII"),
                     "asinh"),
}


def colour_rgb(colour) -> tuple[float, float, float]:
    """``colour`` (a name, ``#rrggbb``, or three numbers 0-1) as three floats 0-1; ChannelError when unknown."""
    if not isinstance(colour, str):
        try:
            r, g, b = (float(v) for v in colour)
        except (TypeError, ValueError):
            raise ChannelError(f"Not a colour: {colour!r}") from None
        if not all(0.0 <= v <= 1.0 for v in (r, g, b)):
            raise ChannelError(f"A colour's three numbers must lie between 0 and 1, not {colour!r}")
        return (r, g, b)
    key = colour.strip().lower()
    key = ALIASES.get(key, key)
    if key in COLOURS:
        return COLOURS[key]
    from PIL import ImageColor

    try:
        rgb = ImageColor.getrgb(key)
    except ValueError:
        raise ChannelError(f"Unknown colour {colour!r}: use {', '.join(COLOURS)} or #rrggbb.") from None
    return tuple(v / 255.0 for v in rgb[:3])


def colour_hex(colour) -> str:
    """``colour`` as ``#rrggbb``."""
    return "#" + "".join(f"{round(v * 255):02x}" for v in colour_rgb(colour))


def colour_name(colour) -> str:
    """The name of one of :data:`COLOURS` when ``colour`` is one, else its ``#rrggbb``."""
    rgb = colour_rgb(colour)
    return next((name for name, value in COLOURS.items() if value == rgb), colour_hex(rgb))


def preset_colours(preset: str, n: int) -> list[str]:
    """The first ``n`` colours of a preset; ChannelError for an unknown preset or too many channels."""
    if preset not in PRESETS:
        raise ChannelError(f"Unknown preset {preset!r}: choose from {', '.join(PRESETS)}.")
    colours = PRESETS[preset].colours
    if n > len(colours):
        raise ChannelError(f"The {preset} preset has {len(colours)} colours, but {n} channels were given. "
                           "Use the fiji preset (up to 7) or name a colour for each channel.")
    return list(colours[:n])


@functools.cache
def lut(name: str) -> np.ndarray:
    """The look-up table ``name`` (:data:`LUTS`) as ``LUT_SIZE`` x 3 float32, 0-1, dark to light (read-only)."""
    if name not in LUTS:
        raise ChannelError(f"Unknown look-up table {name!r}: choose from {', '.join(LUTS)}.")
    x = np.linspace(0.0, 1.0, LUT_SIZE)
    if name == "greys":                     # the value itself as a grey level: the picture as it was
        table = np.repeat(x[:, None], 3, axis=1)
    else:
        import plotly.colors as pc
        from skimage.color import lab2rgb, rgb2lab

        stops = pc.get_colorscale(name)
        pos = np.array([float(p) for p, _ in stops])
        rgb = np.array([pc.hex_to_rgb(c) for _, c in stops], np.float64) / 255.0
        lab = rgb2lab(rgb[None])[0]
        filled = np.stack([np.interp(x, pos, lab[:, k]) for k in range(3)], axis=1)
        table = np.clip(lab2rgb(filled[None])[0], 0.0, 1.0)
    table = table.astype(np.float32)
    table.setflags(write=False)
    return table
