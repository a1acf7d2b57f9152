"""The Train your own page (AppTest): a tiny run starts, reports progress, finishes, and its model joins the
model choice of the other pages; cancel; the .keras round trip; bad uploads; the server-wide limit.

Runs are background threads: a test waits for the job (``Job.join``) and then runs the page again, as the
page's polling fragment would. Each run is 1 epoch of 32 crops at 32 px (``STUDIO_TRAIN_CROPS``).
"""

from __future__ import annotations

import pytest
from app_util import COLORIZE, METRICS, TRAIN, assert_clean, captions, encode, open_page, photo, texts

from core.training import jobs

pytestmark = pytest.mark.usefixtures("app_env")

TITLE = "Your model: classification, 32 px, 1 epoch"
WAIT = 240          # seconds a run may take on a busy 2-core machine


@pytest.fixture(autouse=True)
def small_runs(monkeypatch):
    monkeypatch.setenv("STUDIO_TRAIN_CROPS", "32")
    yield
    for job in jobs.BOARD.running():            # no run outlives its test
        job.cancel()
        job.join(WAIT)


def start_run(at, epochs: int = 1, size: int = 32):
    at.radio(key="train_size").set_value(size)
    at.slider(key="train_epochs").set_value(epochs)
    at.button(key="train_start").click().run()
    assert_clean(at)
    return at.session_state["train_job"]


def progress_texts(at) -> list[str]:
    return [p.proto.text for p in at.get("progress")]


@pytest.mark.training
@pytest.mark.usefixtures("eager")       # the page is checked; tests/test_classroom.py traces the same run
def test_a_run_finishes_and_its_model_joins_the_choice_and_round_trips():
    at = open_page(TRAIN)
    assert at.title[0].value == "Train your own"
    assert [h.value for h in at.subheader] == ["1 · Choose what to train", "2 · Watch it learn", "3 · Your models"]
    assert "Press **Train** to start" in texts(at.info)
    assert "--preset classroom --size 64 --epochs 8 --loss bins --global-branch scratch" in at.code[0].value

    job = start_run(at)
    assert job.running
    shown = progress_texts(at)                     # it reports progress at once
    assert len(shown) == 1 and shown[0].startswith(("Getting ready", "Epoch 1 of 1"))
    assert at.button(key="train_cancel").label == "Cancel"
    assert at.radio(key="train_size").disabled                       # no changing the settings mid-run

    # the visitor goes on to Colorize while it trains; the finished model joins the choice there
    at.switch_page(COLORIZE).run()
    assert_clean(at)
    assert job.join(WAIT) and job.state == "done", job.error
    at.run()
    assert_clean(at)
    ms = at.multiselect(key="models")
    assert TITLE in ms.options and ms.value[0] == "autoencoder" and ms.value[1].startswith("yours-")
    at.switch_page(TRAIN).run()
    assert_clean(at)
    assert "Finished 1 epoch" in texts(at.success) and TITLE in texts(at.success)
    assert not progress_texts(at)
    assert at.button(key="train_start").label == "Train"
    assert len(at.get("plotly_chart")) == 1
    assert any("held-out photos" in c for c in captions(at))
    assert "Held-out colour error after epoch 1: **ΔE2000" in texts(at.markdown)
    own = at.session_state["own_models"]
    (name,) = list(own)
    assert own[name].title == TITLE and name.startswith("yours-")
    assert at.get("download_button")[0].key == f"dl_model_{name}"
    data = own[name].trained.keras_bytes()

    # the model choice of the other pages (this session only), already ticked
    at.switch_page(COLORIZE).run()
    assert_clean(at)
    ms = at.multiselect(key="models")
    assert TITLE in ms.options and ms.value == ["autoencoder", name]
    at.button(key="sample_chelsea").click().run()
    assert_clean(at)
    assert TITLE in captions(at)                                     # it coloured the photo
    at.switch_page(METRICS).run()
    assert_clean(at)
    assert any(m.label == f"{TITLE}: ΔE2000" for m in at.metric)

    # another visitor does not see it; the downloaded file loads again there
    other = open_page(COLORIZE)
    assert TITLE not in other.multiselect(key="models").options
    other.switch_page(TRAIN).run()
    other.file_uploader(key="train_model_upload").set_value(("mine.keras", data, "application/octet-stream")).run()
    assert_clean(other)
    assert not other.error
    (back,) = other.session_state["own_models"].values()
    assert back.title == "Your model: classification, 32 px, 1 epoch (from mine.keras)"
    assert back.trained.rows == own[name].trained.rows
    other.switch_page(COLORIZE).run()
    assert back.title in other.multiselect(key="models").options


