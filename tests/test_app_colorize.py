"""The Colorize page, driven like a visitor would with Streamlit's AppTest."""

from __future__ import annotations

import pytest
import streamlit
from app_util import COMPARE as COMPARE_PAGE
from app_util import (
    GREY_MODEL,
    OURS,
    ZHANG,
    assert_clean,
    captions,
    encode,
    grey_of,
    new_app,
    open_page,
    photo,
    set_render_factor,
    texts,
    upload,
    use_models,
)

from core.colorizers.autoencoder import AutoencoderColorizer
from core.figures.samples import SAMPLES

OUR_DEFAULT_RF = AutoencoderColorizer.default_render_factor


pytestmark = pytest.mark.usefixtures("app_env")


@pytest.fixture
def progress_log(monkeypatch):
    """Every st.progress bar the app creates: (value, text)."""
    calls = []
    real = streamlit.progress

    class Bar:
        def __init__(self, bar):
            self.bar = bar

        def progress(self, value, text=None):
            calls.append((value, text))
            return self.bar.progress(value, text=text)

        def empty(self):
            return self.bar.empty()

    def spy(value, text=None, **kw):
        calls.append((value, text))
        return Bar(real(value, text=text, **kw))

    monkeypatch.setattr(streamlit, "progress", spy)
    return calls


def result_state(at):
    return at.session_state["results_cache"]


def test_first_visit_offers_samples_and_nothing_is_preselected():
    at = open_page()
    assert at.title[0].value == "Colorize"
    assert captions(at) == [s.title for s in SAMPLES]           # the grey gallery, nothing else
    assert at.button(key="try_sample").label == "Try a sample photo"
    assert "No photo yet" in texts(at.info)
    ms = at.multiselect(key="models")
    assert ms.value == ["autoencoder"]
    assert set(ms.options) >= {OURS, GREY_MODEL} and any(o.startswith(ZHANG) for o in ms.options)
    assert at.select_slider(key="render_factor").value == OUR_DEFAULT_RF
    assert f"{16 * OUR_DEFAULT_RF} px" in texts(at.caption)


def test_try_a_sample_shows_the_result_and_downloads():
    at = open_page(sample=True)
    shown = captions(at)[len(SAMPLES):]
    assert shown == ["Grey input", OURS, "Original"]
    assert "Treated as a colour test" in texts(at.info)
    keys = [d.key for d in at.get("download_button")]
    assert any(k.startswith("dl_") and k.endswith(f"_autoencoder_{OUR_DEFAULT_RF}") for k in keys)
    assert "dl_zip" in keys
    assert "Coloured 1 image" in texts(at.caption)
    assert "Sending the pictures to your browser takes a little longer" in texts(at.caption)   # what the time is
    assert at.toggle(key="stamp").value is False              # the AI-coloured label is off by default


def test_upload_a_grey_photo_is_coloured_without_reference():
    at = open_page()
    upload(at, [("old_photo.png", encode(grey_of(photo("astronaut"))))])
    assert_clean(at)
    shown = captions(at)[len(SAMPLES):]
    assert shown == ["Grey input", OURS]
    assert "Treated as a colour test" not in texts(at.info)
    assert not at.error


def test_upload_a_colour_photo_is_treated_as_a_test():
    at = open_page()
    upload(at, [("holiday.jpg", encode(photo("coffee"), "JPEG", quality=92))])
    assert_clean(at)
    assert captions(at)[len(SAMPLES):] == ["Grey input", OURS, "Original"]
    assert "Treated as a colour test" in texts(at.info)


def test_many_uploads_show_progress_and_results_are_cached(progress_log):
    at = open_page()
    files = [(f"{n}.png", encode(photo(n, 64))) for n in ("coffee", "chelsea", "astronaut")]
    upload(at, files)
    assert_clean(at)
    assert captions(at)[len(SAMPLES):].count(OURS) == 3
    assert len(at.expander) >= 4                              # gallery + one per photo
    texts_seen = [t for _, t in progress_log if t]
    assert any(t.startswith("Reading") for t in texts_seen)
    assert any(t.startswith("Colorizing") and "(3 of 3)" in t for t in texts_seen)
    assert len(result_state(at)) == 3

    progress_log.clear()
    at.run()                                                    # nothing new to do: instant, from the cache
    assert not [t for _, t in progress_log if t and t.startswith("Colorizing")]
    assert "Coloured" not in texts(at.caption)

    set_render_factor(at, 8)                                    # new factor: computed again
    assert any(t and "(3 of 3)" in t for _, t in progress_log)
    assert len(result_state(at)) == 6
    progress_log.clear()
    set_render_factor(at, OUR_DEFAULT_RF)                       # back: cached
    assert not [t for _, t in progress_log if t and t.startswith("Colorizing")]
    assert captions(at)[len(SAMPLES):].count(OURS) == 3


