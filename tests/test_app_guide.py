"""The Guide the colours page, driven with AppTest: hints arrive through the canvas component's value
(its ``strokes`` state, as the browser sends it), the tools, the reference photo, vibrance, downloads,
loading hints back, and hostile input (points outside the photo, broken strokes, bad JSON, a reference
that is not an image)."""

from __future__ import annotations

import base64
import io
import json

import numpy as np
import pytest
from app_util import (
    COLORIZE,
    METRICS,
    OURS,
    assert_clean,
    encode,
    grey_of,
    open_page,
    photo,
    texts,
    upload,
    use_models,
)
from PIL import Image

from core import guide as core_guide

pytestmark = pytest.mark.usefixtures("app_env")

GUIDE = "pages/6_guide.py"
CANVAS = "guide_canvas"
GUIDED = "Guided (your hints)"


def canvas(at) -> dict:
    """What the hint canvas component was given (the first bidi component of the page)."""
    for c in at.get("bidi_component"):
        if c.proto.component_name == "colorization_studio.hint_canvas":
            return json.loads(c.proto.json)
    raise AssertionError("no hint canvas on the page")


def shown(at) -> np.ndarray:
    head, b64 = canvas(at)["image"].split(",", 1)
    assert head == "data:image/jpeg;base64"
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(b64))).convert("RGB"))


_ids = iter(range(10**6))


def draw(at, *strokes):
    """The browser's canvas queued these strokes (points as 0-1 fractions of the picture); rerun."""
    at.session_state[CANVAS] = {"strokes": [{"id": f"s{next(_ids)}", "points": [list(p) for p in s]}
                                            for s in strokes]}
    return at.run()


def hints(at) -> list:
    store = at.session_state["guide_hints"]
    return next(iter(store.values())) if store else []


def guide_page():
    at = open_page(GUIDE, sample=True)
    assert at.title[0].value == "Guide the colours"
    return at


def test_without_a_photo_it_points_to_a_sample():
    at = open_page(GUIDE)
    assert "No photo yet" in texts(at.info)
    at.button(key="try_sample_guide").click().run()
    assert_clean(at)
    assert canvas(at)["hints"] == []


def test_a_click_adds_a_hint_and_changes_the_colours_there():
    at = guide_page()
    data = canvas(at)
    assert data["hints"] == [] and data["mode"] == "paint" and data["color"] == "#2e86de"
    before = shown(at).astype(int)
    at.color_picker(key="guide_colour").set_value("#d01010").run()
    draw(at, [(0.3, 0.5)])
    assert_clean(at)
    [hint] = hints(at)
    assert hint.hex == "#d01010" and not hint.is_stroke
    w, h = 128, 85                                    # chelsea at 128 px
    assert hint.points[0] == pytest.approx((0.3 * w - 0.5, 0.5 * h - 0.5))
    data = canvas(at)
    assert data["hints"][0]["color"] == "#d01010" and data["done"][-1] == at.session_state[CANVAS]["strokes"][0]["id"]
    after = shown(at).astype(int)
    y, x = int(0.5 * after.shape[0]), int(0.3 * after.shape[1])
    patch = (slice(y - 2, y + 3), slice(x - 2, x + 3))
    redness = [(img[patch][..., 0] - img[patch][..., 2]).mean() for img in (before, after)]
    assert redness[1] > redness[0] + 20
    assert any(c.startswith("Updated in") for c in texts(at.caption).splitlines())
    # the same queued stroke again (the browser has not seen "done" yet) is not added twice
    at.run()
    assert len(hints(at)) == 1


def test_strokes_undo_clear_and_the_list():
    at = guide_page()
    draw(at, [(0.1, 0.1)], [(0.5, 0.2), (0.55, 0.25), (0.6, 0.3)])
    assert_clean(at)
    first, stroke = hints(at)
    assert stroke.is_stroke and len(stroke.points) == 3
    listed = texts(at.markdown)
    assert "click at (" in listed and "stroke of 3 points" in listed
    at.button(key="guide_undo").click().run()
    assert hints(at) == [first]
    draw(at, [(0.7, 0.7)])
    at.button(key="guide_del_0").click().run()                  # remove the first one
    assert len(hints(at)) == 1 and hints(at)[0] != first
    at.button(key="guide_clear").click().run()
    assert hints(at) == [] and canvas(at)["hints"] == []
    assert at.button(key="guide_undo").disabled


