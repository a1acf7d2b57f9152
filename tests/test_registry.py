"""The model registry: available_models, get_colorizer, colorize argument handling."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import core
from core import ModelInfo, ModelUnavailable, available_models, colorize, get_colorizer
from core.lab import to_grey_rgb


def _use(model, request):
    """Make ``model`` usable: the test autoencoder file, or the small eccv16 net in a temporary home."""
    if model == "autoencoder":
        request.getfixturevalue("use_autoencoder")
    elif model == "eccv16":
        request.getfixturevalue("small_eccv16_home")


FIELDS = {"name", "title", "available", "reason", "how_to_get", "default_render_factor", "render_factor_range",
          "description", "stride", "download_mb", "has_distribution"}


def test_available_models_keys_and_fields():
    models = available_models()
    assert list(models) == ["autoencoder", "eccv16", "grayscale"]
    for name, info in models.items():
        assert isinstance(info, ModelInfo)
        assert {f.name for f in dataclasses.fields(info)} == FIELDS
        assert info.name == name
        assert isinstance(info.title, str) and info.title
        assert isinstance(info.available, bool)
        assert isinstance(info.reason, str) and info.reason
        lo, hi = info.render_factor_range
        assert 1 <= lo <= info.default_render_factor <= hi
    assert models["grayscale"].available and models["grayscale"].how_to_get == ""
    assert models["eccv16"].default_render_factor == 14          # 224 px, the net's training size
    assert models["autoencoder"].default_render_factor == 12     # 192 px, chosen by measurement


def test_model_info_is_frozen():
    info = available_models()["grayscale"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        info.available = False


def test_eccv16_unavailable_with_empty_home(empty_home):
    info = available_models()["eccv16"]
    assert info.available is False
    for f in ("colorization_deploy_v2.prototxt", "colorization_release_v2.caffemodel", "pts_in_hull.npy"):
        assert f in info.reason
    assert str(empty_home / "eccv16") in info.reason
    assert info.how_to_get == ".venv/bin/python -m core weights fetch eccv16"


def test_colorize_with_missing_eccv16_raises_a_readable_error(empty_home, photos):
    with pytest.raises(ModelUnavailable) as exc:
        colorize(photos["coffee"], model="eccv16")
    msg = str(exc.value)
    assert "eccv16" in msg and "not available" in msg
    assert ".venv/bin/python -m core weights fetch eccv16" in msg
    assert "cv2" not in msg and "error:" not in msg and "Traceback" not in msg
    with pytest.raises(ModelUnavailable):
        get_colorizer("eccv16")
    assert isinstance(exc.value, RuntimeError)


def test_eccv16_partially_downloaded_is_unavailable(tmp_path, monkeypatch):
    from caffe_net import write_small_eccv16

    folder = write_small_eccv16(tmp_path / "home" / "eccv16")
    (folder / "colorization_release_v2.caffemodel").unlink()
    monkeypatch.setenv("COLORIZER_HOME", str(tmp_path / "home"))
    core.clear_cache()
    try:
        info = available_models()["eccv16"]
        assert not info.available
        assert "colorization_release_v2.caffemodel" in info.reason
        assert "prototxt" not in info.reason.split("missing")[0].split("(")[-1]
    finally:
        core.clear_cache()


def test_eccv16_available_with_the_small_test_net(small_eccv16_home, photos):
    info = available_models()["eccv16"]
    assert info.available is True
    assert info.how_to_get == ""
    assert str(small_eccv16_home / "eccv16") in info.reason
    img = photos["astronaut"]
    out = colorize(img, model="eccv16")
    assert out.shape == img.shape and out.dtype == np.uint8
    assert not np.array_equal(out, to_grey_rgb(img))        # the net does put some colour in


def test_corrupt_eccv16_files_raise_model_unavailable(small_eccv16_home, photos):
    (small_eccv16_home / "eccv16" / "colorization_release_v2.caffemodel").write_bytes(b"<html>oops</html>")
    assert available_models()["eccv16"].available          # the files are there...
    with pytest.raises(ModelUnavailable) as exc:            # ...but they do not load: a clear error, not cv2's
        colorize(photos["coffee"], model="eccv16")
    assert ".venv/bin/python -m core weights fetch eccv16" in str(exc.value)
    assert len(str(exc.value).splitlines()) == 1


def test_get_colorizer_caches_one_instance_per_source(small_eccv16_home, monkeypatch, tmp_path):
    from caffe_net import write_small_eccv16

    a = get_colorizer("eccv16")
    assert get_colorizer("eccv16") is a
    other = tmp_path / "other"
    write_small_eccv16(other / "eccv16", seed=1)
    monkeypatch.setenv("COLORIZER_HOME", str(other))
    b = get_colorizer("eccv16")
    assert b is not a                            # a new home is a new model
    core.clear_cache()
    assert get_colorizer("eccv16") is not b
    assert get_colorizer("grayscale") is get_colorizer("grayscale")


def test_autoencoder_missing_file(monkeypatch, tmp_path):
    monkeypatch.setenv("COLORIZER_AUTOENCODER", str(tmp_path / "nope.keras"))
    info = available_models()["autoencoder"]
    assert not info.available
    assert "nope.keras" in info.reason
    assert info.how_to_get.startswith(".venv/bin/python -m core train")
    with pytest.raises(ModelUnavailable, match="autoencoder"):
        colorize(np.zeros((8, 8, 3), np.uint8), model="autoencoder")


def test_unknown_model():
    with pytest.raises(ValueError, match="unknown model 'nope'"):
        colorize(np.zeros((8, 8, 3), np.uint8), model="nope")
    with pytest.raises(ValueError, match="autoencoder, eccv16, grayscale"):
        get_colorizer("deoldify")


@pytest.mark.parametrize(("model", "bad"), [("grayscale", 0), ("grayscale", 65), ("autoencoder", 3),
                                            ("autoencoder", 65), ("eccv16", 49), ("eccv16", -1)])
def test_render_factor_outside_the_range(model, bad, request):
    _use(model, request)
    lo, hi = available_models()[model].render_factor_range
    assert not lo <= bad <= hi
    with pytest.raises(ValueError, match=f"between {lo} and {hi}"):
        colorize(np.zeros((16, 16, 3), np.uint8), model=model, render_factor=bad)


@pytest.mark.parametrize("model", ["grayscale", "autoencoder", "eccv16"])
def test_render_factor_edges_are_accepted(model, request):
    _use(model, request)
    lo, hi = available_models()[model].render_factor_range
    img = np.random.default_rng(0).integers(0, 256, (20, 30, 3), dtype=np.uint8)
    for rf in (lo, hi):
        assert colorize(img, model=model, render_factor=rf).shape == (20, 30, 3)


@pytest.mark.parametrize("model", ["grayscale", "autoencoder", "eccv16"])
def test_colorize_input_forms(model, request, photos):
    _use(model, request)
    rgb = photos["chelsea"]
    h, w = rgb.shape[:2]
    grey2d = to_grey_rgb(rgb)[..., 0]
    rgba = np.concatenate([rgb, np.full((h, w, 1), 255, np.uint8)], axis=2)
    out_rgb = colorize(rgb, model=model)
    out_grey = colorize(grey2d, model=model)
    out_rgba = colorize(rgba, model=model)
    for out in (out_rgb, out_grey, out_rgba):
        assert out.shape == (h, w, 3) and out.dtype == np.uint8
    # only the lightness of the input is used: colour, grey and RGBA inputs give the same result
    assert np.array_equal(out_rgba, out_rgb)
    assert np.array_equal(out_grey, colorize(to_grey_rgb(rgb), model=model))
    assert np.abs(out_grey.astype(int) - out_rgb).max() <= 2
    # non-contiguous views work too
    assert np.array_equal(colorize(rgb[:, ::-1], model=model)[:, ::-1].shape, (h, w, 3))


@pytest.mark.parametrize(
    "bad",
    [np.zeros((8, 8, 3), np.float32), np.zeros((8, 8, 2), np.uint8), np.zeros((8,), np.uint8),
     np.zeros((0, 8, 3), np.uint8), np.zeros((2, 8, 8, 3), np.uint8)],
)
def test_colorize_rejects_bad_arrays(bad):
    with pytest.raises(ValueError):
        colorize(bad, model="grayscale")


SEPIA_MODEL = """
import numpy as np

