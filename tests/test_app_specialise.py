"""The Teach it your world page (AppTest): colour examples (files, a ZIP, a grey one left out), a short run in
the background, its model joining every page's model choice with its facts, the download and bad uploads.

The run is a background thread: the test waits for it and runs the page again, as the page's polling fragment
would. It learns 3 passes over 32 crops (``STUDIO_SPECIALISE_PASSES``, ``STUDIO_SPECIALISE_CROPS``)."""

from __future__ import annotations

import io
import zipfile

import pytest
from app_util import COLORIZE, assert_clean, encode, open_page, photo, texts

from core import lab
from core.training import jobs

pytestmark = [pytest.mark.usefixtures("app_env"), pytest.mark.slow]

PAGE = "pages/10_specialise.py"
WAIT = 300


@pytest.fixture(autouse=True)
def short_runs(monkeypatch):
    monkeypatch.setenv("STUDIO_SPECIALISE_CROPS", "32")
    monkeypatch.setenv("STUDIO_SPECIALISE_PASSES", "3")
    yield
    for job in jobs.BOARD.running():
        job.cancel()
        job.join(WAIT)


def _zip(**files) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_examples_learn_and_the_model_joins_every_page():
    at = open_page(PAGE)
    assert at.title[0].value == "Teach it your world"
    assert at.button(key="spec_start").disabled                    # nothing to learn from yet
    grey = lab.to_grey_rgb(photo("astronaut"))
    at.file_uploader(key="spec_upload").set_value([
        ("coffee.png", encode(photo("coffee")), "image/png"),
        ("chelsea.jpg", encode(photo("chelsea"), "JPEG"), "image/jpeg"),
        ("grey.png", encode(grey), "image/png"),
        ("more.zip", _zip(**{"rocket.png": encode(photo("rocket")), "notes.txt": b"hi"}), "application/zip"),
    ]).run()
    assert_clean(at)
    names = [n for n, _ in at.session_state["spec_examples"]]
    assert sorted(names) == ["chelsea.jpg", "coffee.png", "rocket.png"]
    assert "**grey.png** is not used: it is black-and-white" in texts(at.warning)

    at.button(key="spec_start").click().run()
    assert_clean(at)
    job = at.session_state["spec_job"]
    assert job.running or job.state == "done"
    assert at.button(key="spec_cancel").label == "Cancel" or job.state == "done"
    assert job.join(WAIT) and job.state == "done", job.error
    at.run()
    assert_clean(at)
    assert "joined the model choice" in texts(at.success)
    assert "Specialised on 3 examples" in texts(at.markdown)
    assert at.get("download_button"), "no download of the model"
    own = at.session_state["spec_model_name"]
    assert own in at.session_state["models"]

    at.switch_page(COLORIZE).run()             # the model is a model like any other: ticked on Colorize
    assert_clean(at)
    at.button(key="sample_chelsea").click().run()
    assert_clean(at)
    assert any("specialised on 3 examples" in c for img in at.image for c in img.captions)


def test_bad_model_uploads_and_nothing_usable_get_a_message():
    at = open_page(PAGE)
    at.file_uploader(key="spec_model_upload").set_value(("x.keras", b"junk", "application/octet-stream")).run()
    assert_clean(at)
    assert "not a Keras model file" in texts(at.error)
    at.file_uploader(key="spec_upload").set_value([("broken.zip", b"PK nonsense", "application/zip")]).run()
    assert_clean(at)
    assert "could not be read as a ZIP archive" in texts(at.warning)
    assert at.button(key="spec_start").disabled