def test_pick_the_colour_the_model_put_there():
    at = guide_page()
    at.radio(key="guide_tool").set_value("Pick the colour the model put here").run()
    assert canvas(at)["mode"] == "pick"
    draw(at, [(0.5, 0.5)])
    assert_clean(at)
    assert hints(at) == []                                       # a pick adds no hint ...
    picked = at.color_picker(key="guide_colour").value
    assert picked != "#2e86de"                                   # ... it sets the colour picker
    assert at.radio(key="guide_tool").value == "Paint a hint"    # and goes back to painting
    draw(at, [(0.2, 0.2)])
    assert hints(at)[0].hex == picked


HOSTILE_STROKES = [
    ([(1.7, 0.5)], "outside the photo"),
    ([(0.5, -0.2)], "outside the photo"),
    ([("left", 0.5)], "damaged"),
    ([(0.5,)], "damaged"),
    ([], "damaged"),
]


def test_hostile_strokes_are_ignored_with_a_message():
    at = guide_page()
    for points, words in HOSTILE_STROKES:
        draw(at, points)
        assert_clean(at)
        assert words in texts(at.warning), points
        assert hints(at) == []


def test_a_broken_component_value_is_harmless():
    at = guide_page()
    at.session_state[CANVAS] = {"strokes": "nonsense"}
    at.run()
    assert_clean(at)
    at.session_state[CANVAS] = {"strokes": [{"id": 5, "points": [[0.5, 0.5]]}, "x", None]}
    at.run()
    assert_clean(at)
    assert hints(at) == []


def test_hints_download_and_load_back():
    at = guide_page()
    draw(at, [(0.25, 0.25)], [(0.6, 0.6), (0.7, 0.65)])
    saved = hints(at)
    dl = {d.proto.label: d for d in at.get("download_button")}
    assert set(dl) >= {"Download the result (PNG)", "Download the hints (JSON)"}
    text = core_guide.hints_to_json(saved, 128, 85)
    at.button(key="guide_clear").click().run()
    assert hints(at) == []
    key = next(u.key for u in at.get("file_uploader") if u.key.startswith("guide_hints_"))
    at.file_uploader(key=key).set_value([("cat_hints.json", text.encode(), "application/json")]).run()
    assert_clean(at)
    loaded = hints(at)
    assert len(loaded) == len(canvas(at)["hints"]) == 2
    for a, b in zip(loaded, saved, strict=True):
        assert (a.color, len(a.points)) == (b.color, len(b.points)) and a.radius == pytest.approx(b.radius, abs=0.01)
        assert np.allclose(a.points, b.points, atol=0.01)


BAD_HINTS_FILES = [
    (b"{\"hints\": [ {\"x\": 1,", "not valid JSON"),
    (b"[{\"x\": 900, \"y\": 10, \"color\": \"#ff0000\"}]", "outside the photo"),
    (b"{\"width\": 100, \"height\": 100, \"hints\": []}", "another shape"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "not text"),
    (b"[{\"x\": 1, \"y\": 1, \"color\": \"reddish\"}]", "not a colour"),
    (b"[{\"x\": " + b"9" * 5000 + b", \"y\": 1, \"color\": \"#ff0000\"}]", "far too long"),     # issue 24
    (b"[{\"x\": 1, \"y\": 1, \"color\": \"#ff0000\", \"radius\": NaN}]", "must be a number"),
    (json.dumps([{"points": [[0, 0], [40, 40]] * 1000, "color": "#b5523b", "radius": 0}]).encode(),  # issue 34:
     "too long to draw"),                                                          # 40 s of server CPU before
]


