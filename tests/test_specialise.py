"""Specialising the colour model on a few colour examples (core.training.specialise), and model files
accepted wherever a model name is (the registry, the CLI, the Python API)."""

from __future__ import annotations

import zipfile

import numpy as np
import pytest
from conftest import SHIPPED_AUTOENCODER

pytestmark = [pytest.mark.skipif(not SHIPPED_AUTOENCODER.is_file(), reason="needs models/autoencoder.keras"),
              pytest.mark.xdist_group("specialise")]       # one worker: the taught model is made once

BLUE, ORANGE = (40, 90, 200), (230, 140, 40)


def _scene(seed: int, side: int = 96) -> np.ndarray:
    """A made-up example whose colour follows a known rule: dark discs are blue, the bright ground orange."""
    rng = np.random.default_rng(seed)
    img = np.empty((side, side, 3), np.uint8)
    img[:] = ORANGE
    yy, xx = np.mgrid[:side, :side]
    for _ in range(6):
        cy, cx, r = rng.integers(12, side - 12, 2).tolist() + [int(rng.integers(12, 22))]
        img[(yy - cy) ** 2 + (xx - cx) ** 2 < r * r] = BLUE
    noise = rng.integers(-6, 7, img.shape)
    return np.clip(img.astype(int) + noise, 0, 255).astype(np.uint8)


@pytest.fixture(scope="module")
def taught(tmp_path_factory):
    """One short specialisation on six made-up examples (one held out), saved to a model file. Three passes over
    the cached crops are plenty for this rule (held-out ΔE2000 3.0 after 3 passes, 3.0 after 10; the general
    model's 30.5, no colour 26.9): the assertions below have a wide margin, and fail without the learning."""
    from core.training.specialise import specialise

    examples = [(f"scene{i}.png", _scene(i)) for i in range(6)]
    lines = []
    result = specialise(examples, minutes=1, log=lines.append, seed=0, max_crops=64, passes=3)
    path = tmp_path_factory.mktemp("spec") / "scenes.keras"
    result.save(path)
    return result, path, lines


@pytest.mark.slow
def test_it_learns_a_known_colour_rule(taught):
    from core import lab
    from core.colorizers import get_colorizer

    result, path, lines = taught
    facts = result.facts
    assert facts["examples"] == 6 and facts["held_out"] == 1 and facts["crops"] == 64 and facts["passes"] == 3
    s = facts["scores"]
    # on the held-out example: far better than the general model and than no colour
    assert s["specialised"]["delta_e2000"] < 0.6 * s["general"]["delta_e2000"]
    assert s["specialised"]["delta_e2000"] < 0.75 * s["grey"]["delta_e2000"]
    # a new scene: blue where it is dark, orange where it is bright
    scene = _scene(99)
    out = get_colorizer(str(path)).colorize(lab.to_grey_rgb(scene))
    L_ab = lab.rgb_to_lab(out)
    dark = lab.lightness(scene) < 45
    assert L_ab[..., 2][dark].mean() < -10          # blue: b well below 0
    assert L_ab[..., 2][~dark].mean() > 15          # orange: b well above 0
    assert any("held out" in line for line in lines)


@pytest.mark.slow
def test_the_file_carries_what_it_was_taught_and_the_cli_shows_it(taught, cli):
    from core.training import examples, modelfile

    result, path, _ = taught
    _, info = modelfile.load_path(path)
    facts = examples.facts_of(info)
    assert facts["examples"] == 6 and len(facts["examples_sha256"]) == 64 and facts["date"][:2] == "20"
    assert facts["scores"] == result.facts["scores"]
    r = cli(["specialise", "--show", str(path)])
    assert r.returncode == 0 and "specialised on 6 examples" in r.stdout and "held-out" in r.stdout


@pytest.mark.slow
def test_a_model_file_is_a_model_like_any_other(taught, tmp_path, cli):
    from skimage import data

    import core
    from core import lab
    from core.colorizers import model_info

    _, path, _ = taught
    rgb = data.astronaut()[::4, ::4]
    out = core.colorize(rgb, model=str(path))
    assert out.shape == rgb.shape and out.dtype == np.uint8
    info = model_info(str(path))
    assert info.available and info.has_distribution and info.title == "scenes"
    from core import guide

    u = guide.uncertainty(lab.to_grey_rgb(rgb), model=str(path))
    assert u.shape == rgb.shape[:2]
    src = tmp_path / "in.png"
    from PIL import Image

    Image.fromarray(lab.to_grey_rgb(rgb)).save(src)
    r = cli(["colorize", str(src), "--model", str(path), "--out", str(tmp_path / "out")])
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "out" / "in_scenes.png").is_file()
    folder = tmp_path / "ref"
    folder.mkdir()
    Image.fromarray(rgb).save(folder / "ref.png")
    r = cli(["evaluate", "--data", str(folder), "--models", f"grayscale,{path}"])
    assert r.returncode == 0, r.stderr
    assert "scenes" in r.stdout or str(path) in r.stdout


