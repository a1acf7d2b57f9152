"""The False colour page's chart: each channel's histogram with its display range marked (plotly, no Streamlit)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from core.figures.charts import FIGURE_FONT, _go
from core.science.stretch import finite_sample


def histogram_figure(channels: Sequence, ranges: Sequence[tuple[float, float]], colours: Sequence[str],
                     bins: int = 128):
    """The histogram of each channel (log counts, in its own units; every channel on one axis), in the colour
    it is shown in, with dashed lines at the ends of its display range."""
    go, _ = _go()
    fig = go.Figure()
    for ch, (lo, hi), colour in zip(channels, ranges, colours, strict=True):
        values = finite_sample(ch.data, 400_000)
        if values.size == 0:
            continue
        counts, edges = np.histogram(values, bins=bins)
        centres = 0.5 * (edges[:-1] + edges[1:])
        fig.add_trace(go.Scatter(x=centres, y=np.maximum(counts, 0.8), mode="lines", name=ch.name,
                                 line={"color": colour, "width": 2, "shape": "hvh"},
                                 hovertemplate="%{x:.4g}: %{y:.0f} pixels<extra>" + ch.name + "</extra>"))
        for x in (lo, hi):
            fig.add_vline(x=x, line={"color": colour, "dash": "dash", "width": 1})
    fig.update_yaxes(type="log", title_text="pixels (sampled)", gridcolor="#444444")
    fig.update_xaxes(title_text="measured value (dashed: the display range)", gridcolor="#444444")
    fig.update_layout(font=FIGURE_FONT, height=300, margin={"l": 50, "r": 10, "t": 20, "b": 50},
                      legend={"orientation": "h", "y": -0.35}, plot_bgcolor="#1e1e1e")   # white and yellow show
    return fig
