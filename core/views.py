"""Pictures, charts and files the app shows or hands out (no Streamlit here).

Everything numerical that the web pages display lives in this module so the
pages stay thin and every figure can be tested without a browser:

* the built-in sample gallery (colour photos that scikit-image ships);
* the L, a and b channels as images with meaningful colour maps: a is drawn
  as the Lab colour ``(L=70, a, 0)`` so negative a is green, zero is neutral
  grey and positive a is red/magenta; b likewise ``(70, 0, b)`` from blue
  through grey to yellow;
* a/b histograms and the 2-D ab density (the part of the colour plane a
  result uses) as plotly figures;
* metric tables and bar charts, the "AI-coloured" stamp, PNG/ZIP files and
  the data URIs the compare slider embeds.

Images are ``H x W x 3`` ``uint8`` RGB throughout.
"""

from __future__ import annotations

import base64
import hashlib
import io
import math
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from core import lab
from core.images import encode_png
from core.metrics import METRICS, colorfulness, compare

# --------------------------------------------------------------------------- samples


@dataclass(frozen=True)
class Sample:
    name: str        # scikit-image loader, e.g. "chelsea"
    title: str
    credit: str


# Only photos that scikit-image ships inside its wheel (no download at run time).
SAMPLES: tuple[Sample, ...] = (
    Sample("chelsea", "Chelsea the cat", "scikit-image sample data (Stefan van der Walt)"),
    Sample("coffee", "Cup of coffee", "scikit-image sample data (Rachel Michetti)"),
    Sample("astronaut", "Astronaut Eileen Collins", "scikit-image sample data (NASA, public domain)"),
    Sample("rocket", "Rocket on the launch pad", "scikit-image sample data (SpaceX, CC0)"),
    Sample("immunohistochemistry", "Stained tissue (microscope)", "scikit-image sample data (GWU)"),
)
SAMPLE_BY_NAME = {s.name: s for s in SAMPLES}


def load_sample(name: str, max_side: int = 512) -> np.ndarray:
    """The colour sample ``name`` as RGB uint8, shrunk so its long side is at most ``max_side``."""
    if name not in SAMPLE_BY_NAME:
        raise ValueError(f"unknown sample {name!r}; choose from {', '.join(SAMPLE_BY_NAME)}")
    from skimage import data

    rgb = np.ascontiguousarray(np.asarray(getattr(data, name)())[..., :3], dtype=np.uint8)
    return fit_within(rgb, max_side)


def fit_within(rgb: np.ndarray, max_side: int) -> np.ndarray:
    """Shrink (never enlarge) so that the long side is at most ``max_side`` pixels."""
    h, w = rgb.shape[:2]
    if max(h, w) <= max_side:
        return rgb
    scale = max_side / float(max(h, w))
    return lab.resize_rgb(rgb, max(1, round(h * scale)), max(1, round(w * scale)))


def image_key(rgb: np.ndarray) -> str:
    """A short content hash of an image (shape and pixels): the cache key of its results."""
    arr = np.ascontiguousarray(rgb)
    h = hashlib.sha1(repr((arr.shape, str(arr.dtype))).encode())
    h.update(arr.tobytes())
    return h.hexdigest()[:16]


def desaturate(rgb: np.ndarray) -> np.ndarray:
    """The grey version of a photo the colorizers see (L kept, a = b = 0)."""
    return lab.to_grey_rgb(rgb)


def app_icon(size: int = 64) -> np.ndarray:
    """The app's favicon, drawn here (no download): a colour wheel whose left half is grey."""
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    c = (size - 1) / 2.0
    r = np.hypot(xx - c, yy - c) / c
    theta = np.arctan2(c - yy, xx - c)
    chroma = np.where(xx > c, 75.0 * np.clip(r, 0, 1), 0.0)
    lab_img = np.stack([np.full_like(r, 65.0), chroma * np.cos(theta), chroma * np.sin(theta)], axis=-1)
    rgb = lab.lab_to_rgb(lab_img)
    rgb[r > 1.0] = 255
    return rgb


# --------------------------------------------------------------------------- channels

CHANNEL_DISPLAY_L = 70.0    # lightness used to draw the a and b channels
CHANNEL_GAIN = 2.0          # a and b pictures show each value twice as saturated, so colour is visible on a projector
AB_LIMIT = 100.0            # axis range of the ab plots: -100 ... +100
ANALYSIS_SIDE = 800         # histograms and densities look at a copy at most this big (same shares of colour)
SCORE_MAX_PIXELS = 4_000_000  # bigger photos are scored on a shrunk copy (the same for every model)


