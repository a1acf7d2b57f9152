"""The Old film page, driven like a visitor would with Streamlit's AppTest: a tiny clip made here is uploaded,
previewed, coloured in the background (with progress and cancel) and played next to the original."""

from __future__ import annotations

import time

import pytest
from app_util import assert_clean, new_app, open_page
from video_util import decode, make_clip

import ui.film_job
from core import video as core_video

FILM = "pages/7_old_film.py"
pytestmark = pytest.mark.usefixtures("app_env", "film_env")


@pytest.fixture
def film_env(tmp_path, monkeypatch):
    """The sample clip is made in a temporary folder; every job is stopped after the test."""
    monkeypatch.setenv("COLORIZER_CACHE", str(tmp_path / "cache"))
    yield
    for job in list(ui.film_job._jobs.values()):
        job.cancel.set()
    deadline = time.monotonic() + 30
    while any(j.active for j in ui.film_job._jobs.values()) and time.monotonic() < deadline:
        time.sleep(0.05)
    ui.film_job._jobs.clear()


@pytest.fixture
def slow_frames(monkeypatch):
    """Each frame takes at least ``delay`` seconds (50 ms; so a run lasts long enough to be watched, cancelled
    or overlapped); the fixture's value is the settings dict."""
    real = core_video.colorize_video
    settings = {"delay": 0.05}

    def slow(*args, progress=None, **kw):
        def tick(done, total):
            time.sleep(settings["delay"])
            if progress is not None:
                progress(done, total)

        return real(*args, progress=tick, **kw)

    monkeypatch.setattr(ui.film_job.core_video, "colorize_video", slow)
    return settings


def film_page():
    at = open_page(FILM)
    return at


def upload(at, name, data):
    box = at.get("file_uploader")[0]
    at.file_uploader(key=box.key).set_value([(name, data, "application/octet-stream")]).run()
    assert_clean(at)
    return at


def wait_for_job(at, timeout=60.0):
    """Rerun the page (as the progress fragment does) until the job has ended."""
    deadline = time.monotonic() + timeout
    while at.session_state["film_job"].active:
        assert time.monotonic() < deadline, "the job did not end"
        time.sleep(0.1)
        at.run()
        assert_clean(at)
    return at.run()


def texts(elements):
    return "\n".join(str(e.value) for e in elements)


def test_the_page_starts_with_a_pointer_to_the_sample(tmp_path):
    at = film_page()
    assert "Use the sample clip" in texts(at.info)
    assert at.button(key="film_sample").label == "Use the sample clip"


def test_the_sample_clip_and_its_preview():
    at = film_page()
    at.button(key="film_sample").click().run()
    assert_clean(at)
    assert "480 × 270 · 24 fps · 4.0 s · 96 frames · no sound" in texts(at.markdown)
    assert [im.captions for im in at.image] == [["The frame as it is"], ["Coloured (Autoencoder (ours))"]]
    assert len(at.get("video")) == 1                        # the original plays (an H.264 MP4)
    at.slider(key="film_position").set_value(100).run()
    assert_clean(at)
    assert len(at.image) == 2


def test_upload_colour_play_and_download(tmp_path):
    src = make_clip(tmp_path / "street.mp4", frames=12, width=64, height=48, fps=12, audio="aac")
    at = upload(film_page(), "street.mp4", src.read_bytes())
    assert "64 × 48 · 12 fps · 1.0 s · 12 frames · with sound" in texts(at.markdown)
    at.selectbox(key="film_model").set_value("grayscale").run()
    at.button(key="film_start").click().run()
    assert_clean(at)
    job = at.session_state["film_job"]
    assert (job.model, job.smoothing) == ("grayscale", "flow")
    wait_for_job(at)
    assert job.state == "done", job.error
    assert "Done: 12 frames, 64 × 48, 12 fps, sound copied" in texts(at.success)
    assert len(at.get("video")) == 2                        # the original next to the coloured clip
    button = at.get("download_button")[0]
    assert button.proto.label == "Download the coloured clip (MP4)"
    facts, frames = decode(job.out)
    assert (len(frames), facts["fps"], facts["width"], facts["height"]) == (12, 12, 64, 48)
    assert (facts["codec"], facts["pix_fmt"], facts["audio"]) == ("h264", "yuv420p", "aac")
    assert ui.film_job.download_name(job) == "street_grayscale.mp4"
    assert ui.film_job.result_bytes(job)() == job.out.read_bytes()
    # a new clip replaces the result, and its file goes
    other = make_clip(tmp_path / "other.mp4", frames=8, fps=8)
    upload(at, "other.mp4", other.read_bytes())
    assert "film_job" not in at.session_state and not job.out.exists()


