"""The How it works page: built live from a sample with the app's own pictures and plots."""

from __future__ import annotations

import pytest
from app_util import HOW, ZHANG, assert_clean, captions, open_page, texts

from core.figures.samples import COLOUR_SAMPLES

pytestmark = pytest.mark.usefixtures("app_env")


def test_explains_lab_pipeline_render_factor_and_limits(empty_home):
    at = open_page(HOW)
    headers = [h.value for h in at.header]
    assert headers == ["1 · Colour = lightness + two colour numbers", "2 · The pipeline", "3 · The render factor",
                       "4 · The Caffe baseline (Zhang et al., 2016)", "5 · Honest limits",
                       "6 · Telling it the colours: hints", "7 · Training: watch a network learn"]
    caps = captions(at)
    assert "The colour photo" in caps and "L (0 black … 100 white)" in caps
    assert "a (-50 green … +50 red)" in caps and "b (-50 blue … +50 yellow)" in caps
    assert "① The grey photo" in caps and "⑤ Joined with the full-size L → RGB" in caps
    from core.colorizers.autoencoder import AutoencoderColorizer

    rf = AutoencoderColorizer.default_render_factor
    assert f"② Its L, shrunk to {16 * rf} px (the render size)" in caps
    assert [c for c in caps if c.startswith("render factor")] == [
        "render factor 4 → colour at 64 px", f"render factor {rf} → colour at {16 * rf} px (default)",
        "render factor 40 → colour at 640 px"]
    md = texts(at.markdown)
    assert "EfficientNet-Lite0" in md and "Sepia tendency" in md and "cannot know" in md
    assert "as colourful" in md and "ΔE2000" in md
    assert len(at.get("plotly_chart")) == 1
    assert "not downloaded yet" in texts(at.warning)             # the baseline needs its weights
    assert at.button(key="fetch_eccv16_how").label.startswith("Download the Zhang et al. 2016 (Caffe) weights")
    # hints: the automatic guess, the same with 10 clicks in the true colours (closer), the original
    guess, hinted = (c for c in caps if c.startswith(("Our guess (ΔE2000", "+ 10 clicks")))
    assert float(hinted.split("ΔE2000 ")[1].rstrip(")")) < float(guess.split("ΔE2000 ")[1].rstrip(")"))
    assert "Levin, Lischinski & Weiss" in md
    # issue 34: the limits name the repair switch (it said "scratches stay") and the training time is said once
    assert "Repair scratches and dust first" in md and "scratches, blur and noise stay" not in md
    assert "Show what was repaired" in md                     # where a wide scratch is painted over
    assert "about half a minute to a minute" in md and "a minute or two" not in md
    assert "overfitting" in md and "Why the MSE loss gives sepia" in md             # what the training curves mean
    assert "Try it: Train your own" in [link.proto.label for link in at.get("page_link")]


def test_every_sample_can_be_used():
    at = open_page(HOW)
    for sample in COLOUR_SAMPLES[1:]:
        at.selectbox(key="how_sample").set_value(sample.name).run()
        assert_clean(at)
        assert "Our guess" in captions(at)


def test_baseline_shown_when_available(small_eccv16_home):
    at = open_page(HOW)
    assert ZHANG in captions(at)
    assert "not downloaded" not in texts(at.warning)


def test_presentation_mode_on_this_page():
    from app_util import new_app

    at = new_app()
    at.session_state["presentation"] = True
    at.run()
    at.switch_page(HOW).run()
    assert_clean(at)
    assert at.header[0].value.startswith("1 ·")
