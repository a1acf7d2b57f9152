"""“Repair scratches and dust first” on the Colorize and Guide pages (AppTest)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from app_util import GREY_MODEL, captions, encode, open_page, texts, upload, use_models

GUIDE = "pages/6_guide.py"
pytestmark = pytest.mark.usefixtures("app_env")


def scratched_photo() -> np.ndarray:
    from skimage import data

    grey = cv2.resize(data.camera(), (256, 256), interpolation=cv2.INTER_AREA)
    cv2.line(grey, (10, 30), (240, 200), 250, 2)
    cv2.line(grey, (200, 10), (60, 250), 8, 2)
    return np.repeat(grey[..., None], 3, axis=2)


def test_the_toggle_repairs_what_the_models_see_and_shows_the_mask():
    at = open_page()
    use_models(at, ["grayscale"])
    upload(at, [("old.png", encode(scratched_photo()))])
    assert at.toggle(key="restore_first").value is False                      # off by default
    assert not [k for k in (t.key for t in at.toggle) if k.startswith("restore_show_")]
    at.toggle(key="restore_first").set_value(True).run()
    assert not at.exception, [e.value for e in at.exception]
    shows = [t for t in at.toggle if t.key.startswith("restore_show_")]
    assert len(shows) == 1
    shows[0].set_value(True).run()
    assert any(c.startswith("Repaired pixels in magenta") for c in texts(at.caption).splitlines())
    assert repair_canvas(at)["hints"] == []                     # the mask is shown on the canvas, nothing painted
    assert GREY_MODEL in captions(at)


def repair_canvas(at) -> dict:
    """What the repair canvas (the hint canvas component under “Show what was repaired”) was given."""
    import json

    found = [json.loads(c.proto.json) for c in at.get("bidi_component")
             if c.proto.component_name == "colorization_studio.hint_canvas"
             and c.proto.id and json.loads(c.proto.json).get("label", "").endswith("the repair missed")]
    assert len(found) == 1, found
    return found[0]


def test_painting_over_a_wide_scratch_repairs_it_for_the_models_and_undo_takes_it_back():
    """Issue 34: a scratch as wide as a pole is not found by the detector; a stroke over it repairs it, the
    models see the repaired photo, the download says so, and undo brings the detector's repair back."""
    from skimage import data

    grey = cv2.resize(data.camera(), (256, 256), interpolation=cv2.INTER_AREA)
    cv2.line(grey, (0, 40), (255, 40), 5, 7)                      # a 7 px dark band across the sky
    at = open_page()
    use_models(at, ["grayscale"])
    upload(at, [("gouged.png", encode(np.repeat(grey[..., None], 3, axis=2)))])
    at.toggle(key="restore_first").set_value(True).run()
    show = next(t for t in at.toggle if t.key.startswith("restore_show_"))
    show.set_value(True).run()
    key = show.key.removeprefix("restore_show_")
    seen = at.session_state["_restore_cache"].get(key)
    assert seen.mask[37:44, 60:200].mean() < 0.5                  # the detector leaves most of the band
    at.select_slider(key="repair_brush").set_value("large").run()
    at.session_state[f"repair_canvas_{key}"] = {"strokes": [{"id": "r1", "points": [[0.0, 0.16], [1.0, 0.16]]}]}
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    done = at.session_state["_restore_cache"].get(key)
    assert len(done.marks) == 1 and done.marks[0].radius == pytest.approx(0.03 * 256)
    assert done.mask[37:44, :].all()                               # the whole band is repaired now ...
    sky = (slice(37, 44), slice(10, 60))
    assert abs(done.rgb[sky][..., 0].mean() - grey[25:30, 10:60].mean()) < 12     # ... in the sky's grey
    assert repair_canvas(at)["hints"][0]["color"] == "#ff00aa" and repair_canvas(at)["done"] == ["r1"]
    assert any("1 stroke painted by you" in c for c in texts(at.caption).splitlines())
    assert at.button(key=f"repair_undo_{key}").disabled is False
    at.run()                                                       # the same queued stroke is not added twice
    assert len(at.session_state["_restore_cache"].get(key).marks) == 1
    at.button(key=f"repair_undo_{key}").click().run()
    assert at.session_state["_restore_cache"].get(key).marks == ()
    assert np.array_equal(at.session_state["_restore_cache"].get(key).mask, seen.mask)


def test_a_broken_repair_stroke_is_harmless():
    at = open_page()
    use_models(at, ["grayscale"])
    upload(at, [("old.png", encode(scratched_photo()))])
    at.toggle(key="restore_first").set_value(True).run()
    show = next(t for t in at.toggle if t.key.startswith("restore_show_"))
    show.set_value(True).run()
    key = show.key.removeprefix("restore_show_")
    at.session_state[f"repair_canvas_{key}"] = {"strokes": [{"id": "b1", "points": [[2.0, 0.5]]}, "x", None]}
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("outside the photo" in w.value for w in at.warning)
    assert at.session_state["_restore_cache"].get(key).marks == ()


def test_the_guide_page_has_the_toggle_too(monkeypatch):
    from core.figures import export

    named = []
    real = export.result_filename
    monkeypatch.setattr(export, "result_filename", lambda *a, **k: named.append(real(*a, **k)) or named[-1])
    at = open_page()
    upload(at, [("old.png", encode(scratched_photo()))])
    at.switch_page(GUIDE).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.toggle(key="restore_first").value is False
    assert named[-1].endswith("_guided.png") and "repaired" not in named[-1], named
    at.toggle(key="restore_first").set_value(True).run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(t.key.startswith("restore_show_") for t in at.toggle)
    assert named[-1].endswith("_guided_repaired.png"), named      # the Guide download is named apart too