from core.colorizers.base import Colorizer


class SepiaColorizer(Colorizer):
    name = "sepia"
    title = "Sepia tone"
    description = "A constant brown tint."
    order = 50
    default_render_factor = 8
    render_factor_range = (1, 32)

    def predict_ab(self, L_small):
        ab = np.zeros(L_small.shape + (2,), np.float32)
        ab[..., 0], ab[..., 1] = 8.0, 20.0
        return ab
"""


def test_a_new_model_is_one_file(tmp_path, monkeypatch, photos):
    """Adding a model = dropping one module into core/colorizers/: the registry finds it, lists it by its
    ``order`` with its declared facts, and colorize() runs it through the shared Lab pipeline."""
    import core.colorizers as registry

    extra = tmp_path / "more_models"
    extra.mkdir()
    (extra / "sepia.py").write_text(SEPIA_MODEL)
    monkeypatch.setattr(registry, "__path__", [*registry.__path__, str(extra)])
    monkeypatch.setattr(registry, "CLASSES", registry._discover())
    infos = available_models()
    assert list(infos) == ["autoencoder", "eccv16", "sepia", "grayscale"]
    info = infos["sepia"]
    assert (info.title, info.available, info.default_render_factor, info.render_factor_range, info.download_mb) \
        == ("Sepia tone", True, 8, (1, 32), 0.0)
    out = colorize(photos["chelsea"], model="sepia")
    assert out.shape == photos["chelsea"].shape
    assert (out[..., 0].astype(int) - out[..., 2]).mean() > 10        # brownish: more red than blue
    core.clear_cache()