def test_cancel_stops_the_run():
    at = open_page(TRAIN)
    job = start_run(at, epochs=30)
    at.button(key="train_cancel").click().run()
    assert_clean(at)
    assert job.join(WAIT)
    at.run()
    assert job.state == "cancelled"
    assert "Cancelled after" in texts(at.warning) and "Nothing was added" in texts(at.warning)
    assert not at.session_state["own_models"]
    assert at.button(key="train_start").label == "Train"


def test_bad_uploads_get_a_friendly_message():
    at = open_page(TRAIN)
    at.file_uploader(key="train_model_upload").set_value(("notes.keras", b"hello", "application/octet-stream"))
    at.run()
    assert_clean(at)
    assert "notes.keras is not a Keras model file" in texts(at.error)
    assert "Traceback" not in texts(at.error)
    # own training photos: a grey one is left out, with the reason
    at.file_uploader(key="train_photo_upload").set_value(
        [("colour.png", encode(photo("coffee", 96)), "image/png"),
         ("grey.png", encode(photo("coffee", 96)[..., :1].repeat(3, axis=2)), "image/png")]).run()
    assert_clean(at)
    assert "**grey.png** is not used: it has (almost) no colour" in texts(at.warning)
    assert [n for n, _ in at.session_state["train_photos"]] == ["colour.png"]
    assert "+ 1 photo of yours" in texts(at.caption)


def test_a_third_run_on_the_server_is_refused():
    first, second, third = open_page(TRAIN), open_page(TRAIN), open_page(TRAIN)
    a = start_run(first, epochs=30)
    b = start_run(second, epochs=30)
    third.radio(key="train_size").set_value(32)
    third.button(key="train_start").click().run()
    assert_clean(third)
    assert "The server is busy" in texts(third.warning) and "Try again in a minute" in texts(third.warning)
    assert "train_job" not in third.session_state
    for at in (first, second):
        at.button(key="train_cancel").click().run()
    assert a.join(WAIT) and b.join(WAIT)
    assert a.state == b.state == "cancelled"


def test_streamlit_clear_session_is_skipped_while_a_run_trains(monkeypatch):
    """Streamlit calls keras.backend.clear_session() after every script run (each poll of the page): it would
    reset Keras' state under a running fit() and clear TensorFlow's kernel cache. It waits while a run trains."""
    import keras

    from ui import training

    calls = []
    monkeypatch.setattr(keras.backend, "clear_session", lambda *a, **k: calls.append(1))
    training.guard_keras_clear_session()
    keras.backend.clear_session()
    assert calls == [1]                              # no run: the call goes through
    with monkeypatch.context() as m:
        m.setattr(jobs.BOARD, "running", lambda: ["a run"])
        keras.backend.clear_session()
    assert calls == [1]                              # skipped while one trains


def _snapshot(epoch: int, step: int, elapsed: float, events: int = 0, eta: float = float("nan")):
    from core.training.jobs import Progress

    return Progress("training", 2, [None] * events, epoch, step, 40, elapsed, eta, None, [], None)


def test_the_estimate_waits_for_measured_steps_then_uses_their_speed():
    """Issue 24: "step 0 … about 28:16 left" during the first seconds (the first steps build the network),
    and a third of the real time later. Now: "measuring" until a few steps have run, then their speed."""
    from ui import training as ui_training

    seen: dict = {}
    assert ui_training.seconds_left(_snapshot(1, 1, 9.0, eta=1696.0), seen) is None      # graph building
    assert ui_training.seconds_left(_snapshot(1, 3, 10.0), seen) is None                 # the baseline
    assert ui_training.seconds_left(_snapshot(1, 13, 12.0), seen) == pytest.approx((80 - 13) * 2.0 / 10)
    assert ui_training.seconds_left(_snapshot(2, 5, 30.0), seen) == pytest.approx((80 - 45) * 20.0 / 42)
    assert ui_training.seconds_left(_snapshot(2, 5, 30.0, events=2, eta=7.0), seen) == 7.0   # whole epochs known
