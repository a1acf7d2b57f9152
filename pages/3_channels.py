"""Channels: L, a and b of the original and of each model's output; a/b histograms and the ab density."""
# ruff: noqa: E402  (the guard below runs before the slow imports: ui/navigation.py says why)

from ui import navigation

navigation.require_app()

import streamlit as st

from core import images
from core.figures import channels, charts
from ui import colouring, pickers, presentation
from ui import uncertainty as ui_uncertainty

st.title("Channels")
st.write("Every colour can be split into **L** (lightness), **a** (green ↔ red) and **b** (blue ↔ yellow). "
         "The models keep L from the grey photo and only guess a and b.")

batch, ready, rf = colouring.page_inputs("channels")
photo = pickers.photo_picker(batch, key="channels_photo")
outcome = colouring.compute([photo], ready, rf)

sources = colouring.versions(photo, outcome, ready, original_first=True, guided=True)
if not sources:
    sources["Grey input"] = photo.grey
if not photo.has_reference:
    st.info("This photo is treated as black-and-white, so there is no original colour to compare with; "
            "only the models' channels are shown.", icon=":material/info:")

st.subheader("L, a and b as pictures")
maps = ui_uncertainty.maps_by_title(photo, ready, rf)           # the model's own hesitation, beside a and b
legend_cols = st.columns(5 if maps else 4)
legend_cols[0].markdown("**Colour map**")
for col, ch in zip(legend_cols[1:4], "Lab", strict=True):
    low, high = channels.CHANNEL_LEGENDS[ch]
    col.image(channels.channel_legend(ch), caption=f"{ch}: {low} … {high}", width="stretch")
if maps:
    legend_cols[4].markdown(ui_uncertainty.legend(), unsafe_allow_html=True)

for label, rgb in sources.items():
    pictures = channels.channel_images(images.fit_within(rgb, 640))
    cols = st.columns(5 if maps else 4)
    cols[0].image(images.fit_within(rgb, 640), caption=label, width="stretch")
    for col, ch in zip(cols[1:4], "Lab", strict=True):
        col.image(pictures[ch], caption=f"{label}: {ch}", width="stretch")
    if label in maps:
        cols[4].image(maps[label], caption=f"Unsure ({label})", width="stretch")
if maps:
    st.caption(ui_uncertainty.CLASSROOM)

st.subheader("How much of each colour?")
st.caption("Share of pixels at each value of a and b. A curve squeezed around 0 means dull colours"
           + ("; the original's curve (thick) shows what the real photo uses." if photo.has_reference else "."))
presentation.chart(charts.ab_histogram_figure(sources), key="ab_hist")

st.subheader("Which colours are used? (the ab plane)")
st.caption("Each map is the a-b colour plane: bright cells are colours many pixels use. A model that plays safe "
           "uses a small patch near the centre (greys and browns)"
           + ("; the original may spread much wider." if photo.has_reference else "."))
presentation.chart(charts.ab_density_figure(sources), key="ab_density")

st.dataframe(channels.ab_stats_table(sources), hide_index=True, key="ab_stats")