def test_one_upload_says_it_is_read_then_coloured(progress_log):
    """A single (big) upload shows "Reading …" while it is decoded, then "Colorizing …" (issue 24: a 36 MP
    photo showed nothing for a minute)."""
    at = open_page()
    upload(at, [("big.png", encode(photo("coffee", 64)))])
    assert_clean(at)
    texts_seen = [t for _, t in progress_log if t]
    assert "Reading big.png (1 of 1)" in texts_seen
    assert any(t.startswith("Colorizing big.png") for t in texts_seen)


def test_a_new_upload_clears_stale_results():
    at = open_page()
    upload(at, [("a.png", encode(photo("coffee", 64)))])
    first = set(result_state(at).keys())
    assert len(first) == 1
    upload(at, [("b.png", encode(photo("chelsea", 64)))])
    assert_clean(at)
    second = set(result_state(at).keys())
    assert len(second) == 1 and not (first & second)
    assert [e.label for e in at.expander][1:] == ["1. b.png"]


def test_choose_models_and_render_factor():
    at = open_page(sample=True)
    use_models(at, ["autoencoder", "grayscale"], render_factor=8)
    assert_clean(at)
    assert captions(at)[len(SAMPLES):] == ["Grey input", OURS, GREY_MODEL, "Original"]
    keys = [d.key for d in at.get("download_button")]
    assert any(k.endswith("_grayscale_8") for k in keys) and any(k.endswith("_autoencoder_8") for k in keys)
    assert "128 px" in texts(at.caption)
    assert at.get("download_button")[-1].label == "Download all 2 as ZIP"


def test_no_model_chosen_says_so():
    at = open_page(sample=True)
    use_models(at, [])
    assert_clean(at)
    assert "Choose at least one model" in texts(at.info)


def test_settings_survive_a_trip_to_another_page():
    at = open_page(sample=True)
    use_models(at, ["autoencoder", "grayscale"], render_factor=10)
    at.switch_page(COMPARE_PAGE).run()
    assert_clean(at)
    assert "render factor **10**" in texts(at.caption)
    assert GREY_MODEL in captions(at)
    at.switch_page("pages/1_colorize.py").run()
    assert at.multiselect(key="models").value == ["autoencoder", "grayscale"]
    assert at.select_slider(key="render_factor").value == 10
    assert captions(at)[len(SAMPLES):] == ["Grey input", OURS, GREY_MODEL, "Original"]


def test_eccv16_notice_when_its_weights_are_missing(empty_home):
    at = open_page(sample=True)
    use_models(at, ["autoencoder", "eccv16"])
    assert_clean(at)
    warning = texts(at.warning)
    assert "not downloaded yet" in warning and "129 MB" in warning
    assert at.button(key="fetch_eccv16_colorize").label.startswith("Download the Zhang et al. 2016 (Caffe) weights")
    assert any(".venv/bin/python -m core weights fetch eccv16" in c.value for c in at.code)
    assert captions(at)[len(SAMPLES):] == ["Grey input", OURS, "Original"]     # the rest keeps working
    assert not at.error


def test_eccv16_download_button_reports_a_failure(empty_home, monkeypatch):
    from core import weights

    def offline(name, progress=None, **kw):
        progress("colorization_deploy_v2.prototxt", 10, 100)
        raise weights.FetchError("Could not download colorization_release_v2.caffemodel from "
                                 "https://example.invalid/x.caffemodel: ConnectionError. Are you offline?")

    monkeypatch.setattr(weights, "fetch", offline)
    at = open_page(sample=True)
    use_models(at, ["autoencoder", "eccv16"])
    at.button(key="fetch_eccv16_colorize").click().run()
    assert_clean(at)
    error = texts(at.error)
    assert "The download did not work" in error and "offline" in error
    # issue 24: plain words on the page; the raw URL and the exception's name only behind "Details"
    assert "http" not in error and "ConnectionError" not in error, error
    details = next(e for e in at.expander if e.label == "Details")
    assert any("ConnectionError" in str(m.value) and "example.invalid" in str(m.value) for m in details.text), details
    assert OURS in captions(at)


