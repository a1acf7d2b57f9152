"""The photo batch in the app: which photos are tests, the user's override, the sample and clear
buttons while the upload box holds files, and what survives a reload (the address)."""

from __future__ import annotations

import pytest
from app_util import (
    METRICS,
    OURS,
    assert_clean,
    captions,
    encode,
    grey_of,
    new_app,
    open_page,
    photo,
    texts,
    upload,
    uploader,
)
from test_kind import chroma_noise, jpeg, mildly_colourful, toned

from core.figures.samples import SAMPLES

pytestmark = pytest.mark.usefixtures("app_env")


def shown(at) -> list[str]:
    """Captions of the batch's pictures (after the sample gallery)."""
    return captions(at)[len(SAMPLES):]


def sepia_scan(name: str = "astronaut", side: int = 96) -> bytes:
    return encode(jpeg(toned(grey_of(photo(name, side)), 70, 12)), "JPEG", quality=95)


def role(at):
    radios = [r for r in at.radio if r.key and r.key.startswith("role_")]
    assert len(radios) == 1, [r.key for r in at.radio]
    return radios[0]


# --------------------------------------------------------------------------- grey, toned, colour


def test_a_sepia_scan_is_coloured_and_never_scored():
    at = open_page()
    upload(at, [("grandma.jpg", sepia_scan())])
    assert_clean(at)
    assert shown(at) == ["Grey input", OURS]                          # no "Original" to score against
    info = texts(at.info)
    assert "**Treated as black-and-white**. Its colour is one even sepia tint (chroma " in info
    assert "not scored" in info
    assert role(at).value == "bw"
    at.switch_page(METRICS).run()
    assert_clean(at)
    assert "No score is possible for grandma.jpg" in texts(at.info)
    assert not at.metric


def test_a_grey_jpeg_with_chroma_noise_is_black_and_white():
    at = open_page()
    noisy = jpeg(chroma_noise(grey_of(photo("chelsea", 96)), 8), 75)
    upload(at, [("scan.jpg", encode(noisy, "JPEG", quality=90))])
    assert_clean(at)
    assert shown(at) == ["Grey input", OURS]
    assert "It has no colour beyond noise (chroma " in texts(at.info)


def test_a_mildly_colourful_photo_is_still_a_test():
    at = open_page()
    upload(at, [("dull.jpg", encode(mildly_colourful(photo("astronaut", 128)), "JPEG", quality=95))])
    assert_clean(at)
    assert shown(at) == ["Grey input", OURS, "Original"]
    assert "**Treated as a colour test**. It has several different colours" in texts(at.info)


def test_the_user_can_make_a_toned_photo_a_test_and_back():
    at = open_page()
    upload(at, [("grandma.jpg", sepia_scan())])
    role(at).set_value("test").run()
    assert_clean(at)
    assert shown(at) == ["Grey input", OURS, "Original"]
    info = texts(at.info)
    assert "**Treated as a colour test**. You chose this. The app took it for a sepia-toned black-and-white " \
           "photo: its colour is one even sepia tint" in info
    at.switch_page(METRICS).run()
    assert_clean(at)
    assert at.metric                                                   # scored, as the user asked
    at.switch_page("pages/1_colorize.py").run()
    assert role(at).value == "test"                                    # the choice is kept
    role(at).set_value("bw").run()
    assert shown(at) == ["Grey input", OURS]
    assert "You chose" not in texts(at.info)


def test_the_user_can_make_a_colour_photo_black_and_white():
    at = open_page()
    upload(at, [("holiday.png", encode(photo("coffee", 96)))])
    assert role(at).value == "test"
    role(at).set_value("bw").run()
    assert_clean(at)
    assert shown(at) == ["Grey input", OURS]
    assert "You chose this. The app took it for a colour photo: it has several different colours" in texts(at.info)
    at.switch_page(METRICS).run()
    assert "No score is possible for holiday.png" in texts(at.info)


