"""The False colour page's glue: the session's channels (a made-up sample or uploaded files), the colour, stretch
and range widgets, the preview and the downloads. The numbers and pictures are :mod:`core.science`'s.
"""

from __future__ import annotations

import hashlib
import math

import numpy as np
import streamlit as st

from core import outputs
from core.figures.export import safe_stem
from core.images import fit_within
from core.science import LUTS, PRESETS, ChannelError, falsecolour, load_channels, palette, samples, stretch
from core.science import legend as science_legend
from core.science import read as science_read
from core.science.compose import fmt
from ui import state

UPLOAD_TYPES = science_read.UPLOAD_TYPES
MAX_UPLOAD_MB = 50                  # the server's upload cap (.streamlit/config.toml); the CLI has none
PREVIEW_PIXELS = 1_500_000          # the preview is computed on every n-th pixel above this
SOFTENINGS = (0.1, 0.03, 0.01, 0.003, 0.001, 0.0003, 0.0001)
SAMPLES = {"cells": "Made-up cells (3 channels, 16-bit)", "stars": "Star and faint galaxy (FITS, float)"}
WHAT_IT_IS = ("**This is false colour.** Each colour stands for a channel that was *measured*, as the legend says; "
              "nothing was guessed, and the files say so (their XMP carries the legend and no “AI-made” mark). "
              "The Colorize page is different: there a neural network *guesses* the colours a grey photo "
              "might have had, and its files are marked as AI-made.")


# --------------------------------------------------------------------------- the channels


def data() -> dict:
    """The session's channels: {"key", "title", "channels", "sample"} (empty dict: none yet)."""
    return state.FC_DATA.get() or {}


def problem() -> str | None:
    return state.FC_PROBLEM.get()


def uploader_key() -> str:
    return state.FC_UPLOADS.key()


def use_sample(which: str) -> None:
    """Take a made-up sample (on_click): the uploads box is emptied."""
    if which == "cells":
        chans = samples.cells()
    else:
        chans = load_channels([("star_and_galaxy.fits", samples.star_field_fits())])
    state.FC_UPLOADS.empty()
    state.FC_PROBLEM.clear()
    state.FC_DATA.set({"key": f"sample-{which}", "title": SAMPLES[which], "channels": chans, "sample": True})


def take_upload(files) -> None:
    """Read newly uploaded files (once per set of files); a problem is kept to show, nothing else is lost."""
    files = list(files or [])
    key = "|".join(f"{f.name}:{f.size}:{getattr(f, 'file_id', '')}" for f in files)
    if key == state.FC_UPLOAD_SEEN.get():
        return
    state.FC_UPLOAD_SEEN.set(key)
    if not files:
        if data() and not data().get("sample"):
            state.FC_DATA.clear()
        state.FC_PROBLEM.clear()
        return
    try:
        chans = load_channels(files)
    except ChannelError as e:
        state.FC_PROBLEM.set(str(e))
        return
    state.FC_PROBLEM.clear()
    digest = hashlib.sha1(key.encode()).hexdigest()[:12]
    title = ", ".join(f.name for f in files)
    state.FC_DATA.set({"key": digest, "title": title, "channels": chans, "sample": False})


def describe(chans) -> str:
    h, w = chans[0].data.shape
    kinds = sorted({str(c.data.dtype) for c in chans})
    return f"{len(chans)} channel{'s' if len(chans) > 1 else ''} · {w} x {h} pixels · {', '.join(kinds)}"


# --------------------------------------------------------------------------- the settings


def colour_choice(chans, key: str) -> dict:
    """The colour widgets: the falsecolour() arguments (colours, preset or lut)."""
    n = len(chans)
    if n == 1:
        how = st.radio("Colour it with", ["A look-up table", "One colour"], horizontal=True, key=f"fc_how1_{key}",
                       help="A look-up table spreads one channel over a whole scale of colours (viridis, cividis "
                            "and magma are even in lightness and readable by colour-blind people).")
        if how == "A look-up table":
            return {"lut": st.selectbox("Look-up table", LUTS, key=f"fc_lut_{key}")}
        return {"colours": [st.color_picker(f"Colour of {chans[0].name}", "#ffffff", key=f"fc_c0_{key}")]}
    how = st.radio("Colours", ["A preset", "My own colours"], horizontal=True, key=f"fc_how_{key}")
    if how == "A preset":
        fits_ = [p for p, preset in PRESETS.items() if len(preset.colours) >= n]
        preset = st.selectbox("Preset", fits_, key=f"fc_preset_{key}", format_func=lambda p: PRESETS[p].title,
                              help="Fiji's order: red, green, blue, grey, cyan, magenta, yellow. The colour-blind "
                                   "safe pair is magenta and green. The Hubble palette shows SII, H-alpha and "
                                   "OIII as red, green and blue.")
        return {"preset": preset}
    cols = st.columns(min(n, 4))
    order = PRESETS["fiji"].colours
    return {"colours": [cols[i % len(cols)].color_picker(ch.name, palette.colour_hex(order[i]), key=f"fc_c{i}_{key}")
                        for i, ch in enumerate(chans)]}