def split_lab(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(L, a, b) float32 maps of an RGB image."""
    lab_img = lab.rgb_to_lab(rgb)
    return lab_img[..., 0], lab_img[..., 1], lab_img[..., 2]


def l_image(L: np.ndarray) -> np.ndarray:
    """L in [0, 100] drawn as grey levels 0-255 (black = 0, white = 100)."""
    g = np.clip(np.rint(np.asarray(L, np.float32) * 2.55), 0, 255).astype(np.uint8)
    return np.repeat(g[..., None], 3, axis=2)


def _axis_image(values: np.ndarray, axis: int, lightness: float = CHANNEL_DISPLAY_L) -> np.ndarray:
    v = np.clip(np.asarray(values, np.float32) * CHANNEL_GAIN, -AB_LIMIT, AB_LIMIT)
    lab_img = np.zeros(v.shape + (3,), np.float32)
    lab_img[..., 0] = lightness
    lab_img[..., axis] = v
    return lab.lab_to_rgb(lab_img)


def a_image(a: np.ndarray) -> np.ndarray:
    """The a channel as colour: green (negative) - neutral grey (0) - red/magenta (positive).

    Drawn as the Lab colour (70, CHANNEL_GAIN x a, 0): the true direction of a, twice as saturated."""
    return _axis_image(a, 1)


def b_image(b: np.ndarray) -> np.ndarray:
    """The b channel as colour: blue (negative) - neutral grey (0) - yellow (positive)."""
    return _axis_image(b, 2)


def ab_image(rgb: np.ndarray, lightness: float = CHANNEL_DISPLAY_L) -> np.ndarray:
    """Only the colour of an image: its a and b at one constant lightness."""
    _, a, b = split_lab(rgb)
    lab_img = np.stack([np.full_like(a, lightness), a, b], axis=-1)
    return lab.lab_to_rgb(lab_img)


def channel_images(rgb: np.ndarray) -> dict[str, np.ndarray]:
    """{"L": ..., "a": ..., "b": ...} images of one RGB image, each the image's size."""
    L, a, b = split_lab(rgb)
    return {"L": l_image(L), "a": a_image(a), "b": b_image(b)}


CHANNEL_LEGENDS = {
    "L": ("0 black", "100 white"),
    "a": (f"-{AB_LIMIT / CHANNEL_GAIN:.0f} green", f"+{AB_LIMIT / CHANNEL_GAIN:.0f} red"),
    "b": (f"-{AB_LIMIT / CHANNEL_GAIN:.0f} blue", f"+{AB_LIMIT / CHANNEL_GAIN:.0f} yellow"),
}


def channel_legend(channel: str, width: int = 256, height: int = 14) -> np.ndarray:
    """A colour bar of the map used for ``channel`` ("L", "a" or "b"), left = low, right = high."""
    if channel == "L":
        ramp = np.linspace(0, 100, width, dtype=np.float32)
        row = l_image(ramp[None, :])
    elif channel in ("a", "b"):
        lim = AB_LIMIT / CHANNEL_GAIN
        ramp = np.linspace(-lim, lim, width, dtype=np.float32)[None, :]
        row = a_image(ramp) if channel == "a" else b_image(ramp)
    else:
        raise ValueError(f"unknown channel {channel!r}")
    return np.ascontiguousarray(np.repeat(row, height, axis=0))


def render_preview(rgb: np.ndarray, render_factor: int, stride: int = 8) -> np.ndarray:
    """What a network sees: the grey image at the render resolution (16 x factor px, long side)."""
    L = lab.lightness(rgb)
    h, w = lab.render_size(*L.shape, render_factor, stride)
    return l_image(lab.resize_l(L, h, w))


def _analysis_ab(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    _, a, b = split_lab(fit_within(np.asarray(rgb, np.uint8), ANALYSIS_SIDE))
    return a, b


def ab_stats(rgb: np.ndarray) -> dict[str, float]:
    """Summary of the colour an image uses: mean chroma, mean a and b, and the
    share of the ab plane it covers (10 x 10 bins holding at least 0.1 % of the pixels)."""
    a, b = _analysis_ab(rgb)
    chroma = np.sqrt(a * a + b * b)
    hist, _, _ = np.histogram2d(a.ravel(), b.ravel(), bins=22, range=[[-110, 110], [-110, 110]])
    used = float((hist >= max(1.0, 0.001 * a.size)).sum()) / hist.size
    return {"mean_chroma": float(chroma.mean()), "mean_a": float(a.mean()), "mean_b": float(b.mean()),
            "ab_coverage": used}


def ab_stats_table(sources: Mapping[str, np.ndarray]) -> list[dict]:
    """Rows of :func:`ab_stats` for labelled images, rounded for display."""
    rows = []
    for label, rgb in sources.items():
        s = ab_stats(rgb)
        rows.append({"picture": label, "mean chroma": round(s["mean_chroma"], 1), "mean a": round(s["mean_a"], 1),
                     "mean b": round(s["mean_b"], 1), "share of the ab plane used (%)": round(100 * s["ab_coverage"])})
    return rows


# --------------------------------------------------------------------------- plotly figures

_PALETTE = ("#222222", "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")


FIGURE_FONT = {"size": 15}      # readable on a projector


def _go():
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    return go, make_subplots


def ab_histogram_figure(sources: Mapping[str, np.ndarray], bins: int = 64):
    """Histograms of a and b (share of pixels per bin) for each labelled image, overlaid."""
    go, make_subplots = _go()
    fig = make_subplots(rows=1, cols=2, subplot_titles=("a: green ← 0 → red", "b: blue ← 0 → yellow"),
                        horizontal_spacing=0.08)
    edges = np.linspace(-AB_LIMIT, AB_LIMIT, bins + 1)
    centres = 0.5 * (edges[:-1] + edges[1:])
    for i, (label, rgb) in enumerate(sources.items()):
        a, b = _analysis_ab(rgb)
        colour = _PALETTE[i % len(_PALETTE)]
        for col, ch in ((1, a), (2, b)):
            counts, _ = np.histogram(np.clip(ch, -AB_LIMIT, AB_LIMIT), bins=edges)
            share = counts / max(1, ch.size) * 100.0
            fig.add_trace(go.Scatter(x=centres, y=share, mode="lines", name=label, legendgroup=label,
                                     showlegend=col == 1, line={"color": colour, "width": 3 if i == 0 else 2}),
                          row=1, col=col)
    fig.update_xaxes(range=[-AB_LIMIT, AB_LIMIT], zeroline=True, zerolinewidth=2)
    fig.update_yaxes(title_text="% of pixels", row=1, col=1)
    fig.update_layout(font=FIGURE_FONT, height=360, margin={"l": 40, "r": 10, "t": 40, "b": 40},
                      legend={"orientation": "h", "y": -0.2})
    return fig


def ab_density(rgb: np.ndarray, bins: int = 44) -> tuple[np.ndarray, np.ndarray]:
    """2-D histogram of (a, b) as a share of pixels; returns (density[b, a], bin centres)."""
    a, b = _analysis_ab(rgb)
    edges = np.linspace(-AB_LIMIT, AB_LIMIT, bins + 1)
    hist, _, _ = np.histogram2d(np.clip(b.ravel(), -AB_LIMIT, AB_LIMIT), np.clip(a.ravel(), -AB_LIMIT, AB_LIMIT),
                                bins=[edges, edges])
    return hist / max(1, a.size), 0.5 * (edges[:-1] + edges[1:])


def ab_density_figure(sources: Mapping[str, np.ndarray], bins: int = 44):
    """One ab-plane heat map per labelled image, side by side: the gamut each one uses."""
    go, make_subplots = _go()
    labels = list(sources)
    n = max(1, len(labels))
    fig = make_subplots(rows=1, cols=n, subplot_titles=labels, horizontal_spacing=0.04,
                        shared_yaxes=True)
    for i, label in enumerate(labels, start=1):
        dens, centres = ab_density(sources[label], bins)
        z = np.log10(1e-5 + dens * 100.0)   # log of % of pixels, so faint colours stay visible
        fig.add_trace(go.Heatmap(x=centres, y=centres, z=z, colorscale="Viridis", zmin=-3, zmax=1.5,
                                 showscale=i == n, colorbar={"title": "log10 %"},
                                 hovertemplate="a %{x:.0f}, b %{y:.0f}<extra></extra>"), row=1, col=i)
        fig.update_xaxes(title_text="a (green → red)", range=[-AB_LIMIT, AB_LIMIT], row=1, col=i)
    fig.update_yaxes(range=[-AB_LIMIT, AB_LIMIT])
    fig.update_yaxes(title_text="b (blue → yellow)", row=1, col=1)
    fig.update_layout(font=FIGURE_FONT, height=max(280, min(480, int(700 / n) + 90)),
                      margin={"l": 50, "r": 10, "t": 40, "b": 50})
    return fig


# --------------------------------------------------------------------------- metrics

METRIC_ORDER = ("mse", "psnr", "ssim", "delta_e2000", "colorfulness_ratio")
LOWER_IS_BETTER = {"mse", "delta_e2000"}


def scoring_copy(rgb: np.ndarray, max_pixels: int = SCORE_MAX_PIXELS) -> np.ndarray:
    """``rgb`` itself, or an area-shrunk copy when it has more than ``max_pixels`` pixels."""
    h, w = rgb.shape[:2]
    if h * w <= max_pixels:
        return rgb
    scale = math.sqrt(max_pixels / float(h * w))
    return lab.resize_rgb(rgb, max(1, int(h * scale)), max(1, int(w * scale)))


def scored_shrunk(rgb: np.ndarray, max_pixels: int = SCORE_MAX_PIXELS) -> bool:
    """Whether :func:`metric_rows` scores this picture on a shrunk copy."""
    return rgb.shape[0] * rgb.shape[1] > max_pixels


def metric_rows(photo: str, reference: np.ndarray, outputs: Mapping[str, np.ndarray],
                max_pixels: int = SCORE_MAX_PIXELS) -> list[dict]:
    """One row per model: {"photo", "model", mse, psnr, ssim, delta_e2000, colorfulness_ratio}.

    Photos over ``max_pixels`` are scored on shrunk copies of the reference and
    of every output alike (full-size CIEDE2000 of a 40 MP photo needs gigabytes).
    """
    ref = scoring_copy(reference, max_pixels)
    rows = []
    for model, out in outputs.items():
        row = {"photo": photo, "model": model}
        row.update(compare(ref, scoring_copy(out, max_pixels)))
        rows.append(row)
    return rows


def colourfulness_rows(photo: str, outputs: Mapping[str, np.ndarray]) -> list[dict]:
    """Colourfulness only (no reference): one row per model."""
    return [{"photo": photo, "model": model, "colourfulness": colorfulness(scoring_copy(out))}
            for model, out in outputs.items()]


def _finite_mean(values: Sequence[float]) -> float:
    vals = [v for v in values if v is not None and not math.isnan(v)]
    if not vals:
        return float("nan")
    finite = [v for v in vals if math.isfinite(v)]
    return float(np.mean(finite)) if len(finite) == len(vals) else float("inf")


def mean_rows(rows: Sequence[dict], columns: Sequence[str] = METRIC_ORDER) -> list[dict]:
    """The mean of each column per model, in first-seen model order (photo = "mean")."""
    models: list[str] = []
    for r in rows:
        if r["model"] not in models:
            models.append(r["model"])
    out = []
    for m in models:
        mine = [r for r in rows if r["model"] == m]
        row = {"photo": f"mean of {len(mine)}", "model": m}
        for c in columns:
            row[c] = _finite_mean([r[c] for r in mine])
        out.append(row)
    return out


def metrics_table(rows: Sequence[dict]) -> list[dict]:
    """Rows for display: labelled columns, values rounded (infinite PSNR stays ``inf``)."""
    out = []
    for r in rows:
        row = {"photo": r["photo"], "model": r["model"]}
        for key in METRIC_ORDER:
            v = r.get(key)
            digits = 1 if key == "mse" else 2 if key in ("psnr", "delta_e2000") else 3
            row[METRICS[key][0]] = round(v, digits) if v is not None and math.isfinite(v) else v
        out.append(row)
    return out


def format_metric(key: str, value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if math.isinf(value):
        return "∞ (identical)" if key == "psnr" else "∞"
    if key == "mse":
        return f"{value:.1f}"
    if key in ("psnr", "delta_e2000"):
        return f"{value:.2f}"
    return f"{value:.3f}"


def metric_bar_figure(rows: Sequence[dict], key: str, title: str | None = None):
    """A bar per model (value of ``key``), with the better direction in the title."""
    go, _ = _go()
    label = METRICS[key][0] if key in METRICS else key
    direction = ("lower is better" if key in LOWER_IS_BETTER
                 else "closest to 1 is best" if key == "colorfulness_ratio" else "higher is better")
    models = [r["model"] for r in rows]
    values = [r[key] for r in rows]
    shown = [v if v is not None and math.isfinite(v) else None for v in values]
    fig = go.Figure(go.Bar(x=models, y=shown, text=[format_metric(key, v) for v in values],
                           textposition="auto", marker_color=[_PALETTE[(i + 1) % len(_PALETTE)]
                                                              for i in range(len(models))]))
    if key == "colorfulness_ratio":
        fig.add_hline(y=1.0, line_dash="dash", annotation_text="as vivid as the original")
    fig.update_layout(font=FIGURE_FONT, title=title or f"{label} ({direction})", height=300,
                      margin={"l": 40, "r": 10, "t": 50, "b": 40}, yaxis_title=label)
    return fig


def colourfulness_figure(rows: Sequence[dict]):
    """Bars of the absolute colourfulness per model (used when there is no reference)."""
    go, _ = _go()
    models = [r["model"] for r in rows]
    values = [r["colourfulness"] for r in rows]
    fig = go.Figure(go.Bar(x=models, y=values, text=[f"{v:.1f}" for v in values], textposition="auto",
                           marker_color=[_PALETTE[(i + 1) % len(_PALETTE)] for i in range(len(models))]))
    fig.update_layout(font=FIGURE_FONT, title="Colourfulness (0 = grey; higher = more vivid)", height=300,
                      margin={"l": 40, "r": 10, "t": 50, "b": 40}, yaxis_title="colourfulness")
    return fig


def round_rows(rows: Sequence[dict], digits: int = 2) -> list[dict]:
    """Copies of ``rows`` with float values rounded for display."""
    return [{k: (round(v, digits) if isinstance(v, float) and math.isfinite(v) else v) for k, v in r.items()}
            for r in rows]


# --------------------------------------------------------------------------- files

STAMP_TEXT = "AI-coloured"


def stamp_label(rgb: np.ndarray, text: str = STAMP_TEXT) -> np.ndarray:
    """A copy of ``rgb`` with ``text`` in a dark box in the bottom-right corner (Pillow's default font)."""
    from PIL import Image, ImageDraw, ImageFont

    img = Image.fromarray(np.asarray(rgb, np.uint8)).convert("RGBA")
    w, h = img.size
    size = max(8, int(round(min(w, h) * 0.06)))
    try:
        font = ImageFont.load_default(size=size)
    except (TypeError, OSError):   # pragma: no cover - Pillow without FreeType
        font = ImageFont.load_default()
    overlay = Image.new("RGBA", img.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    tw, th = right - left, bottom - top
    pad = max(2, size // 4)
    x1, y1 = w - pad, h - pad
    x0, y0 = max(0, x1 - tw - 2 * pad), max(0, y1 - th - 2 * pad)
    draw.rectangle((x0, y0, x1, y1), fill=(0, 0, 0, 170))
    draw.text((x0 + pad - left, y0 + pad - top), text, font=font, fill=(255, 255, 255, 255))
    return np.asarray(Image.alpha_composite(img, overlay).convert("RGB"), dtype=np.uint8)


def png_bytes(rgb: np.ndarray, stamp: bool = False) -> bytes:
    """PNG file of an image, optionally stamped "AI-coloured"."""
    return encode_png(stamp_label(rgb) if stamp else rgb)


def safe_stem(name: str) -> str:
    """A file-name stem without folders, extension or odd characters."""
    stem = re.sub(r"\.[A-Za-z0-9]{1,5}$", "", str(name).replace("\\", "/").rsplit("/", 1)[-1])
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("._")
    return stem[:80] or "photo"


def result_filename(photo_name: str, model: str, render_factor: int) -> str:
    return f"{safe_stem(photo_name)}_{safe_stem(model)}_rf{int(render_factor)}.png"


def build_zip(entries: Iterable[tuple[str, np.ndarray]], stamp: bool = False, readme: str | None = None) -> bytes:
    """A ZIP of PNGs from (filename, rgb) pairs; repeated names get a numeric suffix."""
    buf = io.BytesIO()
    seen: set[str] = set()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as zf:
        for name, rgb in entries:
            stem, dot, ext = name.rpartition(".")
            if not dot:
                stem, ext = name, "png"
            candidate, n = f"{stem}.{ext}", 2
            while candidate in seen:
                candidate, n = f"{stem}_{n}.{ext}", n + 1
            seen.add(candidate)
            zf.writestr(candidate, png_bytes(rgb, stamp))
        if readme:
            zf.writestr("README.txt", readme)
    return buf.getvalue()


def to_data_uri(rgb: np.ndarray, max_side: int = 1280, fmt: str = "JPEG", quality: int = 90) -> str:
    """An inline ``data:`` URI of the image (shrunk to ``max_side``), for HTML that must work offline."""
    from PIL import Image

    small = fit_within(np.asarray(rgb, np.uint8), max_side)
    buf = io.BytesIO()
    fmt = fmt.upper()
    if fmt == "PNG":
        Image.fromarray(small).save(buf, format="PNG")
        mime = "image/png"
    else:
        Image.fromarray(small).save(buf, format="JPEG", quality=quality)
        mime = "image/jpeg"
    return f"data:{mime};base64,{base64.b64encode(buf.getvalue()).decode('ascii')}"