def test_a_file_that_is_not_ours_is_refused_without_running_it(tmp_path, cli):
    from core import ModelUnavailable, get_colorizer

    junk = tmp_path / "junk.keras"
    junk.write_bytes(b"not a zip at all")
    with pytest.raises(ModelUnavailable, match="not a Keras model file"):
        get_colorizer(str(junk))
    other = tmp_path / "other.keras"
    with zipfile.ZipFile(other, "w") as zf:
        zf.writestr("config.json", '{"class_name": "Lambda", "config": {"function": "evil"}}')
        zf.writestr("model.weights.h5", b"")
    r = cli(["colorize", str(junk), "--model", str(other), "--out", str(tmp_path / "o")])
    assert r.returncode == 2 and "could not be opened" in r.stderr and "Traceback" not in r.stderr
    r = cli(["colorize", str(junk), "--model", "no_such_model"])
    assert r.returncode == 2 and ".keras" in r.stderr
    r = cli(["colorize", str(junk), "--model", str(tmp_path / "missing.keras")])
    assert r.returncode == 2


def test_grey_and_toned_examples_are_left_out_with_the_reason():
    from core import lab
    from core.training import examples

    colour = [(f"c{i}", _scene(i)) for i in range(4)]
    grey = ("grey.png", lab.to_grey_rgb(_scene(7)))
    sepia = lab.join_l_ab(lab.lightness(_scene(8)), np.full((96, 96, 2), (8.0, 22.0), np.float32))
    tiny = ("tiny.png", _scene(9)[:20, :20])
    good, bad = examples.gather([*colour, grey, ("sepia.png", sepia), tiny], log=lambda m: None)
    assert [n for n, _ in good] == ["c0", "c1", "c2", "c3"]
    why = dict(bad)
    assert "black-and-white" in why["grey.png"] and "toned" in why["sepia.png"] and "too small" in why["tiny.png"]
    # when toned examples are a good share (stained slides often read as one tint), they are kept
    good, bad = examples.gather([*colour[:2], ("s1", sepia), ("s2", sepia)], log=lambda m: None)
    assert len(good) == 4 and not bad


def test_nothing_usable_says_why(tmp_path, cli):
    from PIL import Image

    from core import lab
    from core.training.specialise import SpecialiseError, specialise

    with pytest.raises(SpecialiseError, match="black-and-white"):
        specialise([("g.png", lab.to_grey_rgb(_scene(1)))], minutes=0.2, log=lambda m: None)
    Image.fromarray(lab.to_grey_rgb(_scene(2))).save(tmp_path / "g.png")
    (tmp_path / "broken.jpg").write_bytes(b"\xff\xd8 not really")
    r = cli(["specialise", "--data", str(tmp_path), "--out", str(tmp_path / "m.keras"), "--minutes", "0.2"])
    assert r.returncode == 1 and "No usable colour example" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "m.keras").exists()
    r = cli(["specialise", "--data", str(tmp_path), "--out", str(tmp_path / "m.png")])
    assert r.returncode == 2 and ".keras" in r.stderr


def test_split_is_stable_and_needs_five_examples():
    from core.training import examples

    items = [(f"e{i}", _scene(i, 40)) for i in range(12)]
    a, b = examples.split(items), examples.split(list(reversed(items)))
    assert sorted(n for n, _ in a[1]) == sorted(n for n, _ in b[1]) and len(a[1]) == 2
    assert examples.split(items[:4]) == (items[:4], [])


def test_a_shared_server_limits_runs_at_once_and_per_session():
    """Specialisations share the classroom runs' board: at most ``limit`` at once, one per browser session."""
    import threading

    from core.training.jobs import AlreadyRunning, JobBoard, ServerBusy
    from core.training.specialise_job import SpecialiseJob

    board, gate = JobBoard(limit=2), threading.Event()

    class Held(SpecialiseJob):              # a run that waits for the test instead of learning
        def _work(self):
            gate.wait(10)
            self.on_end(self)

    board.admit(lambda: Held([], 1, "a"), "a")
    with pytest.raises(AlreadyRunning):
        board.admit(lambda: Held([], 1, "a"), "a")
    board.admit(lambda: Held([], 1, "b"), "b")
    with pytest.raises(ServerBusy, match="at most 2 at once"):
        board.admit(lambda: Held([], 1, "c"), "c")
    gate.set()
    for job in board.running():
        job.join(10)
    assert board.running() == []


def test_an_album_photo_fixed_by_hand_is_an_example(tmp_path):
    """A grey photo with the Guide page's hints file beside it teaches the colours its owner gave it."""
    from PIL import Image

    from core import lab
    from core.guide import hints_to_json
    from core.training import examples

    grey = lab.to_grey_rgb(_scene(3))
    Image.fromarray(grey).save(tmp_path / "album_07.png")
    (tmp_path / "album_07_hints.json").write_text(hints_to_json([(40, 40, (200, 40, 30), 6)], 96, 96))
    Image.fromarray(lab.to_grey_rgb(_scene(4))).save(tmp_path / "album_08.png")      # no hints: left out
    seen = []

    def fix(g, data):
        seen.append(examples.sidecar(str(tmp_path / "album_07.png")))
        assert b"200" in data or b"c8" in data.lower()
        return _scene(3)                        # the fixed result (the real one: core.guide over the model)

    good, bad = examples.gather([str(tmp_path)], log=lambda m: None, fix=fix)
    assert [n for n, _ in good] == ["album_07.png + album_07_hints.json"] and seen
    assert dict(bad)["album_08.png"].startswith("it is black-and-white")


@pytest.mark.slow
def test_a_model_file_is_named_by_its_stem_not_its_path(taught):
    """What results, their metadata and credentials say of a model file is its stem: no local path leaks."""
    from core.colorizers import get_colorizer

    _, path, _ = taught
    col = get_colorizer(str(path))
    assert col.name == col.title == "scenes" and str(path.parent) not in col.name