def stretch_choice(chans, key: str) -> tuple[str, float | None]:
    """The stretch radio and, for asinh, its softening: (stretch, softening)."""
    floaty = any(c.data.dtype.kind == "f" for c in chans)
    name = st.radio("Stretch", stretch.STRETCHES, index=1 if floaty else 0, horizontal=True, key=f"fc_st_{key}",
                    help="linear: brightness in proportion to the value. asinh: faint detail lifted while bright "
                         "cores stay apart (astronomy, Lupton et al. 2004). log: faint detail lifted more.")
    if name != "asinh":
        return name, None
    a = st.select_slider("asinh softening", SOFTENINGS, value=0.1, key=f"fc_soft_{key}",
                         help="Below this share of the range asinh stays linear. 0.1 is astropy's and ds9's "
                              "default; 0.001 shows a galaxy hundreds of times fainter than the star beside it.")
    return name, a


def range_choice(chans, key: str) -> list[tuple[float, float]]:
    """A slider per channel over the percentiles of its pixels (0.1 to 99.9 at first: the auto range; one scale
    for 8-bit, 16-bit and float data of any spread), with the values it gives; ChannelError (all-NaN) passes up."""
    out = []
    low, high = stretch.AUTO_PERCENTILES
    for i, ch in enumerate(chans):
        picked = st.slider(f"Range of {ch.name} (percentiles of its pixels)", 0.0, 100.0, (low, high), step=0.1,
                           format="%.1f %%", key=state.FC_RANGE.key(i, key),
                           help="Below the first, black; above the second, full colour. 0 and 100: nothing "
                                "clipped. The command line also takes values (--range MIN:MAX).")
        lo, hi = stretch.percentile_range(ch, *picked)
        st.caption(f"{ch.name}: {fmt(lo)} to {fmt(hi)}")
        out.append((lo, hi))
    return out


def reset_ranges(key: str, n: int) -> None:
    """Back to the auto ranges, 0.1 to 99.9 % (on_click)."""
    for i in range(n):
        state.FC_RANGE(i, key).clear()


# --------------------------------------------------------------------------- the picture and its files


def _preview_channels(chans):
    pixels = chans[0].data.size
    step = max(1, math.ceil(math.sqrt(pixels / PREVIEW_PIXELS)))
    if step == 1:
        return chans
    from core.science import Channel

    return [Channel(np.ascontiguousarray(c.data[::step, ::step]), c.name, c.source) for c in chans]


def preview(chans, settings: dict):
    """The false colour of (every n-th pixel of) the channels with ``settings``; ChannelError passes up."""
    return falsecolour(_preview_channels(chans), **settings)


def histogram(chans, result):
    """The channels' histograms with their display ranges, each in the colour it is shown in."""
    from core.figures.falsecolour import histogram_figure

    colours = [s.colour or "#dddddd" for s in result.shown]
    return histogram_figure(chans, [s.range for s in result.shown], colours)


def show(result, title: str) -> None:
    """The picture with its legend beside it, as 8-bit for the screen."""
    picture = outputs.to_bits(science_legend.with_legend(result), 8)
    st.image(fit_within(picture, 1400), caption=f"False colour of {title}: {result.legend_text}", width="stretch")


def _file(chans, settings: dict, fmt: str, legend: bool) -> bytes:
    bits = 16 if fmt == "tiff" else None
    result = falsecolour(chans, **settings, **({"bits": bits} if bits else {}))
    from core.credentials import Request, Signing

    return science_legend.encode(result, "png16" if fmt == "png" and result.bits == 16 else fmt, legend,
                                 Request(Signing.from_env()))


def downloads(chans, settings: dict, name: str) -> None:
    """PNG (16-bit when the data are) and 16-bit TIFF of the full-size picture, made when pressed (signed with
    Content Credentials: measured, nothing guessed; a warning when this server cannot sign)."""
    from ui import credentials as ui_credentials

    ui_credentials.warning()
    legend = st.checkbox("Draw the legend beside the picture in the files", value=True, key="fc_file_legend",
                         help="Either way the file's XMP keeps the legend: which channel became which colour.")
    stem = f"{safe_stem(name)}_falsecolour"
    c1, c2 = st.columns(2)
    c1.download_button("Download PNG", data=lambda: _file(chans, settings, "png", legend), file_name=f"{stem}.png",
                       mime="image/png", key="fc_png", type="primary", icon=":material/download:", on_click="ignore")
    c2.download_button("Download 16-bit TIFF", data=lambda: _file(chans, settings, "tiff", legend),
                       file_name=f"{stem}.tif", mime="image/tiff", key="fc_tiff", icon=":material/download:",
                       on_click="ignore")