def test_eccv16_download_button_fetches_then_runs(empty_home, monkeypatch, progress_log):
    from caffe_net import write_small_eccv16

    from core import weights

    def fake_fetch(name, progress=None, **kw):
        for done in (0, 50, 100):
            progress("colorization_release_v2.caffemodel", done, 100)
        return write_small_eccv16(weights.home() / name)

    monkeypatch.setattr(weights, "fetch", fake_fetch)
    at = open_page(sample=True)
    use_models(at, ["autoencoder", "eccv16"])
    at.button(key="fetch_eccv16_colorize").click().run()
    assert_clean(at)
    assert any(t and t.startswith("Downloading colorization_release_v2.caffemodel") for _, t in progress_log)
    assert ZHANG in captions(at)
    assert "not downloaded" not in texts(at.warning)


def test_eccv16_colours_when_its_weights_are_there(small_eccv16_home):
    at = open_page(sample=True)
    use_models(at, ["eccv16"], render_factor=8)
    assert_clean(at)
    assert captions(at)[len(SAMPLES):] == ["Grey input", ZHANG, "Original"]
    assert not at.warning


def test_use_all_samples_and_clear():
    at = open_page()
    at.button(key="sample_all").click().run()
    assert_clean(at)
    assert captions(at)[len(SAMPLES):].count(OURS) == len(SAMPLES)
    at.button(key="clear_photos").click().run()
    assert_clean(at)
    assert captions(at) == [s.title for s in SAMPLES]
    assert "No photo yet" in texts(at.info)


def test_upload_limit_is_enforced(monkeypatch):
    import ui.photos
    import ui.results

    monkeypatch.setattr(ui.photos, "MAX_PHOTOS", 2)
    at = open_page()
    upload(at, [(f"{n}.png", encode(photo(n, 48))) for n in ("coffee", "chelsea", "astronaut")])
    assert_clean(at)
    assert captions(at)[len(SAMPLES):].count(OURS) == 2
    assert "Only the first 2 photos" in texts(at.error)


def test_upload_total_size_is_bounded(monkeypatch):
    import ui.photos
    import ui.results

    monkeypatch.setattr(ui.photos, "MAX_BATCH_PIXELS", 48 * 48 * 2)
    at = open_page()
    upload(at, [(f"{n}.png", encode(photo(n, 48))) for n in ("coffee", "chelsea", "astronaut")])
    assert_clean(at)
    assert 1 <= captions(at)[len(SAMPLES):].count(OURS) <= 2
    assert "second round" in texts(at.error)


def test_session_result_cache_is_bounded(monkeypatch):
    import ui.photos
    import ui.results

    monkeypatch.setattr(ui.results, "MAX_RESULTS", 2)
    at = new_app().run()
    upload(at, [(f"{n}.png", encode(photo(n, 48))) for n in ("coffee", "chelsea", "astronaut")])
    assert_clean(at)
    assert len(at.session_state["results_cache"]) <= 2
    assert captions(at)[len(SAMPLES):].count(OURS) == 3          # still all shown on this run


def test_presentation_mode_injects_large_text():
    at = new_app().run()
    toggle = at.sidebar.toggle(key="presentation")
    assert toggle.label == "Presentation mode" and toggle.value is False
    assert not any("font-size" in h.value for h in at.get("html"))
    # AppTest (1.67) drops the sidebar and event blocks after the first rerun of an st.navigation
    # app, so presentation mode is switched on before the first run (a browser shows them every run).
    at = new_app()
    at.session_state["presentation"] = True
    at.run()
    assert_clean(at)
    assert at.sidebar.toggle(key="presentation").value is True
    assert any("font-size" in h.value for h in at.get("html"))


def test_the_weights_notice_names_no_folder_and_one_command(empty_home, monkeypatch):
    from core import weights

    def disk_full(name, progress=None, **kw):
        raise OSError(28, "No space left on device", str(weights.home() / name / "x.caffemodel.part"))

    monkeypatch.setattr(weights, "fetch", disk_full)
    at = open_page(sample=True)
    use_models(at, ["autoencoder", "eccv16"])
    at.button(key="fetch_eccv16_colorize").click().run()
    assert_clean(at)
    assert "No space left on device" in texts(at.error)
    shown = "\n".join(texts(x) for x in (at.warning, at.error, at.caption, at.markdown, at.info, at.code))
    assert str(empty_home) not in shown and "/eccv16" not in shown and "Details" not in shown
    assert [c.value for c in at.code] == [weights.fetch_command("eccv16")]
    assert weights.fetch_command("eccv16") == ".venv/bin/python -m core weights fetch eccv16"
