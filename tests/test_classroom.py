"""The classroom engine: the built-in data set, one run (events, cancel, both heads), jobs, the preset, .keras files.

Runs are tiny (16 px crops, 1 epoch of 32 crops, a 4-channel network) so that the module stays fast. The one-epoch
runs of both heads and the preset's command line train as real runs do (traced graphs); the tests of what is
around a run (the descriptor branch's model, cancelling, jobs, .keras files) train eagerly (conftest.keras_eagerly).
"""

from __future__ import annotations

import contextlib
import csv
import io
import threading
import time
import zipfile
from dataclasses import replace

import numpy as np
import pytest
from conftest import keras_eagerly

from core import lab
from core.training import classroom, jobs, modelfile
from core.training.session import TrainingRun, train

TINY = replace(classroom.PRESET, size=16, epochs=1, width=4, batch=8)
CROPS = 32


@pytest.fixture(scope="module")
def tiny_data():
    return classroom.build_data(16, crops=CROPS)


# --------------------------------------------------------------------------- the data set


@pytest.mark.parametrize("size", classroom.SIZES)
def test_builtin_data_is_made_offline_from_the_sample_photos(size):
    data = classroom.build_data(size)
    assert len(data.heldout) == 4
    assert [t for t, _ in data.heldout] == ["Chelsea the cat", "Cup of coffee", "Astronaut Eileen Collins",
                                            "Rocket on the launch pad"]
    for _, rgb in data.heldout:
        assert rgb.shape == (2 * size, 2 * size, 3) and rgb.dtype == np.uint8
    assert len(data.photos) >= 8
    for p in data.photos:
        assert min(p.shape[:2]) >= size and p.dtype == np.uint8
    assert data.crops_per_epoch == classroom.CROPS_PER_EPOCH
    assert data.weights is not None and len(data.weights) == len(data.photos)
    # every cut photo keeps at least one part to train on (the rocket once had none)
    names = [n for n, _ in classroom.builtin_photos(size)]
    for cut in classroom.HELDOUT:
        assert any(n.startswith(cut.sample + "-part") for n in names), cut.sample


def test_heldout_squares_are_never_trained_on():
    for cut in classroom.HELDOUT:
        y, x, s = cut.box
        h, w = classroom.sample_rgb(cut.sample).shape[:2]
        assert 0 <= y and y + s <= h and 0 <= x and x + s <= w
        covered = np.zeros((h, w), bool)
        for top, left, bottom, right in classroom.training_parts(cut):
            covered[top:bottom, left:right] = True
        assert not covered[y:y + s, x:x + s].any(), cut.sample               # no pixel of the square
        assert covered.sum() == h * w - s * s, cut.sample                     # every other pixel


def test_users_photos_are_added_and_checked(photos):
    rgb = photos["coffee"]
    assert classroom.check_user_photo(rgb) is None
    assert "no colour" in classroom.check_user_photo(lab.to_grey_rgb(rgb))
    assert "too small" in classroom.check_user_photo(rgb[:20, :20])
    base = classroom.build_data(32)
    more = classroom.build_data(32, [rgb, rgb])
    assert len(more.photos) == len(base.photos) + 2
    assert min(more.photos[-1].shape[:2]) == classroom.EXTRA_SHORT_SIDE * 32


def test_the_preset_is_the_page_default_and_the_command_line_repeats_it():
    from core.cli.train import config_from, parse_args

    assert config_from(parse_args(["--preset", "classroom"])) == classroom.PRESET
    page_run = replace(classroom.PRESET, loss="mse", size=32, epochs=5, global_branch="effnet")
    cmd = classroom.command_line(page_run)
    assert cmd.startswith(".venv/bin/python -m core train --preset classroom")
    args = parse_args(cmd.split(" train ", 1)[1].split())
    assert config_from(args) == page_run
    assert args.out == "runs/classroom.keras"
    # an explicit option beats the preset; without a preset --data is still required
    assert parse_args(["--preset", "classroom", "--width", "8"]).width == 8
    with pytest.raises(SystemExit), contextlib.redirect_stderr(io.StringIO()):
        parse_args([])
    assert classroom.describe(classroom.PRESET) == "classification, 64 px, 8 epochs"
    assert classroom.describe(page_run) == "MSE regression + scene descriptor, 32 px, 5 epochs"
    assert 20 < classroom.estimate_seconds(classroom.PRESET) < 180


# --------------------------------------------------------------------------- a run


