"""The Compare page: the offline before/after slider and the side-by-side grid."""

from __future__ import annotations

import base64
import io

import pytest
from app_util import (
    COMPARE,
    GREY_MODEL,
    OURS,
    assert_clean,
    captions,
    component_data,
    encode,
    grey_of,
    open_page,
    photo,
    texts,
    upload,
    use_models,
)
from PIL import Image

pytestmark = pytest.mark.usefixtures("app_env")


def _decode(uri: str) -> Image.Image:
    head, b64 = uri.split(",", 1)
    assert head == "data:image/jpeg;base64"
    return Image.open(io.BytesIO(base64.b64decode(b64)))


def test_without_photos_it_offers_a_sample():
    at = open_page(COMPARE)
    assert "No photo yet" in texts(at.info)
    assert not at.get("bidi_component")
    at.button(key="try_sample_compare").click().run()
    assert_clean(at)
    assert len(at.get("bidi_component")) == 1


def test_latest_result_in_the_slider_and_the_grid():
    at = open_page(COMPARE, sample=True)
    data = component_data(at)
    assert (data["left_label"], data["right_label"]) == ("Grey input", OURS)
    assert data["position"] == 50
    left, right = _decode(data["left"]), _decode(data["right"])
    assert left.size == right.size == (128, 85)                  # chelsea at 128 px, embedded inline
    assert at.selectbox(key="compare_left").options == ["Grey input", OURS, "Original"]
    assert captions(at) == ["Grey input", OURS, "Original"]


def test_the_way_back_to_choose_photos():
    """Compare has no uploader of its own: the same link back as Metrics (issue 24)."""
    at = open_page(COMPARE, sample=True)
    assert "Choose other photos on Colorize" in [link.proto.label for link in at.get("page_link")]


def test_the_slider_labels_grow_in_presentation_mode():
    """The labels follow the page's root size (rem) and presentation mode names them (15 px before, always)."""
    from ui import compare_slider, presentation

    label_rule = next(r for r in compare_slider.CSS.split("}") if ".cs-compare .cs-label {" in r)
    assert "px/" not in label_rule and "rem/" in label_rule
    assert ".cs-compare .cs-label { font-size: 1.2rem !important; }" in presentation.PRESENTATION_CSS


def test_any_two_versions_can_be_compared():
    at = open_page(COMPARE, sample=True)
    at.selectbox(key="compare_left").set_value("Original")
    at.selectbox(key="compare_right").set_value(OURS).run()
    assert_clean(at)
    data = component_data(at)
    assert (data["left_label"], data["right_label"]) == ("Original", OURS)
    at.selectbox(key="compare_right").set_value("Original").run()
    assert "same picture" in texts(at.caption)


def test_each_chosen_model_is_offered():
    at = open_page(sample=True)
    use_models(at, ["autoencoder", "grayscale"])
    at.switch_page(COMPARE).run()
    assert_clean(at)
    assert at.selectbox(key="compare_right").options == ["Grey input", OURS, GREY_MODEL, "Original"]
    assert captions(at) == ["Grey input", OURS, GREY_MODEL, "Original"]


def test_grey_upload_has_no_original_and_several_photos_can_be_picked():
    at = open_page()
    upload(at, [("one.png", encode(grey_of(photo("astronaut", 64)))), ("two.png", encode(photo("coffee", 64)))])
    at.switch_page(COMPARE).run()
    assert_clean(at)
    picker = at.selectbox(key="compare_photo")
    assert picker.options == ["1. one.png", "2. two.png"] and picker.value == "1. one.png"
    assert at.selectbox(key="compare_left").options == ["Grey input", OURS]
    picker.select_index(1).run()
    assert_clean(at)
    assert at.selectbox(key="compare_left").options == ["Grey input", OURS, "Original"]
    assert "two.png" in texts(at.caption)
    at.switch_page("pages/3_channels.py").run()                # the choice follows to the next page
    assert at.selectbox(key="channels_photo").value == "2. two.png"


def test_eccv16_notice_on_compare(empty_home):
    at = open_page(sample=True)
    use_models(at, ["autoencoder", "eccv16"])
    at.switch_page(COMPARE).run()
    assert_clean(at)
    assert "not downloaded yet" in texts(at.warning)
    assert component_data(at)["right_label"] == OURS


def test_the_slider_component_is_self_contained():
    from ui import compare_slider

    js, css = compare_slider.JS, compare_slider.CSS
    for needle in ('data-testid', 'compare-slider', "role=\"slider\"", "dataset.split", "--split", "aria-valuenow",
                   "pointerdown", "pointermove", "keydown", "ArrowLeft", "Home", "End"):
        assert needle in js or needle in css, needle
    for text in (js, css):
        assert "http://" not in text and "https://" not in text and "@import" not in text
