"""False colour that says it is false: measured channels mapped to colours a person chose (no network, nothing
guessed), for microscopy, satellite and telescope data.

Public API::

    from core.science import load_channels, falsecolour, save, ChannelError
    chans = load_channels(["sii.fits", "ha.fits", "oiii.fits"])     # or one multi-channel TIFF / FITS cube
    result = falsecolour(chans, preset="hubble")                     # colours=..., lut="viridis", stretch="asinh"
    result.rgb, result.legend_text, result.facts                     # uint8 / uint16; "SII → red; ..."
    save(result, "out.png", legend=True)                             # XMP: the legend, and not AI-made

Modules: :mod:`~core.science.channel` (Channel, ChannelError), :mod:`~core.science.read` (files),
:mod:`~core.science.palette` (colours, presets, LUTs, the NaN colour), :mod:`~core.science.stretch`
(ranges, linear / asinh / log), :mod:`~core.science.compose` (:func:`falsecolour`),
:mod:`~core.science.legend` (the legend and the files). See docs/false-colour.md.
"""

from core.science.channel import MAX_CHANNELS, Channel, ChannelError
from core.science.compose import FalseColour, falsecolour
from core.science.legend import encode, legend_image, save, with_legend
from core.science.palette import LUTS, NAN_COLOUR, PRESETS
from core.science.read import load_channels, read_channels
from core.science.stretch import STRETCHES

__all__ = ["LUTS", "MAX_CHANNELS", "NAN_COLOUR", "PRESETS", "STRETCHES", "Channel", "ChannelError", "FalseColour",
           "encode", "falsecolour", "legend_image", "load_channels", "read_channels", "save", "with_legend"]
