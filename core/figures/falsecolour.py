"""The False colour page's chart: each channel's histogram with its display range marked (plotly, no Streamlit)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from core.figures.charts import FIGURE_FONT, _go
from core.science.stretch import finite_sample


def histogram_figure(channels: Sequence, ranges: Sequence[tuple[float, float]], colours: Sequence[str],
                     bins: int = 128):
    """The histogram of each channel (log counts, in its own units; every channel on one axis), in the colour
    it is shown in, with dashed lines at the ends of its display range. The axis spans the display ranges and a
    quarter of their width on each side (within the data): a few very bright pixels (a star) do not squeeze the
    rest into one bin."""
    go, _ = _go()
    fig = go.Figure()
    span = max(hi for _, hi in ranges) - min(lo for lo, _ in ranges)
    window = (min(lo for lo, _ in ranges) - span / 4, max(hi for _, hi in ranges) + span / 4)
    for ch, (lo, hi), colour in zip(channels, ranges, colours, strict=True):
        values = finite_sample(ch.data, 400_000)
        if values.size == 0:
            continue
        left, right = max(window[0], float(values.min())), min(window[1], float(values.max()))
        counts, edges = np.histogram(values, bins=bins, range=(left, right) if right > left else None)
        centres = 0.5 * (edges[:-1] + edges[1:])
        fig.add_trace(go.Scatter(x=centres, y=np.maximum(counts, 0.8), mode="lines", name=ch.name,
                                 line={"color": colour, "width": 2, "shape": "hvh"},
                                 hovertemplate="%{x:.4g}: %{y:.0f} pixels<extra>" + ch.name + "</extra>"))
        for x in (lo, hi):
            fig.add_vline(x=x, line={"color": colour, "dash": "dash", "width": 1})
    fig.update_yaxes(type="log", title_text="pixels (sampled)", gridcolor="#444444")
    fig.update_xaxes(title_text="measured value (dashed: each display range)", gridcolor="#444444")
    fig.update_layout(font=FIGURE_FONT, height=300, margin={"l": 50, "r": 10, "t": 20, "b": 50},
                      legend={"orientation": "h", "y": -0.35}, plot_bgcolor="#1e1e1e")   # white and yellow show
    return fig