def test_try_a_sample_is_a_real_black_and_white_photo():
    at = open_page(sample="try")
    assert shown(at) == ["Grey input", OURS]
    assert SAMPLES[0].colour is False
    assert "Black-and-white photo**: it has no colour at all" in texts(at.info)
    assert not [r for r in at.radio if r.key and r.key.startswith("role_")]   # nothing to choose: no colour
    credits = texts(at.caption)
    for s in SAMPLES:                                                  # every sample's source and licence
        assert f"{s.title}: {s.credit}, {s.licence}" in credits


# --------------------------------------------------------------------------- buttons while the box holds files


def test_samples_replace_the_uploads_and_stay():
    at = open_page()
    upload(at, [("a.png", encode(photo("coffee", 64))), ("b.png", encode(photo("astronaut", 64)))])
    assert [e.label for e in at.expander][1:] == ["1. a.png", "2. b.png"]
    at.button(key="sample_chelsea").click().run()
    assert_clean(at)
    assert [e.label for e in at.expander][1:] == ["1. Chelsea the cat"]
    assert uploader(at).value in (None, [])                           # the upload box was emptied
    at.run()                                                           # and the uploads do not come back
    assert [e.label for e in at.expander][1:] == ["1. Chelsea the cat"]
    at.button(key="try_sample").click().run()
    assert [e.label for e in at.expander][1:] == [f"1. {SAMPLES[0].title}"]


def test_clear_empties_the_batch_and_the_upload_box():
    at = open_page()
    upload(at, [("a.png", encode(photo("coffee", 64)))])
    assert at.button(key="clear_photos").label == "Clear the photo"
    assert "Coloured 1 image in" in texts(at.caption)
    at.button(key="clear_photos").click().run()
    assert_clean(at)
    assert shown(at) == [] and "No photo yet" in texts(at.info)
    assert uploader(at).value in (None, [])
    at.run()
    assert shown(at) == []
    upload(at, [(f"{n}.png", encode(photo(n, 48))) for n in ("coffee", "chelsea")])
    assert at.button(key="clear_photos").label == "Clear the 2 photos"
    assert "Coloured 2 images in" in texts(at.caption)


def test_only_a_bad_file_then_samples_or_clear():
    at = open_page()
    upload(at, [("notes.jpg", b"this is not a picture")])
    assert "notes.jpg" in texts(at.error) and shown(at) == []
    at.button(key="sample_all").click().run()
    assert_clean(at)
    assert shown(at).count(OURS) == len(SAMPLES)
    assert not at.error                                                # the bad file went with the box
    upload(at, [("notes.jpg", b"this is not a picture")])
    assert at.button(key="clear_photos").label == "Clear the upload box"
    at.button(key="clear_photos").click().run()
    assert not at.error and shown(at) == []


# --------------------------------------------------------------------------- the address


def test_presentation_mode_and_samples_are_kept_in_the_address():
    at = new_app()
    at.session_state["presentation"] = True
    at.run()
    at.button(key="sample_coins").click().run()
    assert_clean(at)
    assert at.query_params.get("present") in ("1", ["1"])
    assert at.query_params.get("samples") in ("coins", ["coins"])
    # a reload = a new session opening that address
    again = new_app()
    again.query_params["present"] = "1"
    again.query_params["samples"] = "coins,chelsea,nonsense"
    again.run()
    assert_clean(again)
    assert again.session_state["presentation"] is True
    assert any("font-size" in h.value for h in again.get("html"))
    assert [e.label for e in again.expander][1:] == ["1. Greek coins from Pompeii", "2. Chelsea the cat"]


def test_uploads_are_not_in_the_address():
    at = open_page(sample=True)
    assert at.query_params.get("samples") in ("chelsea", ["chelsea"])
    upload(at, [("a.png", encode(photo("coffee", 48)))])
    at.run()
    assert "samples" not in at.query_params
