"""Shared fixtures for the core engine tests.

* ``project_root``: the repository root (the CLIs run there).
* ``autoencoder_path``: the shipped ``models/autoencoder.keras`` when present, else a tiny
  untrained model of the same architecture built once per session (so a clone without the
  model file still runs every test); ``autoencoder``: one loaded instance for the session;
  ``use_autoencoder``: points the registry (``COLORIZER_AUTOENCODER``) at that file.
* ``small_eccv16_home`` / ``empty_home``: ``COLORIZER_HOME`` pointing at a temporary folder with
  the small test Caffe net (:mod:`caffe_net`) or with nothing, the model cache cleared around it.
* ``photos``: small colour photos from ``skimage.data``.
* ``eager`` / ``keras_eagerly()``: Keras' fit, evaluate and predict run eagerly (no traced graph) in a test of
  plumbing; see :func:`keras_eagerly`.
* ``cli``: ``python -m core ARGS`` run in this process (``core.cli.main``), its output captured: the same
  ``returncode``, ``stdout`` and ``stderr`` as a subprocess, without starting Python and TensorFlow again
  (each command keeps one real subprocess test; see tests/test_cli.py).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
TESTS = Path(__file__).resolve().parent
for p in (str(ROOT), str(TESTS)):
    if p not in sys.path:
        sys.path.insert(0, p)

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# Content Credentials' signing key is made on first use in the config folder: never the user's own in tests
os.environ["COLORIZER_CONFIG"] = tempfile.mkdtemp(prefix="studio-config-")
atexit.register(shutil.rmtree, os.environ["COLORIZER_CONFIG"], True)

SHIPPED_AUTOENCODER = ROOT / "models" / "autoencoder.keras"
SHARED = ROOT.parent / "shared"


def build_tiny_autoencoder(path, width: int = 8, temperature: float = 0.38) -> Path:
    """An untrained autoencoder with the project's architecture (scratch global branch), saved to ``path``."""
    from core import lab
    from core.training import network
    from core.training.quantize import gamut_bins

    centres = gamut_bins()
    cnet = network.colour_net(len(centres), "scratch", width)
    model = network.inference_model(cnet, centres / lab.AB_SCALE, temperature, None)
    model.save(str(path))
    return Path(path)


@contextlib.contextmanager
def keras_eagerly():
    """Keras' fit, evaluate and predict run eagerly inside the block (``tf.config.run_functions_eagerly``).

    Tracing a training step into a graph costs about 8 CPU s for the smallest network here (more for the
    pyramid) against well under a second for the one or two steps a test runs. For tests of plumbing (which
    files are written, which weights are trainable, a checkpoint that reloads, a figure that is logged): each
    way of training keeps at least one test in graph mode, as real runs train (tests/test_train.py's first
    run and pyramid run, test_consistency.py's run with the loss, test_specialise.py, test_classroom.py)."""
    import tensorflow as tf

    was = tf.config.functions_run_eagerly()
    tf.config.run_functions_eagerly(True)
    try:
        yield
    finally:
        tf.config.run_functions_eagerly(was)


@pytest.fixture
def eager():
    """This test's Keras runs eagerly (:func:`keras_eagerly`)."""
    with keras_eagerly():
        yield


@pytest.fixture(scope="session")
def project_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def autoencoder_path(tmp_path_factory) -> Path:
    if SHIPPED_AUTOENCODER.is_file():
        return SHIPPED_AUTOENCODER
    import keras

    keras.utils.set_random_seed(0)
    return build_tiny_autoencoder(tmp_path_factory.mktemp("tiny_ae") / "autoencoder.keras")


@pytest.fixture(scope="session")
def autoencoder(autoencoder_path):
    from core.colorizers.autoencoder import AutoencoderColorizer

    return AutoencoderColorizer(autoencoder_path)


@pytest.fixture
def use_autoencoder(monkeypatch, autoencoder_path) -> Path:
    """``colorize(..., model="autoencoder")`` uses ``autoencoder_path`` in this test."""
    monkeypatch.setenv("COLORIZER_AUTOENCODER", str(autoencoder_path))
    return autoencoder_path


@pytest.fixture
def app_env(monkeypatch, use_autoencoder):
    """The AppTest pages (tests/test_app_*.py): the shipped model and small built-in samples."""
    from app_util import prepare

    prepare(monkeypatch)


@pytest.fixture
def empty_home(tmp_path, monkeypatch) -> Path:
    """``COLORIZER_HOME`` = an empty folder (so eccv16 is not available)."""
    import core

    home = tmp_path / "empty_home"
    home.mkdir()
    monkeypatch.setenv("COLORIZER_HOME", str(home))
    core.clear_cache()
    yield home
    core.clear_cache()


@pytest.fixture
def small_eccv16_home(tmp_path, monkeypatch) -> Path:
    """``COLORIZER_HOME`` with the small test eccv16 net in ``<home>/eccv16``."""
    from caffe_net import write_small_eccv16

    import core

    home = tmp_path / "home"
    write_small_eccv16(home / "eccv16")
    monkeypatch.setenv("COLORIZER_HOME", str(home))
    core.clear_cache()
    yield home
    core.clear_cache()


def _downscale(rgb: np.ndarray, long_side: int) -> np.ndarray:
    import cv2

    h, w = rgb.shape[:2]
    s = long_side / max(h, w)
    return cv2.resize(rgb, (max(1, round(w * s)), max(1, round(h * s))), interpolation=cv2.INTER_AREA)


@pytest.fixture(scope="session")
def effnet_weights(tmp_path_factory):
    """Random EfficientNet-Lite0 weights (the real ones are not part of a clone; enough for the descriptor branch)."""
    import keras

    from core.training import effnet

    keras.utils.set_random_seed(0)
    path = tmp_path_factory.mktemp("effnet") / "effnet_random.weights.h5"
    effnet.efficientnet_lite0(include_top=False).save_weights(str(path))
    return path


@pytest.fixture(scope="session")
def photos() -> dict[str, np.ndarray]:
    """Colour photos from scikit-image, 96 px on the long side."""
    from skimage import data

    return {name: _downscale(getattr(data, name)(), 96) for name in ("astronaut", "coffee", "chelsea")}


@pytest.fixture(scope="session")
def downscale():
    return _downscale


def cli_env(**extra) -> dict[str, str]:
    """Environment for ``python -m core.*`` subprocesses."""
    env = dict(os.environ)
    env["TF_CPP_MIN_LOG_LEVEL"] = "2"
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.update({k: str(v) for k, v in extra.items()})
    return env


def pytest_report_header(config):
    if config.getoption("markexpr", ""):
        return ["quick run: the browser, load, Ray, training and slow tests are left out "
                "(bash scripts/test.sh runs every test)"]
    return []


@dataclass
class CliResult:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def cli(capsys):
    """``cli(args, **env)``: ``python -m core *args`` in this process, with ``env`` set only for the call.

    argparse's ``SystemExit`` (``--help``, a bad argument) becomes the exit code, as in a subprocess."""
    from core.cli import main

    def run(args, **env) -> CliResult:
        saved = dict(os.environ)
        os.environ.update({k: str(v) for k, v in env.items()})
        capsys.readouterr()
        try:
            code = main([str(a) for a in args])
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
            if isinstance(stop.code, str):
                print(stop.code, file=sys.stderr)
        finally:
            os.environ.clear()
            os.environ.update(saved)
        out = capsys.readouterr()
        return CliResult(int(code), out.out, out.err)

    return run
