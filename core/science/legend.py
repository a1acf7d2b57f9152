"""The legend of a false-colour picture, drawn beside it, and its files (PNG, 16-bit PNG, TIFF) with the facts in
XMP and no "AI-made" mark (:func:`core.metadata.xmp_packet` with ``guessed=False``).

* :func:`legend_image`: a panel (uint8 RGB): "False colour: measured, nothing guessed", a swatch and the
  name of each channel with its display range, or the look-up table's bar with the values at its ends, the
  stretch, and the colour of pixels with no data when there are any.
* :func:`with_legend`: the picture with the panel on its right (the same bit depth).
* :func:`encode` / :func:`save`: the file's bytes / the file (``.png``: 16-bit when the picture is, ``.tif``).
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

from core import outputs
from core.science import palette
from core.science.compose import FalseColour, fmt

TITLE = "False colour: measured, nothing guessed"
BACKGROUND, INK, FAINT = (20, 20, 20), (240, 240, 240), (170, 170, 170)
OUT_EXTS = {".png": "png", ".tif": "tiff", ".tiff": "tiff"}


@functools.cache
def _font(size: int):
    from PIL import ImageFont

    try:
        return ImageFont.truetype("DejaVuSans.ttf", size)         # Greek letters (H-alpha) included
    except OSError:
        return ImageFont.load_default(size=size)


def legend_image(result: FalseColour, height: int | None = None) -> np.ndarray:
    """The legend panel of ``result`` as uint8 RGB; its text is sized for a picture ``height`` pixels tall
    (default: the picture's own)."""
    from PIL import Image, ImageDraw

    height = height or result.rgb.shape[0]
    size = int(np.clip(height / 28, 11, 32))
    font, small = _font(size), _font(max(9, int(size * 0.8)))
    line, pad, sw = int(size * 1.5), size, size
    rows: list[tuple] = [("title", TITLE)]
    if result.lut:
        s = result.shown[0]
        rows += [("text", f"{s.name} through {result.lut}"), ("bar", fmt(s.range[0]), fmt(s.range[1]))]
    else:
        rows += [("swatch", s.colour, s.name, f"{fmt(s.range[0])} – {fmt(s.range[1])}") for s in result.shown]
        rows.append(("small", "colours add where channels overlap"))
    rows.append(("small", f"stretch: {result.stretch_text}"))
    if result.nan_pixels:
        rows.append(("swatch", result.nan_colour, "no data (NaN)", f"{result.nan_pixels:,} pixels"))
    measure = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    widths = [measure.textlength(r[1] if r[0] != "swatch" else r[2], font=font) + (sw + pad if r[0] == "swatch"
                                                                                 else 0) for r in rows]
    width = int(max(max(widths), 8 * size) + 2 * pad)
    tall = pad + sum(2 * line if r[0] in ("swatch", "bar") else line for r in rows) + pad
    img = Image.new("RGB", (width, tall), BACKGROUND)
    draw = ImageDraw.Draw(img)
    y = pad
    for row in rows:
        kind = row[0]
        if kind == "swatch":
            draw.rectangle([pad, y, pad + sw, y + sw], fill=palette.colour_hex(row[1]), outline=FAINT)
            draw.text((2 * pad + sw, y), row[2], fill=INK, font=font)
            draw.text((2 * pad + sw, y + line), row[3], fill=FAINT, font=small)
            y += 2 * line
        elif kind == "bar":
            bar = palette.lut(result.lut)[np.linspace(0, palette.LUT_SIZE - 1, width - 2 * pad).astype(int)]
            img.paste(Image.fromarray(np.repeat((bar[None] * 255 + 0.5).astype(np.uint8), sw, axis=0)), (pad, y))
            draw.text((pad, y + sw + 2), row[1], fill=FAINT, font=small)
            draw.text((width - pad, y + sw + 2), row[2], fill=FAINT, font=small, anchor="ra")
            y += 2 * line
        else:
            draw.text((pad, y), row[1], fill=INK if kind != "small" else FAINT,
                      font=font if kind != "small" else small)
            y += line
    return np.asarray(img)


def with_legend(result: FalseColour) -> np.ndarray:
    """``result.rgb`` with its legend on the right, on a dark ground (as tall as the taller of the two)."""
    pic = result.rgb
    panel = outputs.to_bits(legend_image(result), result.bits)
    h = max(pic.shape[0], panel.shape[0])
    out = np.zeros((h, pic.shape[1] + panel.shape[1], 3), pic.dtype)
    out[..., :] = outputs.to_bits(np.array(BACKGROUND, np.uint8), result.bits)
    out[: pic.shape[0], : pic.shape[1]] = pic
    out[: panel.shape[0], pic.shape[1]:] = panel
    return out


def file_format(path, bits: int) -> str:
    """The :data:`core.outputs.FORMATS` name for ``path``'s extension (.png: png16 for a 16-bit picture)."""
    ext = Path(path).suffix.lower()
    if ext not in OUT_EXTS:
        raise ValueError(f"the output must end in .png, .tif or .tiff, not {Path(path).name!r}")
    fmt_ = OUT_EXTS[ext]
    return "png16" if fmt_ == "png" and bits == 16 else fmt_


def encode(result: FalseColour, fmt_: str = "png", legend: bool = False, credentials=None) -> bytes:
    """The file of ``result`` (``fmt_``: png, png16 or tiff), with its legend beside it when ``legend``; the XMP
    says which channel became which colour, the stretch and the ranges, and that nothing was guessed; so do
    its Content Credentials (dataDrivenMedia) when ``credentials`` (a :class:`core.credentials.Request`)."""
    rgb = with_legend(result) if legend else result.rgb
    return outputs.encode(rgb, fmt_, facts=result.facts, guessed=False, credentials=credentials)


def save(result: FalseColour, path, legend: bool = False, credentials=None) -> Path:
    """Write ``result`` to ``path`` (.png or .tif/.tiff; 16-bit when the picture is), signed as :func:`encode`."""
    path = Path(path)
    data = encode(result, file_format(path, result.bits), legend, credentials)
    path.write_bytes(data)
    return path
