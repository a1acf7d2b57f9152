"""How it works: Lab, the pipeline, the render factor, the baseline and the limits, live from a sample."""
# ruff: noqa: E402  (the guard below runs before the slow imports: ui/navigation.py says why)

from ui import navigation

navigation.require_app()

import streamlit as st

from core import guide, lab
from core.figures import channels, charts, samples
from ui import colouring, notices, photos, presentation, results
from ui import models as ui_models

OURS = "autoencoder"

st.title("How it works")
names = [s.name for s in samples.COLOUR_SAMPLES]       # colour photos: the page compares with the real colours
sample = st.selectbox("Sample photo used on this page", names, key="how_sample",
                      format_func=lambda n: samples.SAMPLE_BY_NAME[n].title)
photo = photos.sample_photo(sample)
infos = ui_models.infos()
ours_ready = infos[OURS].available
rf_default = infos[OURS].default_render_factor
FACTORS = (4, rf_default, 40)           # low, our default, high
result = None

# ----------------------------------------------------------------------------- Lab
st.header("1 · Colour = lightness + two colour numbers")
st.markdown("Computers usually store red, green and blue. Colorization uses the **Lab** colour space instead, "
            "which splits every pixel into:\n"
            "- **L**: lightness, from 0 (black) to 100 (white). *A black-and-white photo is exactly L.*\n"
            "- **a**: from green (negative) through grey (0) to red (positive).\n"
            "- **b**: from blue (negative) through grey (0) to yellow (positive).\n\n"
            "So the network never has to invent the picture, only **two numbers per pixel**: a and b.")
pictures = channels.channel_images(photo.reference)
cols = st.columns(4)
cols[0].image(photo.reference, caption="The colour photo", width="stretch")
for col, ch in zip(cols[1:], "Lab", strict=True):
    low, high = channels.CHANNEL_LEGENDS[ch]
    col.image(pictures[ch], caption=f"{ch} ({low} … {high})", width="stretch")
    col.image(channels.channel_legend(ch), width="stretch")

# ----------------------------------------------------------------------------- pipeline
st.header("2 · The pipeline")
if not ours_ready:
    notices.model_notice(OURS, key="how")
else:
    result = colouring.compute([photo], [OURS], rf_default, vibrance=1.0).get(photo, OURS)
    st.markdown(
        "**grey photo → L → pretrained encoder (five scales) + a global descriptor → U-Net decoder → a, b "
        "→ join with L → colour photo**")
    stages = st.columns([1, 1, 0.7, 1, 1], vertical_alignment="center")
    stages[0].image(photo.grey, caption="① The grey photo", width="stretch")
    stages[1].image(channels.render_preview(photo.grey, rf_default, infos[OURS].stride), width="stretch",
                    caption=f"② Its L, shrunk to {lab.render_long_side(rf_default)} px (the render size)")
    stages[2].markdown("→ **③ the network** (below) →")
    if result is not None:
        stages[3].image(channels.ab_image(result), caption="④ The guessed a, b (colour only)", width="stretch")
        stages[4].image(result, caption="⑤ Joined with the full-size L → RGB", width="stretch")
    with st.container(border=True):
        st.markdown("**③ Inside the network**")
        parts = st.columns(4)
        parts[0].markdown("**Encoder**  \n**EfficientNet-Lite0**, trained on ImageNet's 1.2 million photos, reads "
                          "L at five scales: edges and textures in the fine maps, objects in the coarse ones.")
        parts[1].markdown("**Global descriptor**  \nIts coarsest map, averaged, sums up the whole scene in 1280 "
                          "numbers (\"a cat, indoors…\").")
        parts[2].markdown("**Fusion**  \nThat summary is handed to every position of the coarsest map.")
        parts[3].markdown("**U-Net decoder**  \nGoes from coarse to fine, picking up each scale's detail; for "
                          "each spot it scores a few hundred possible (a, b) colours and "
                          "blends the likely ones.")
    st.caption("The detail you see in ⑤ comes from the grey photo itself (step ①); the network only adds colour.")

# ----------------------------------------------------------------------------- render factor
st.header("3 · The render factor")
st.markdown(f"The colour is worked out on a **small copy**: {lab.RENDER_UNIT} × render factor pixels on its long "
            "side. Then the "
            "colour is stretched over the full-size photo. Small factors give blurry, blotchy colour; large ones "
            "give finer colour but are slower, and can get patchy because the network was trained on "
            "small pictures.")
if ours_ready:
    cols = st.columns(len(FACTORS))
    for col, rf in zip(cols, FACTORS, strict=True):
        img = colouring.compute([photo], [OURS], rf, vibrance=1.0).get(photo, OURS)
        if img is not None:
            default = " (default)" if rf == rf_default else ""
            col.image(img, width="stretch",
                      caption=f"render factor {rf} → colour at {lab.render_long_side(rf)} px{default}")

# ----------------------------------------------------------------------------- baseline
st.header("4 · The Caffe baseline (Zhang et al., 2016)")
st.markdown("A famous network by Richard Zhang, Phillip Isola and Alexei Efros (ECCV 2016), trained on "
            "1.3 million ImageNet photos. It also predicts a, b from L by scoring 313 colour bins. It is "
            "bigger than ours (129 MB of weights) and runs here through OpenCV. We use it as the yardstick.")