def test_bad_hints_files_get_a_friendly_message():
    at = guide_page()
    draw(at, [(0.5, 0.5)])
    key = next(u.key for u in at.get("file_uploader") if u.key.startswith("guide_hints_"))
    for i, (content, words) in enumerate(BAD_HINTS_FILES):
        at.file_uploader(key=key).set_value([(f"hints{i}.json", content, "application/json")]).run()
        assert_clean(at)
        assert "could not be used" in texts(at.error) and words in texts(at.error), words
        assert len(hints(at)) == 1                               # the hints stay as they were


def reference_key(at) -> str:
    return next(u.key for u in at.get("file_uploader") if u.key.startswith("guide_reference_"))


def test_a_reference_photo_and_its_strength():
    at = guide_page()
    before = shown(at)
    at.file_uploader(key=reference_key(at)).set_value([("mug.png", encode(photo("coffee", 96)), "image/png")]).run()
    assert_clean(at)
    assert "Reference: mug.png" in [c for img in at.image for c in img.captions]
    with_ref = shown(at)
    assert np.abs(with_ref.astype(int) - before).mean() > 1
    at.slider(key="guide_strength").set_value(0).run()
    assert np.abs(shown(at).astype(int) - before).mean() < np.abs(with_ref.astype(int) - before).mean()
    at.toggle(key="guide_show_compare").set_value(True).run()          # before/after slider, on request
    slider = next(json.loads(c.proto.json) for c in at.get("bidi_component")
                  if c.proto.component_name == "colorization_studio.compare_slider")
    assert (slider["left_label"], slider["right_label"]) == (OURS, GUIDED)
    at.button(key="guide_drop_reference").click().run()
    assert "Reference: mug.png" not in [c for img in at.image for c in img.captions]


@pytest.mark.parametrize("name,content,words", [
    ("notes.png", b"this is a text file, not a picture", "not an image file"),
    ("grey.png", None, "no colour"),
])
def test_a_reference_that_cannot_be_used(name, content, words):
    at = guide_page()
    if content is None:
        content = encode(grey_of(photo("coffee", 64)))
    at.file_uploader(key=reference_key(at)).set_value([(name, content, "image/png")]).run()
    assert_clean(at)
    assert "cannot be the reference" in texts(at.error) and words in texts(at.error)
    assert at.get("slider") and "guide_strength" not in [s.key for s in at.slider]


def test_vibrance_on_colorize_and_guide_share_one_setting():
    at = open_page(sample=True)
    plain = next(i for i in at.image if i.captions == [OURS])
    at.slider(key="vibrance").set_value(1.8).run()
    assert_clean(at)
    vivid = next(i for i in at.image if i.captions == [OURS])
    assert plain.proto.imgs[0].url != vivid.proto.imgs[0].url          # every result is redrawn
    at.switch_page(GUIDE).run()
    assert at.slider(key="guide_vibrance").value == 1.8
    at.slider(key="guide_vibrance").set_value(0.0).run()
    grey = shown(at).astype(int)
    assert np.abs(grey[..., 0] - grey[..., 2]).max() <= 6             # vibrance 0: grey (JPEG noise)
    at.switch_page(COLORIZE).run()
    assert at.slider(key="vibrance").value == 0.0


def test_the_guided_result_is_scored_on_the_metrics_page():
    at = guide_page()
    at.button(key="guide_sample").click().run()                 # test mode: 10 hints from the original
    assert_clean(at)
    assert len(hints(at)) == 10
    at.switch_page(METRICS).run()
    assert_clean(at)
    table = at.dataframe[0].value
    rows = {r["model"]: r for r in table.to_dict("records")}
    assert rows[GUIDED]["ΔE2000"] < rows[OURS]["ΔE2000"]
    at.switch_page("pages/2_compare.py").run()
    assert GUIDED in at.selectbox(key="compare_right").options


def test_a_new_batch_forgets_the_old_hints():
    at = guide_page()
    draw(at, [(0.5, 0.5)])
    at.switch_page(COLORIZE).run()
    upload(at, [("one.png", encode(photo("astronaut", 64)))])
    at.switch_page(GUIDE).run()
    assert_clean(at)
    assert hints(at) == [] and canvas(at)["hints"] == []