@pytest.mark.parametrize("name, data, message", [
    ("notes.mp4", b"just some text, not a film\n" * 10, "not a video that can be read"),
    ("empty.webm", b"", "is empty"),
    ("half.mp4", None, "is damaged, or not a video at all"),        # cut off before its index (moov)
])
def test_a_bad_file_gets_a_friendly_message(name, data, message, tmp_path):
    if data is None:
        data = make_clip(tmp_path / name).read_bytes()
        data = data[: len(data) // 2]
    at = upload(film_page(), name, data)
    assert message in texts(at.error) and name in texts(at.error)
    assert "/" not in texts(at.error).replace("python -m", "")           # no server paths
    assert "No clip yet" in texts(at.info)


def test_a_truncated_clip_fails_with_a_message_and_nothing_kept(tmp_path):
    """Cut off after its header (a +faststart MP4, index first): it is taken, then stops short of its frames."""
    src = make_clip(tmp_path / "src.mp4", frames=24, width=96, height=64)
    data = core_video.colorize_video(src, tmp_path / "cut.mp4", model="grayscale").path.read_bytes()
    at = upload(film_page(), "cut.mp4", data[: len(data) * 85 // 100])
    at.selectbox(key="film_model").set_value("grayscale").run()
    at.slider(key="film_position").set_value(0).run()                         # its first frames are there
    assert not at.error
    at.button(key="film_start").click().run()
    wait_for_job(at)
    job = at.session_state["film_job"]
    assert job.state == "failed" and not job.out.exists()
    message = texts(at.error)
    assert "could not be coloured" in message and "cut.mp4 ends early" in message and "cut off" in message


def test_an_over_size_clip_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("COLORIZER_MAX_VIDEO_MPS", "0.001")
    at = upload(film_page(), "long.mp4", make_clip(tmp_path / "long.mp4").read_bytes())
    assert "too long for its size" in texts(at.error)
    assert "No clip yet" in texts(at.info)


def test_progress_and_cancel_leave_no_file(tmp_path, slow_frames):
    at = upload(film_page(), "walk.mp4", make_clip(tmp_path / "walk.mp4", frames=40, fps=10).read_bytes())
    at.selectbox(key="film_model").set_value("grayscale").run()
    at.button(key="film_start").click().run()
    job = at.session_state["film_job"]
    deadline = time.monotonic() + 30
    while job.done < 3:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    at.run()
    assert_clean(at)
    bar = at.get("progress")[0]
    assert "of 40" in bar.proto.text and "frames/s" in bar.proto.text
    assert at.button(key="film_start").disabled if "film_start" in [b.key for b in at.button] else True
    at.button(key="film_cancel").click().run()
    wait_for_job(at)
    assert job.state == "cancelled" and job.done < 40
    assert "Cancelled: nothing was kept." in texts(at.info)
    folder = job.out.parent
    assert not job.out.exists() and not list(folder.glob("*.part")) and not list(folder.glob(".*.part"))


def test_other_sessions_stay_responsive_while_a_clip_is_coloured(tmp_path, slow_frames):
    slow_frames["delay"] = 0.25            # the clip takes 30 s (it is cancelled at the end of the test)
    at = upload(film_page(), "walk.mp4", make_clip(tmp_path / "walk.mp4", frames=120, fps=10).read_bytes())
    at.selectbox(key="film_model").set_value("grayscale").run()
    at.button(key="film_start").click().run()
    job = at.session_state["film_job"]
    t0 = time.monotonic()
    other = open_page(sample="try")                      # another visitor colours a photo meanwhile
    assert other.session_state["results_cache"] is not None and len(other.image) >= 2
    assert job.active, "the clip finished before the other session was served: the test proves nothing"
    assert time.monotonic() - t0 < 25
    assert "Colouring with Grayscale" in texts(at.run().caption)
    at.button(key="film_cancel").click().run()


def test_the_page_is_in_the_navigation():
    at = new_app().run()
    assert_clean(at)
    at.switch_page(FILM).run()
    assert_clean(at)
    assert at.title[0].value == "Old film"


def test_the_render_factor_is_one_setting_across_pages_and_never_drops_to_the_minimum():
    """Issue 24: Colorize -> Old film showed 4 (the slider's minimum) on the film page, and a clip was coloured
    at 64 px; the reverse too. Each page's slider starts at the shared applied value (the model's default
    before any Apply), and Apply on one page is what the other shows."""
    from core.colorizers.autoencoder import AutoencoderColorizer

    default = AutoencoderColorizer.default_render_factor
    at = open_page()
    assert at.select_slider(key="render_factor").value == default
    at.switch_page(FILM).run()
    at.button(key="film_sample").click().run()
    assert_clean(at)
    assert at.select_slider(key="film_render_factor").value == default
    at.select_slider(key="film_render_factor").set_value(20)
    at.button(key="apply_film_render_factor").click().run()
    assert at.select_slider(key="film_render_factor").value == 20
    at.switch_page("pages/1_colorize.py").run()
    assert_clean(at)
    assert at.select_slider(key="render_factor").value == 20
    at.switch_page(FILM).run()
    assert at.select_slider(key="film_render_factor").value == 20
    # the reverse: the film page first, in a new session
    at = new_app().run()
    at.switch_page(FILM).run()
    at.button(key="film_sample").click().run()
    assert at.select_slider(key="film_render_factor").value == default
    at.switch_page("pages/1_colorize.py").run()
    assert at.select_slider(key="render_factor").value == default
