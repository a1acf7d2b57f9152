"""Where is the model unsure? Its own distribution over colours, per pixel, as one map.

The autoencoder and eccv16 are classifiers: at each pixel of their output (1/4 of the render size) they
give a probability to each of their ab bins (265 and 313 of them; ``Colorizer.predict_distribution``).
Where the probability is spread over many bins, the model does not know the colour. The map here is the
*normalised entropy* of that distribution, ``-sum(p log p) / log Q``: 0 when one bin has it all, 1 when
every bin is equally likely. It is computed at the network's output resolution and resized (bilinear) to
the photo, so it is as smooth as the model's colour itself. It is then weighted by how much colour the
screen can show at each pixel's lightness (:func:`visible_chroma`: the sRGB gamut's smallest maximum chroma
over all hues at that L, relative to its largest, 0 at black and white): near black or white no colour
can be wrong by much, so a hesitation there matters less. On held-out photos this weighting raises the
rank correlation of the map with the automatic result's per-pixel error from about 0.15-0.21 to 0.22-0.23
(tools/bench_suggest.py, docs/guided-colour.md).

Models without a distribution (``has_distribution`` False in the registry's facts: the grayscale model)
raise :class:`~core.colorizers.base.NoDistribution`, a ValueError with a message for the user; nothing is
returned in their place. Photos over WORK_PIXELS are read on a smaller copy (the network sees a few hundred
pixels anyway). Pure, deterministic and safe from several threads (the model's own lock guards its net).
"""

from __future__ import annotations

import functools

import numpy as np

from core import lab
from core.colorizers.base import NoDistribution
from core.rgb import check_rgb

WORK_PIXELS = 4_000_000      # larger photos are read on a smaller copy (the net sees ~200 px anyway)
TINY = 1e-12




def work_copy(rgb: np.ndarray, pixels: int = WORK_PIXELS) -> np.ndarray:
    """The photo, or a smaller copy (area-averaged, aspect kept) when it has more than ``pixels``."""
    h, w = rgb.shape[:2]
    scale = min(1.0, (pixels / float(h * w)) ** 0.5)
    if scale >= 1.0:
        return rgb
    return lab.resize_rgb(rgb, max(1, round(h * scale)), max(1, round(w * scale)))


def distribution(rgb: np.ndarray, model: str = "autoencoder", render_factor: int | None = None):
    """(L of the work copy (h, w), probabilities (h', w', Q) at the network's output resolution, bin
    centres (Q, 2) in Lab ab) of ``model`` for the photo. ValueError (bad photo, unknown model, bad render
    factor), NoDistribution (a model without one) or ModelUnavailable (weights missing). ``model``: a name, the
    path of a model file, or a colorizer instance (a session's own model in the app)."""
    from core.colorizers import CLASSES, Colorizer, get_colorizer, model_class

    rgb = check_rgb(rgb)
    cls = model if isinstance(model, Colorizer) else model_class(model)
    if not cls.has_distribution:
        with_one = [name for name, c in CLASSES.items() if c.has_distribution]
        raise NoDistribution(f"the {model} model predicts no distribution over colours, so it cannot say where "
                             f"it is unsure; use {' or '.join(with_one) or 'a model that has one'}")
    cls.check_render_factor(render_factor)
    col = model if isinstance(model, Colorizer) else get_colorizer(model)
    L = lab.lightness(work_copy(rgb))
    probs, centres = col.distribution_for_lightness(L, render_factor)
    return L, np.asarray(probs, np.float32), np.asarray(centres, np.float32)


def entropy_map(probs: np.ndarray) -> np.ndarray:
    """Normalised entropy (h, w) float32 in [0, 1] of per-pixel probabilities (h, w, Q)."""
    p = np.asarray(probs, np.float32)
    q = p.shape[-1]
    h = -(p * np.log(np.maximum(p, TINY))).sum(-1)
    return np.clip(h / np.float32(np.log(q)), 0.0, 1.0).astype(np.float32)


@functools.cache
def _visible_table() -> np.ndarray:
    from core import gamut

    table = gamut._max_chroma_table().min(axis=1).astype(np.float32)
    out = table / max(float(table.max()), TINY)
    out.setflags(write=False)
    return out


def visible_chroma(L: np.ndarray) -> np.ndarray:
    """0-1 per pixel: the most chroma sRGB shows at every hue at lightness ``L`` (0-100), over its largest
    (at L about 74); 0 at black and white."""
    table = _visible_table()
    pos = np.clip(np.asarray(L, np.float32) / np.float32(0.5), 0, len(table) - 1)
    return np.interp(pos, np.arange(len(table), dtype=np.float32), table).astype(np.float32)