def test_the_canvas_component_is_self_contained():
    from ui import hint_canvas

    js, css = hint_canvas.JS, hint_canvas.CSS
    for needle in ("data-testid", "hint-canvas", "pointerdown", "pointermove", "pointerup", "setPointerCapture",
                   "dataset.hints", "strokes", "touch-action"):
        assert needle in js or needle in css, needle
    for text in (js, css):
        assert "http://" not in text and "https://" not in text and "@import" not in text


# --------------------------------------------------------------------------- where is the model unsure? (issue 23)


def test_the_uncertainty_map_overlays_the_photo_with_a_legend():
    at = guide_page()
    plain = shown(at).astype(int)
    at.toggle(key="guide_show_uncertainty").set_value(True).run()
    assert_clean(at)
    data = canvas(at)
    assert data["image_id"].endswith("-map")
    overlaid = shown(at).astype(int)
    assert overlaid.shape == plain.shape and np.abs(overlaid - plain).mean() > 10
    legend = texts(at.markdown)
    assert "sure" in legend and "unsure" in legend and "linear-gradient" in legend
    at.toggle(key="guide_show_uncertainty").set_value(False).run()
    assert not canvas(at)["image_id"].endswith("-map")


def test_suggestions_give_swatches_and_a_swatch_adds_a_hint_that_undo_removes():
    at = guide_page()
    at.toggle(key="guide_show_suggestions").set_value(True).run()
    assert_clean(at)
    swatches = [b for b in at.button if str(b.key).startswith("guide_suggest_")]
    assert {b.key for b in swatches} >= {"guide_suggest_0_0", "guide_suggest_0_1", "guide_suggest_0_2"}
    assert canvas(at)["image_id"].endswith(f"-s{len({b.key.split('_')[2] for b in swatches})}")
    colour = at.button(key="guide_suggest_0_1").label          # "#rrggbb"
    assert colour.startswith("#") and len(colour) == 7
    at.button(key="guide_suggest_0_1").click().run()
    assert_clean(at)
    [hint] = hints(at)
    assert hint.hex == colour and not hint.is_stroke
    assert canvas(at)["hints"][0]["color"] == colour
    assert "✓" in texts(at.markdown)                            # suggestion 1 is marked as used
    at.button(key="guide_undo").click().run()
    assert hints(at) == []


def test_grayscale_has_no_map_but_a_friendly_line():
    at = open_page(sample=True)
    use_models(at, ["grayscale"])
    at.switch_page(GUIDE).run()
    at.toggle(key="guide_show_uncertainty").set_value(True).run()
    at.toggle(key="guide_show_suggestions").set_value(True).run()
    assert_clean(at)
    assert "cannot say where it is unsure" in texts(at.info)
    assert not [b for b in at.button if str(b.key).startswith("guide_suggest_")]
    assert not canvas(at)["image_id"].endswith(("-map", "-s3"))


def test_the_guided_download_of_a_16_bit_upload_is_16_bit():
    """Issue 34: the Guide page's PNG of a 16-bit upload was 8-bit (the Colorize page's is 16-bit)."""
    from test_masters import DATE, ramp16, source_png16

    from core import lab
    from core.images import load_master
    from core.metadata import read_xmp
    from ui import guide as ui_guide

    at = open_page()
    upload(at, [("scan.png", source_png16(ramp16()))])
    at.switch_page(GUIDE).run()
    at.color_picker(key="guide_colour").set_value("#d01010").run()
    draw(at, [(0.3, 0.5)])
    assert_clean(at)
    assert len(hints(at)) == 1
    cache = at.session_state["downloads_cache"]
    [data] = [cache.get(k) for k in cache.keys() if k[2] == ui_guide.GUIDED and not k[3].endswith("-base")]
    assert Image.open(io.BytesIO(data)).tile[0].args == "RGB;16B"            # 16 bits a channel
    deep = load_master(data)
    assert deep.bits == 16 and deep.meta.date == DATE
    truth = lab.lightness(np.repeat(ramp16()[..., None], 3, 2))
    assert np.abs(lab.lightness(deep.rgb16) - truth).max() < 0.05            # the 16-bit lightness is kept
    assert read_xmp(Image.open(io.BytesIO(data)).info["xmp"])["cs:Hints"] == "yes"
