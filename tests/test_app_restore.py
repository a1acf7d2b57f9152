"""“Repair scratches and dust first” on the Colorize and Guide pages (AppTest)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from app_util import GREY_MODEL, captions, encode, open_page, upload, use_models

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
    assert any(c.startswith("Repaired pixels in magenta") for c in captions(at))
    assert GREY_MODEL in captions(at)


def test_the_guide_page_has_the_toggle_too():
    at = open_page()
    upload(at, [("old.png", encode(scratched_photo()))])
    at.switch_page(GUIDE).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.toggle(key="restore_first").value is False
    at.toggle(key="restore_first").set_value(True).run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(t.key.startswith("restore_show_") for t in at.toggle)


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
