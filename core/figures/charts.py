"""Plotly figures of the app: ab histograms, the ab-plane density, metric bars (no Streamlit)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from core.figures.channels import AB_LIMIT, ab_density, analysis_ab
from core.figures.tables import format_metric
from core.metrics import LOWER_IS_BETTER, METRICS

_PALETTE = ("#222222", "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")


FIGURE_FONT = {"size": 15}      # readable on a projector


def _go():
    # pandas first, under Python's import lock: plotly looks it up in sys.modules without that lock, and two
    # sessions drawing their first chart at once could otherwise get a half-imported pandas (AttributeError).
    import pandas  # noqa: F401
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
        a, b = analysis_ab(rgb)
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


PROJECTOR_SCALE = 1.7           # presentation mode: 15 px chart text becomes 25.5 px (like the page text)


def for_projector(fig, scale: float = PROJECTOR_SCALE):
    """The same figure with every text (titles, ticks, legends, subplot titles, bar labels) and the
    height scaled by ``scale``, for presentation mode on a projector."""
    size = (fig.layout.font.size or FIGURE_FONT["size"]) * scale
    margin = fig.layout.margin
    fig.update_layout(
        font={"size": size},
        height=int((fig.layout.height or 300) * (1 + (scale - 1) * 0.6)),
        margin={side: int((getattr(margin, side) or 40) * scale) for side in ("l", "r", "t", "b")},
    )
    # every font explicitly: a theme (Streamlit's) only fills in the sizes a figure leaves unset
    fig.update_layout(title_font_size=size * 1.15, legend_font_size=size, hoverlabel_font_size=size)
    fig.update_xaxes(tickfont_size=size, title_font_size=size)
    fig.update_yaxes(tickfont_size=size, title_font_size=size)
    fig.update_annotations(font_size=size)
    fig.update_traces(textfont_size=size, selector={"type": "bar"})
    fig.update_traces(colorbar_tickfont_size=size, colorbar_title_font_size=size, selector={"type": "heatmap"})
    return fig


def training_figure(rows: Sequence[Mapping], epochs: int, grey_delta_e: float | None = None):
    """The live curves of a training run (``rows``: ``EpochEvent.row()`` per epoch): the training and the
    held-out loss per epoch, and the held-out ΔE2000 against the grey photos' (the line to beat)."""
    go, make_subplots = _go()
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.12,
                        subplot_titles=("Loss (lower = better fit)", "Colour error on held-out photos (ΔE2000)"))
    x = [r["epoch"] for r in rows]
    fig.add_trace(go.Scatter(x=x, y=[r["loss"] for r in rows], mode="lines+markers", name="training loss",
                             line={"color": _PALETTE[1], "width": 3}), row=1, col=1)
    if any("heldout_loss" in r for r in rows):
        fig.add_trace(go.Scatter(x=x, y=[r.get("heldout_loss") for r in rows], mode="lines+markers",
                                 name="held-out loss", line={"color": _PALETTE[2], "width": 3, "dash": "dash"},
                                 marker={"symbol": "square"}), row=1, col=1)
    if any("heldout_delta_e2000" in r for r in rows):
        fig.add_trace(go.Scatter(x=x, y=[r.get("heldout_delta_e2000") for r in rows], mode="lines+markers",
                                 name="held-out ΔE2000 (your model)",
                                 line={"color": _PALETTE[3], "width": 3}), row=1, col=2)
    if grey_delta_e is not None:
        fig.add_trace(go.Scatter(x=[0.5, max(epochs, 1) + 0.5], y=[grey_delta_e, grey_delta_e], mode="lines",
                                 name="grey photo (no colour): the line to beat",
                                 line={"color": _PALETTE[0], "width": 2, "dash": "dot"}), row=1, col=2)
    for col in (1, 2):
        fig.update_xaxes(title_text="epoch", range=[0.5, max(epochs, 1) + 0.5], dtick=max(1, epochs // 10),
                         row=1, col=col)
    fig.update_yaxes(rangemode="tozero", row=1, col=1)
    fig.update_yaxes(rangemode="tozero", row=1, col=2)
    fig.update_layout(font=FIGURE_FONT, height=380, margin={"l": 40, "r": 10, "t": 40, "b": 40},
                      legend={"orientation": "h", "y": -0.25}, uirevision="training")
    return fig
