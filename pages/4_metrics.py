"""Metrics: how close each model's colours are to the original photo (when there is one)."""
# ruff: noqa: E402  (the guard below runs before the slow imports: ui/navigation.py says why)

from ui import navigation

navigation.require_app()

import streamlit as st

from core import metrics
from core.figures import charts, tables
from core.metrics import METRICS
from ui import colouring, gallery, photos, presentation, results

BASELINE = "Grey input (no colour)"

st.title("Metrics")
st.write("Scores compare a model's colours with the **original colour photo**. They only exist for colour "
         "photos (the colour samples, or colour uploads that were made grey first), never for black-and-white "
         "or toned (sepia, cyanotype) ones.")

batch, ready, rf = colouring.page_inputs("metrics")
outcome = colouring.compute(batch, ready, rf)


def outputs_of(photo: photos.Photo, with_baseline: bool) -> dict:
    outs = colouring.versions(photo, outcome, ready, original=None, guided=True)
    if with_baseline and "grayscale" not in ready:
        outs[BASELINE] = photo.grey
    return outs


scored = [p for p in batch if p.has_reference]
unscored = [p for p in batch if not p.has_reference]

if scored:
    rows: list[dict] = []
    for p in scored:
        try:
            rows.extend(results.metric_rows(p.name, p.reference, outputs_of(p, with_baseline=True)))
        except MemoryError:
            st.warning(f"**{p.name}** is too large to score on this computer; it is left out of the table.")
    if any(tables.scored_shrunk(p.reference) for p in scored):
        st.caption(f"Photos over {tables.SCORE_MAX_PIXELS / 1e6:.0f} megapixels are scored on a shrunk copy "
                   "(the same for every model).")
    means = tables.mean_rows(rows)
    n = len(scored)
    st.subheader("Scores" + (f": mean of {n} photos" if n > 1 else f" for {scored[0].name}"))

    cols = st.columns(max(1, len(means)))
    for col, r in zip(cols, means, strict=True):
        col.metric(f"{r['model']}: ΔE2000", tables.format_metric("delta_e2000", r["delta_e2000"]),
                   help=METRICS["delta_e2000"][1], border=True)

    st.markdown("\n".join(f"- **{METRICS[k][0]}**: {METRICS[k][1]}" for k in metrics.METRIC_NAMES))
    st.caption(f"“{BASELINE}” is the photo with no colour at all: a model should beat it, especially on ΔE2000.")

    chart_cols = st.columns(2)
    for i, key in enumerate(metrics.METRIC_NAMES):
        with chart_cols[i % 2]:
            presentation.chart(charts.metric_bar_figure(means, key), key=f"bar_{key}")

    st.markdown("**Table**" + (": one row per photo and model, then the means" if n > 1 else ""))
    table = tables.metrics_table(rows + means if n > 1 else rows)
    st.dataframe(table, hide_index=True, key="metrics_table")

if unscored:
    names = ", ".join(p.name for p in unscored)
    st.subheader("Colourfulness only")
    st.info(f"**No score is possible for {names}**: the photo was already black-and-white, so nobody knows its "
            "true colours and there is nothing to measure against. Only how colourful each result is can be "
            "shown (Hasler & Süsstrunk colourfulness: 0 = grey, around 30–60 = an ordinary colour photo).",
            icon=":material/info:")
    if not scored:          # issue 24: where a photo that can be scored comes from
        st.markdown("**To get scores**, add a *colour* photo (or a colour sample) on the Colorize page: it is "
                    "made grey, coloured, and then scored here against its own colours.")
        gallery.choose_photos_link()
    c_rows = []
    for p in unscored:
        c_rows.extend(results.colourfulness_rows(p.name, outputs_of(p, with_baseline=False)))
    c_means = tables.mean_rows(c_rows, columns=("colourfulness",))
    presentation.chart(charts.colourfulness_figure(c_means), key="bar_colourfulness")
    st.dataframe(tables.round_rows(c_rows + (c_means if len(unscored) > 1 else [])), hide_index=True,
                 key="colourfulness_table")