@pytest.mark.training
@pytest.mark.parametrize("loss", ["bins", "mse"])
def test_one_epoch_run_yields_events_and_a_model_the_colorizer_runs(loss, tiny_data):
    from core.colorizers.autoencoder import AutoencoderColorizer

    events, steps = [], []
    result = train(replace(TINY, loss=loss), tiny_data, on_epoch=events.append,
                   progress=lambda e, s, n: steps.append((e, s, n)))
    assert not result.cancelled
    assert len(events) == 1
    ev = events[0]
    assert (ev.epoch, ev.epochs, ev.steps) == (1, 1, CROPS // TINY.batch)
    assert ev.loss > 0 and ev.heldout_loss > 0 and ev.seconds > 0 and ev.elapsed >= ev.seconds
    assert ev.eta == 0
    assert 0 < ev.heldout_delta_e < 100
    assert len(ev.previews) == 4 and all(p.shape == (32, 32, 3) for p in ev.previews)
    for (_, ref), p in zip(tiny_data.heldout, ev.previews, strict=True):     # the lightness is the photo's own
        assert np.abs(lab.lightness(p) - lab.lightness(ref)).mean() < 1.0
    assert set(ev.row()) == {"epoch", "loss", "seconds", "heldout_loss", "heldout_delta_e2000"}
    assert steps[-1] == (1, CROPS // TINY.batch, CROPS // TINY.batch)
    names = [layer.name for layer in result.model.layers]
    assert ("annealed_mean" in names) == (loss == "bins")
    col = AutoencoderColorizer(result.model)
    assert col.stride == 8
    img = np.random.default_rng(0).integers(0, 256, (37, 53, 3), dtype=np.uint8)
    out = col.colorize(img)
    assert out.shape == img.shape and out.dtype == np.uint8
    assert np.abs(lab.lightness(out) - lab.lightness(img)).mean() < 1.0


@pytest.mark.training
def test_the_pretrained_descriptor_branch(tiny_data, effnet_weights, eager):
    config = replace(TINY, global_branch="effnet", descriptor_weights=str(effnet_weights))
    result = train(config, tiny_data)
    names = [layer.name for layer in result.model.layers]
    assert "descriptor" in names
    modelfile.check_colorizer(result.model)


@pytest.mark.training
def test_cancel_stops_the_run_between_batches(tiny_data, eager):
    cancel = threading.Event()
    seen = []

    def on_batch(epoch, step, steps):
        seen.append(step)
        if step == 1:
            cancel.set()

    config = replace(TINY, epochs=5)
    run = TrainingRun(config, tiny_data, cancel=cancel, progress=on_batch)
    events = list(run)
    assert run.cancelled and events == []
    assert max(seen) == 1                            # stopped after the batch that saw the cancel


@pytest.mark.training
def test_jobs_one_per_owner_two_per_server_and_cancel(tiny_data, eager):
    board = jobs.JobBoard(limit=2)
    slow = replace(TINY, epochs=classroom.EPOCHS_MAX)
    a = board.start(slow, owner="a", crops_per_epoch=CROPS)
    try:
        with pytest.raises(jobs.AlreadyRunning):
            board.start(slow, owner="a", crops_per_epoch=CROPS)
        b = board.start(slow, owner="b", crops_per_epoch=CROPS)
        with pytest.raises(jobs.ServerBusy, match="Try again in a minute"):
            board.start(slow, owner="c", crops_per_epoch=CROPS)
        assert {j.owner for j in board.running()} == {"a", "b"}
        deadline = time.monotonic() + 60
        while a.progress().state != "training" and time.monotonic() < deadline:
            time.sleep(0.1)
        p = a.progress()
        assert p.running and p.epochs == classroom.EPOCHS_MAX and len(p.heldout) == 4
    finally:
        a.cancel()
        b.cancel()
        assert a.join(60) and b.join(60)
    assert a.state == b.state == "cancelled" and a.result is None
    assert board.running() == []
    c = board.start(TINY, owner="c", crops_per_epoch=CROPS)       # a slot is free again
    assert c.join(120) and c.state == "done", c.error
    p = c.progress()
    assert p.fraction == 1.0 and p.eta == 0 and len(p.events) == 1
    assert c.result.config == TINY and c.result.rows[0]["epoch"] == 1
    assert c.result.heldout_delta_e == p.events[0].heldout_delta_e
    assert c.result.grey_delta_e == pytest.approx(p.grey_delta_e)


@pytest.mark.training
def test_a_job_whose_session_is_gone_is_cancelled(tiny_data, eager):
    board = jobs.JobBoard(limit=2)
    job = board.start(replace(TINY, epochs=4), owner="gone", alive=lambda: False, crops_per_epoch=CROPS)
    assert job.join(120)
    assert job.state == "cancelled" and len(job.events) == 1       # stopped after its first epoch


def test_a_failing_job_says_why(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("no photos today")

    monkeypatch.setattr(classroom, "build_data", broken)
    board = jobs.JobBoard(limit=1)
    job = board.start(TINY, owner="x", crops_per_epoch=CROPS)
    assert job.join(60)
    assert job.state == "failed"
    assert job.error == "The run stopped with an error: RuntimeError: no photos today"
    assert board.running() == []


# --------------------------------------------------------------------------- .keras files


@pytest.fixture(scope="module")
def trained(tiny_data):
    with keras_eagerly():
        result = train(TINY, tiny_data)
    return jobs.TrainedModel(result.model, TINY, [e.row() for e in result.events], 12.5, 14.3, 3.0)


@pytest.mark.training
@pytest.mark.xdist_group("classroom_trained")      # one worker trains the shared model
def test_keras_round_trip(trained, tmp_path):
    from core.colorizers.autoencoder import AutoencoderColorizer

    data = trained.keras_bytes()
    assert trained.keras_bytes() is data                                    # made once
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert {"config.json", "model.weights.h5", modelfile.INFO_MEMBER} <= set(zf.namelist())
    back = jobs.TrainedModel.from_upload(data, "mine.keras")
    assert back.source == "uploaded" and back.file_name == "mine.keras"
    assert back.config == TINY and back.rows == trained.rows
    assert (back.heldout_delta_e, back.grey_delta_e) == (12.5, 14.3)
    img = np.random.default_rng(1).integers(0, 256, (40, 24, 3), dtype=np.uint8)
    assert np.array_equal(back.colorizer().colorize(img), trained.colorizer().colorize(img))
    # an ordinary Keras model file: the engine opens it from a path too
    path = tmp_path / "mine.keras"
    path.write_bytes(data)
    assert np.array_equal(AutoencoderColorizer(path).colorize(img), trained.colorizer().colorize(img))


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, body in members.items():
            zf.writestr(name, body)
    return buf.getvalue()


def _keras_file(model, tmp_path) -> bytes:
    path = tmp_path / "other.keras"
    model.save(path)
    return path.read_bytes()


@pytest.mark.training
@pytest.mark.xdist_group("classroom_trained")
def test_bad_model_files_get_a_plain_message(trained, tmp_path):
    import keras

    good = trained.keras_bytes()
    cases = {
        b"": "is empty",
        b"GIF89a not a model": "not a Keras model file",
        good[: len(good) // 2]: "damaged",
        _zip({"readme.txt": b"hello"}): "not a Keras model file",
        _zip({"config.json": b"{nonsense", "model.weights.h5": b"x"}): "could not be opened",
    }
    for data, message in cases.items():
        with pytest.raises(modelfile.ModelFileError, match=message):
            modelfile.from_bytes(data, "bad.keras")
    with pytest.raises(modelfile.ModelFileError, match="models up to 10 KB can be uploaded"):
        modelfile.from_bytes(good, "big.keras", max_bytes=10 * 2**10)
    # a Keras model, but not a colorizer
    dense = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    with pytest.raises(modelfile.ModelFileError, match="not a colorizer"):
        modelfile.from_bytes(_keras_file(dense, tmp_path), "dense.keras")
    # Python code in the file (a Lambda layer) is never run: safe mode refuses it
    l_in = keras.Input((None, None, 1))
    lam = keras.Model(l_in, keras.layers.Lambda(lambda t: t[:, ::4, ::4, :] * 0 + t[:, ::4, ::4, :1])(l_in))
    with pytest.raises(modelfile.ModelFileError, match="could not be opened"):
        modelfile.from_bytes(_keras_file(lam, tmp_path), "lambda.keras")


# --------------------------------------------------------------------------- the command line


@pytest.mark.training
def test_cli_preset_run_logs_heldout_scores_and_writes_the_filmstrip(tmp_path, monkeypatch):
    from PIL import Image

    from core.cli.train import main as train_main
    from core.colorizers.autoencoder import AutoencoderColorizer

    monkeypatch.setenv("STUDIO_TRAIN_CROPS", str(CROPS))
    out = tmp_path / "c.keras"
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        rc = train_main(["--preset", "classroom", "--size", "16", "--epochs", "2", "--width", "4", "--batch", "8",
                         "--out", str(out)])
    log = buf.getvalue()
    assert rc == 0, log
    assert "held-out photos: Chelsea the cat" in log and "held-out ΔE2000" in log
    with open(str(out) + ".log.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["epoch"] for r in rows] == ["1", "2"]
    assert float(rows[-1]["heldout_loss"]) > 0 and float(rows[-1]["heldout_delta_e2000"]) > 0
    strip = Image.open(str(out) + ".filmstrip.png")
    assert strip.size[1] > 4 * 128 and strip.size[0] > 4 * 128          # 4 rows; grey, 2 epochs, original
    col = AutoencoderColorizer(out)
    assert col.colorize(np.zeros((20, 30, 3), np.uint8)).shape == (20, 30, 3)


def test_filmstrip_picks_epochs():
    from core.figures.filmstrip import filmstrip, pick_epochs

    assert pick_epochs(3) == [0, 1, 2]
    picked = pick_epochs(30, 8)
    assert len(picked) == 8 and picked[0] == 0 and picked[-1] == 29
    held = [("a", np.full((32, 32, 3), 100, np.uint8)), ("b", np.full((32, 32, 3), 200, np.uint8))]
    frames = [(e, [rgb for _, rgb in held]) for e in range(1, 13)]
    img = filmstrip(held, frames, most=4, tile=64)
    assert img.shape[1] == 6 * 64 + 5 * 4                                  # grey, 4 epochs, original
