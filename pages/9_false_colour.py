"""False colour: measured channels (microscopy, satellites, telescopes) shown in colours the user picks, with a
legend; nothing guessed. The work is core/science's, the widgets ui/falsecolour's."""
# ruff: noqa: E402  (the guard below runs before the slow imports: ui/navigation.py says why)

from ui import navigation

navigation.require_app()

import streamlit as st

from core.science import ChannelError
from ui import falsecolour as fc
from ui import presentation

st.title("False colour")
st.write("For scientific pictures: each measured channel (a microscope's stains, a satellite's bands, a telescope's "
         "filters) gets a colour you choose, and the colours add up. Or one grey channel is spread over a colour "
         "scale. Nothing is guessed: every colour means what the legend says.")

# ----------------------------------------------------------------------------- 1. the channels
st.subheader("1 · Your channels")
c1, c2 = st.columns(2)
c1.button(fc.SAMPLES["cells"], key="fc_sample_cells", on_click=fc.use_sample, args=("cells",),
          icon=":material/biotech:")
c2.button(fc.SAMPLES["stars"], key="fc_sample_stars", on_click=fc.use_sample, args=("stars",),
          icon=":material/star:")
files = st.file_uploader(
    f"Or upload one grey file per channel, or one multi-channel file (FITS, TIFF / OME-TIFF, PNG; up to "
    f"{fc.MAX_UPLOAD_MB} MB each)", type=fc.UPLOAD_TYPES, accept_multiple_files=True, key=fc.uploader_key(),
    max_upload_size=fc.MAX_UPLOAD_MB,
    help="Every channel must be the same size; up to 7 channels. 16-bit and float data are kept to the end.")
fc.take_upload(files)
if fc.problem():
    st.error(fc.problem(), icon=":material/block:")
data = fc.data()
if not data:
    st.info("No channels yet: press a sample above, or upload your own.", icon=":material/arrow_upward:")
    st.stop()
chans, key = data["channels"], data["key"]
st.markdown(f"**{data['title']}** · {fc.describe(chans)}")
st.caption("Channels: " + ", ".join(f"{i + 1}. {c.name}" for i, c in enumerate(chans)))

# ----------------------------------------------------------------------------- 2. colours, stretch, ranges
st.subheader("2 · Colours, stretch and ranges")
colours = fc.colour_choice(chans, key)
stretch_name, softening = fc.stretch_choice(chans, key)
try:
    ranges = fc.range_choice(chans, key)
except ChannelError as e:
    st.error(str(e), icon=":material/block:")
    st.stop()
st.button("Auto ranges", key="fc_auto", on_click=fc.reset_ranges, args=(key, len(chans)),
          icon=":material/restart_alt:", help="Each range from its channel's pixels, 0.1 % clipped at each end.")
settings = {**colours, "stretch": stretch_name, "softening": softening, "ranges": ranges}
try:
    result = fc.preview(chans, settings)
except ChannelError as e:
    st.error(str(e), icon=":material/block:")
    st.stop()
presentation.chart(fc.histogram(chans, result), key="fc_hist")

# ----------------------------------------------------------------------------- 3. the picture
st.subheader("3 · The picture")
fc.show(result, data["title"])
st.info(fc.WHAT_IT_IS, icon=":material/science:")
fc.downloads(chans, settings, chans[0].source or chans[0].name)
if len(chans) == 1:
    st.page_link(navigation.PAGE_COLORIZE, label="Natural colours guessed instead: Colorize (marked as AI-made)",
                 icon=":material/palette:", help="The Colorize page guesses colours with a neural network; its files "
                 "say so in their metadata.")