def uncertainty_map(L: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """The map at the size of ``L`` (h, w): the normalised entropy of ``probs`` (at the network's output
    resolution), resized, times :func:`visible_chroma` of L."""
    u = resize_map(entropy_map(probs), *np.shape(L))
    u *= visible_chroma(L)
    return u


def resize_map(u: np.ndarray, height: int, width: int) -> np.ndarray:
    """A map (h, w) float32 resized (bilinear) to (height, width), kept in [0, 1]."""
    import cv2

    u = np.asarray(u, np.float32)
    if u.shape != (height, width):
        u = cv2.resize(u, (width, height), interpolation=cv2.INTER_LINEAR)
    return np.clip(u, 0.0, 1.0).astype(np.float32, copy=False)


def uncertainty(rgb: np.ndarray, model: str = "autoencoder", render_factor: int | None = None) -> np.ndarray:
    """How unsure ``model`` is of the colour at each pixel: float32 H x W (the photo's size) in [0, 1],
    0 = sure, 1 = every colour equally likely (the normalised entropy of its distribution, weighted by the
    colour that the screen can show at each pixel's lightness; see the module's docstring). Only the
    photo's lightness counts, as for colorizing.

    Raises NoDistribution (a ValueError) for a model that has no distribution over colours (grayscale),
    ValueError for a bad photo, an unknown model or a render factor out of range, ModelUnavailable when the
    model's weights are missing. Every message is meant for the user."""
    rgb = check_rgb(rgb)
    L, probs, _ = distribution(rgb, model, render_factor)
    return resize_map(uncertainty_map(L, probs), *rgb.shape[:2])


def uncertainty_of(rgb: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """:func:`uncertainty` of a distribution the model already gave (``probs`` (h', w', Q), e.g. from the
    forward pass that made the photo's colour, :func:`core.pipeline.process`): the same map, no network."""
    rgb = check_rgb(rgb)
    return resize_map(uncertainty_map(lab.lightness(work_copy(rgb)), probs), *rgb.shape[:2])


def uncertainty_score(u: np.ndarray) -> float:
    """One number per photo, for a review queue: the mean of the uncertainty map (0 = sure everywhere,
    1 = unsure everywhere). Photos with a higher score need a person first."""
    u = np.asarray(u, np.float32)
    if u.ndim != 2 or u.size == 0:
        raise ValueError(f"expected an uncertainty map (H x W), got shape {u.shape}")
    return float(np.mean(u, dtype=np.float64))


COLORSCALE = "Viridis"       # perceptually uniform (plotly's copy of matplotlib's viridis)


@functools.cache
def _lut() -> np.ndarray:
    """256 x 3 uint8: plotly's Viridis colourscale sampled at 256 levels (once per process)."""
    from plotly.colors import sample_colorscale, unlabel_rgb

    levels = np.linspace(0.0, 1.0, 256).tolist()
    colours = sample_colorscale(COLORSCALE, levels, colortype="rgb")
    lut = np.array([unlabel_rgb(c) for c in colours], np.float64)
    lut = np.clip(np.rint(lut), 0, 255).astype(np.uint8)
    lut.setflags(write=False)
    return lut


def uncertainty_colormap(u: np.ndarray) -> np.ndarray:
    """The map as a picture, H x W x 3 uint8, in a perceptually uniform colormap (viridis: dark purple =
    sure, yellow = unsure; 0 and 1 are the ends of the scale, not stretched per photo, so two photos'
    pictures compare). :func:`colormap_legend` gives the colours of the scale for a legend."""
    u = np.asarray(u, np.float32)
    if u.ndim != 2 or u.size == 0:
        raise ValueError(f"expected an uncertainty map (H x W), got shape {u.shape}")
    idx = np.rint(np.nan_to_num(np.clip(u, 0.0, 1.0)) * 255.0).astype(np.uint8)
    return _lut()[idx]


OVERLAY_SHARE = 0.6          # the colormap's share where it is drawn over a photo (the rest: the photo's grey)


def uncertainty_overlay(rgb: np.ndarray, u: np.ndarray, share: float = OVERLAY_SHARE) -> np.ndarray:
    """The map drawn over the photo, H x W x 3 uint8 at the photo's size: the colormap blended (``share``)
    over the photo's *grey* (its lightness), never over its colours: a colour of the photo mixed with the
    map would make hues the legend does not have (dark purple over a white cloud coloured warm reads pink;
    yellow over a blue sky, green), while a grey only lightens or darkens the map's own hue."""
    rgb = check_rgb(rgb)
    h, w = rgb.shape[:2]
    cmap = uncertainty_colormap(resize_map(u, h, w)).astype(np.float32)
    grey = lab.to_grey_rgb(rgb).astype(np.float32)
    share = float(np.clip(share, 0.0, 1.0))
    return np.rint((1.0 - share) * grey + share * cmap).clip(0, 255).astype(np.uint8)


def colormap_legend(steps: int = 5) -> list[tuple[float, str]]:
    """``steps`` (value, "#rrggbb") pairs from 0 to 1 along the colormap, for a legend."""
    lut = _lut()
    out = []
    for v in np.linspace(0.0, 1.0, max(2, int(steps))):
        r, g, b = (int(c) for c in lut[int(round(v * 255))])
        out.append((float(v), f"#{r:02x}{g:02x}{b:02x}"))
    return out