if infos["eccv16"].available:
    out = colouring.compute([photo], ["eccv16"], infos["eccv16"].default_render_factor,
                          vibrance=1.0).get(photo, "eccv16")
    if out is not None:
        cols = st.columns(2)
        cols[0].image(out, caption=infos["eccv16"].title, width="stretch")
        cols[1].image(photo.reference, caption="Original", width="stretch")
else:
    notices.model_notice("eccv16", key="how")

# ----------------------------------------------------------------------------- limits
st.header("5 · Honest limits")
st.markdown("- **Sepia tendency**: when unsure, the safest guess is a dull brown-grey, so results are often less "
            "colourful than real photos.\n"
            "- **It guesses colours it cannot know**: a shirt, a car or a flower can be any colour, and the grey "
            "photo does not say which. The network picks what is common in its training photos.\n"
            "- **Colour is not repair**: the network leaves scratches, blur and noise as they are. The "
            "**Repair scratches and dust first** switch on the Colorize and Guide pages mends thin scratches and "
            "dust before the colouring (a wide scratch or a cluster of dust you paint over yourself under "
            "**Show what was repaired**); blur and noise stay.")
if ours_ready and result is not None:
    cols = st.columns(2)
    cols[0].image(photo.reference, caption="The real colours", width="stretch")
    cols[1].image(result, caption="Our guess", width="stretch")
    scores = results.metric_rows(photo.name, photo.reference, {"ours": result})[0]
    st.markdown(f"On this photo our colours are **{scores['colorfulness_ratio']:.0%} as colourful** as the "
                f"original, and differ from it by **ΔE2000 = {scores['delta_e2000']:.1f}** on average "
                "(about 2 is just noticeable).")
    presentation.chart(charts.ab_density_figure({"Original": photo.reference, "Our guess": result}), key="how_density")
    st.caption("The colours each picture uses, on the a-b plane: the guess usually covers a smaller patch "
               "nearer the centre (duller), and sometimes in the wrong direction.")

# ----------------------------------------------------------------------------- hints
st.header("6 · Telling it the colours: hints")
st.markdown("Nobody can guess the colour of a door from a grey photo, but *you* may know it. On the **Guide the "
            "colours** page you click on the door in red, and the red spreads over the door and stops at its "
            "edges, like paint in a colouring book.\n\n"
            "The rule behind it (Levin, Lischinski & Weiss, 2004): **neighbouring pixels of similar lightness "
            "should get similar colours**. That gives one big system of equations with a few fixed points, your "
            "clicks. Solving it exactly takes about half a minute for a one-megapixel photo; an *edge-aware "
            "smoother* (OpenCV's fast global smoother) spreads the colour the same way in a tenth of a second. "
            "Over the network's result only the *difference* your click makes is spread, so the rest of the photo "
            "keeps the network's colours.")
if ours_ready and result is not None:
    hints = guide.sample_hints(photo.reference, 10, seed=0, radius=3)
    hinted = guide.apply_hints(photo.grey, hints, base=result)
    before = results.metric_rows(photo.name, photo.reference, {"ours": result})[0]["delta_e2000"]
    after = results.metric_rows(photo.name, photo.reference, {"hinted": hinted})[0]["delta_e2000"]
    cols = st.columns(3)
    cols[0].image(result, caption=f"Our guess (ΔE2000 {before:.1f})", width="stretch")
    cols[1].image(hinted, caption=f"+ 10 clicks in the true colours (ΔE2000 {after:.1f})", width="stretch")
    cols[2].image(photo.reference, caption="The real colours", width="stretch")
    st.caption("The 10 clicks were taken at random spots of the colour original, as a person who knew the "
               "colours would give them. Lower ΔE2000 = closer to the real colours.")
st.markdown("**Where is the model unsure?** The network does not give one colour per pixel but a probability for "
            "each of a few hundred colours; where those are spread over many colours (a high *entropy*), the map on "
            "the Guide page is bright. **Suggest 3 clicks** picks the spots where the model is unsure over a large "
            "area that one click would fill, and offers the colours it hesitates between, so three clicks fix "
            "the most.")
st.page_link(navigation.PAGE_GUIDE, label="Try it: Guide the colours", icon=":material/brush:")

# ----------------------------------------------------------------------------- training
st.header("7 · Training: watch a network learn")
st.markdown("Our network learned its colours from thousands of photos over many hours. On the **Train your own** "
            "page you train a small one in about half a minute to a minute, on a few photos, and watch it learn: "
            "the same four photos it never trains on get coloured after every epoch (one pass over the training "
            "crops).\n\n"
            "- **Two curves.** The *training loss* measures how wrong the network is on the crops it learns "
            "from; the *held-out loss* measures the same on the four photos it never sees while learning. Both "
            "fall at first. When the held-out loss **rises while the training loss keeps falling**, the network "
            "is **overfitting**: it memorises its few photos instead of learning colour in general. More photos "
            "or fewer epochs help.\n"
            "- **Why the MSE loss gives sepia.** Trained to make the squared error of a and b small, a network "
            "that is unsure answers with the *average* of the colours it has seen there: red and blue average "
            "to a dull grey-brown. Scoring each colour bin instead (classification, as our network does) keeps "
            "the possibilities apart, so it dares to pick one; that is the choice between the two on the page.\n"
            "- **The grey line to beat.** The held-out colour error (ΔE2000) is compared with the grey photo's: "
            "a network is only useful when its colours are closer to the real ones than no colour at all.")
st.page_link(navigation.PAGE_TRAIN, label="Try it: Train your own", icon=":material/model_training:")