def test_compare_shows_the_scan_before_and_after_its_repair():
    """With the switch on (Colorize), Compare's versions start with the unrepaired scan, and the grey input
    there is the repaired photo the models saw (issue 20: before/after on Compare)."""
    at = open_page()
    use_models(at, ["grayscale"])
    upload(at, [("old.png", encode(scratched_photo()))])
    at.switch_page("pages/2_compare.py").run()
    assert "Before repair" not in at.selectbox(key="compare_left").options
    at.switch_page("pages/1_colorize.py").run()
    at.toggle(key="restore_first").set_value(True).run()
    at.switch_page("pages/2_compare.py").run()
    assert not at.exception, [e.value for e in at.exception]
    names = at.selectbox(key="compare_left").options
    assert names[:2] == ["Before repair", "Grey input"], names
    assert "Before repair" in captions(at) and "Grey input" in captions(at)


def test_every_photo_a_session_may_hold_stays_repaired_across_reruns(monkeypatch):
    """The repair cache keeps one entry per photo, as many as a session may hold (ui.photos.MAX_PHOTOS):
    with a full batch switched on, a rerun repairs nothing again (it held 4 entries per photo in 32 slots, so
    from 9 photos on every click repaired every photo, about 1 s per megapixel)."""
    from core import restore
    from ui.photos import MAX_PHOTOS

    calls = []
    real = restore.restore
    monkeypatch.setattr(restore, "restore", lambda rgb, *a, **k: calls.append(1) or real(rgb, *a, **k))
    rng = np.random.default_rng(0)
    photos = []
    for i in range(MAX_PHOTOS):
        grey = rng.integers(60, 200, (24, 32), np.uint8)
        cv2.line(grey, (2, 3 + i % 10), (30, 20), 250, 1)                 # a scratch: a repaired version
        photos.append((f"old{i:02d}.png", encode(np.repeat(grey[..., None], 3, axis=2))))
    at = open_page()
    use_models(at, ["grayscale"])
    upload(at, photos)
    at.toggle(key="restore_first").set_value(True).run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(calls) == MAX_PHOTOS
    at.run()
    at.switch_page("pages/2_compare.py").run()
    at.switch_page("pages/1_colorize.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(calls) == MAX_PHOTOS, "a rerun repaired photos again"
    cache = at.session_state["_restore_cache"]
    assert len(cache) == MAX_PHOTOS and cache.max_entries == MAX_PHOTOS


def test_with_repair_on_the_caption_counts_every_photo_and_downloads_are_named_apart(monkeypatch):
    """Issue 34: two photos, then repair on: the scratched one is coloured again, the clean one comes from the
    cache. The caption counts both (it said "Coloured 1 image") and says the repair is in the time; the repaired
    result's download is not named like the unrepaired one's; one result is "Download it as ZIP"."""
    from skimage import data

    from core.figures import export

    named = []
    real = export.result_filename
    monkeypatch.setattr(export, "result_filename", lambda *a, **k: named.append(real(*a, **k)) or named[-1])
    clean = cv2.resize(data.chelsea(), (160, 106), interpolation=cv2.INTER_AREA).mean(axis=2).astype(np.uint8)
    at = open_page()
    use_models(at, ["grayscale"])
    upload(at, [("old.png", encode(scratched_photo())), ("cat.png", encode(np.repeat(clean[..., None], 3, 2)))])
    names_before, named[:] = list(named), []
    assert "Coloured 2 images" in texts(at.caption)
    at.toggle(key="restore_first").set_value(True).run()
    assert not at.exception, [e.value for e in at.exception]
    said = texts(at.caption)
    assert "Coloured 2 images" in said and "(repair included), 1 of them kept from before" in said, said
    names_after = list(named)
    assert names_before == ["old_grayscale_rf12.png", "cat_grayscale_rf12.png"], names_before
    assert names_after == ["old_grayscale_rf12_repaired.png", "cat_grayscale_rf12.png"], names_after
    assert at.get("download_button")[-1].proto.label == "Download all 2 as ZIP"


def test_one_result_is_downloaded_as_a_zip_without_all_1():
    at = open_page()
    use_models(at, ["grayscale"])
    upload(at, [("old.png", encode(scratched_photo()))])
    assert at.get("download_button")[-1].proto.label == "Download it as ZIP"


def test_guide_hints_stay_with_the_photo_when_it_is_repaired_and_painted_over():
    """The Guide page keeps a photo's hints under the photo as uploaded: turning the repair on, or painting a
    stroke over damage (both give the models a new picture, under a new key), keeps them."""
    at = open_page()
    upload(at, [("old.png", encode(scratched_photo()))])
    at.switch_page(GUIDE).run()
    at.session_state["guide_canvas"] = {"strokes": [{"id": "h1", "points": [[0.3, 0.5]]}]}
    at.run()

    def hints():
        store = at.session_state["guide_hints"]
        return [h for hs in store.values() for h in hs]

    assert len(hints()) == 1
    at.toggle(key="restore_first").set_value(True).run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(hints()) == 1                                       # the repaired photo keeps its hint
    show = next(t for t in at.toggle if t.key.startswith("restore_show_"))
    show.set_value(True).run()
    key = show.key.removeprefix("restore_show_")
    at.session_state[f"repair_canvas_{key}"] = {"strokes": [{"id": "r1", "points": [[0.1, 0.9], [0.5, 0.9]]}]}
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.session_state["_restore_cache"].get(key).marks) == 1
    assert len(hints()) == 1 and list(at.session_state["guide_hints"]) == [key]   # still there, under the upload
    assert any(c.startswith("1 hint(s) on") or c.startswith("Updated in") for c in texts(at.caption).splitlines())
