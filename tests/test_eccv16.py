"""The eccv16 loader and forward pass (OpenCV DNN), on a small Caffe net written by the tests."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from caffe_net import CAFFEMODEL, HULL, PROTOTXT, default_hull, encode_caffemodel, write_small_eccv16
from conftest import SHARED

from core import ModelUnavailable, lab
from core.colorizers.eccv16 import ANNEAL_SCALE, Eccv16Colorizer, ModelLoadError, missing_files

REAL = SHARED / "reference" / "caffe"


def _flat_grey(h, w, value):
    return np.full((h, w, 3), value, np.uint8)


# --- the hand-written protobuf encoder ------------------------------------------------------------

def test_caffemodel_encoding_by_hand():
    data = encode_caffemodel([("c", "Convolution", [np.array([[1.0, -2.0]], np.float32)])])
    layer = b"\x0a\x01c" + b"\x12\x0bConvolution"
    shape = b"\x0a\x02\x01\x02"                                            # BlobShape.dim = [1, 2], packed
    blob = b"\x3a\x04" + shape + b"\x2a\x08" + np.array([1.0, -2.0], "<f4").tobytes()  # shape (7); data (5)
    layer += b"\x3a" + bytes([len(blob)]) + blob
    assert data == b"\xa2\x06" + bytes([len(layer)]) + layer                            # field 100, wire type 2


def test_small_net_files(tmp_path):
    folder = write_small_eccv16(tmp_path / "net", n_bins=5)
    assert missing_files(folder) == []
    hull = np.load(folder / HULL)
    assert hull.shape == (5, 2) and hull.dtype == np.int64
    text = (folder / PROTOTXT).read_text()
    for name in ('"data_l"', '"conv8_313"', '"conv8_313_rh"', '"class8_313_rh"', '"class8_ab"'):
        assert name in text
    assert missing_files(tmp_path) == [PROTOTXT, CAFFEMODEL, HULL]


# --- load and forward -----------------------------------------------------------------------------

def test_loads_and_keeps_the_input_size(tmp_path, photos):
    col = Eccv16Colorizer(write_small_eccv16(tmp_path / "net"))
    for img in photos.values():
        out = col.colorize(img)
        assert out.shape == img.shape and out.dtype == np.uint8
    for shape in [(1, 1, 3), (7, 300, 3), (300, 7, 3), (64, 64, 3)]:
        img = np.random.default_rng(0).integers(0, 256, shape, dtype=np.uint8)
        assert col.colorize(img).shape == shape
        assert col.colorize(img, 4).shape == shape


def test_predict_ab_is_a_quarter_of_the_render_size(tmp_path):
    col = Eccv16Colorizer(write_small_eccv16(tmp_path / "net"))
    ab = col.predict_ab(np.full((224, 160), 50.0, np.float32))
    assert ab.shape == (56, 40, 2) and ab.dtype == np.float32
    assert ab.flags.c_contiguous


@pytest.mark.parametrize("k", [0, 3, 6])
def test_hull_points_are_injected(tmp_path, k):
    """All softmax mass on bin k (zero conv weights, a large bias): the output ab is exactly hull[k].
    The caffemodel stores zeros for class8_ab, so a non-zero result proves the loader injected the hull."""
    hull = default_hull(8)
    bias = np.zeros(8)
    bias[k] = 40.0
    col = Eccv16Colorizer(write_small_eccv16(tmp_path / "net", logits_bias=bias, zero_body=True))
    L = np.random.default_rng(k).uniform(0, 100, (64, 48)).astype(np.float32)
    ab = col.predict_ab(L)
    np.testing.assert_allclose(ab, np.broadcast_to(hull[k].astype(np.float32), ab.shape), atol=1e-3)

    # end to end: a mid-grey photo comes out in the colour of hull[k] (chosen inside the sRGB gamut)
    grey = _flat_grey(40, 56, 140)
    out = col.colorize(grey)
    got = lab.rgb_to_lab(out)
    L_in = lab.lightness(grey)[0, 0]
    np.testing.assert_allclose(got[..., 0], L_in, atol=0.5)
    np.testing.assert_allclose(got[..., 1], hull[k][0], atol=1.0)
    np.testing.assert_allclose(got[..., 2], hull[k][1], atol=1.0)


def test_annealing_scale_is_injected(tmp_path):
    """conv8_313_rh is stored as 1.0; the loader must set the release's 2.606 (1 / T, T = 0.38)."""
    hull = default_hull(8)
    bias = np.zeros(8)
    bias[0] = 1.0
    col = Eccv16Colorizer(write_small_eccv16(tmp_path / "net", logits_bias=bias, zero_body=True))
    ab = col.predict_ab(np.full((32, 32), 50.0, np.float32))[0, 0]
    p = np.exp(ANNEAL_SCALE * bias)
    p /= p.sum()
    np.testing.assert_allclose(ab, p @ hull, atol=1e-3)
    p1 = np.exp(bias) / np.exp(bias).sum()
    assert np.abs(ab - p1 @ hull).max() > 3            # clearly not the unscaled softmax


def test_hull_of_another_size_is_used(tmp_path):
    hull = np.array([[-30, 10], [15, 25], [5, -35]], np.int64)
    col = Eccv16Colorizer(write_small_eccv16(tmp_path / "net", n_bins=3, hull=hull,
                                             logits_bias=[0.0, 0.0, 30.0], zero_body=True))
    np.testing.assert_allclose(col.predict_ab(np.full((16, 16), 40.0, np.float32)), np.broadcast_to(
        np.array([5.0, -35.0], np.float32), (4, 4, 2)), atol=1e-3)


def test_forward_is_deterministic_and_depends_on_the_input(tmp_path, photos):
    col = Eccv16Colorizer(write_small_eccv16(tmp_path / "net"))
    a = col.colorize(photos["astronaut"])
    assert np.array_equal(a, col.colorize(photos["astronaut"]))
    ab1 = col.predict_ab(np.linspace(0, 100, 64 * 64, dtype=np.float32).reshape(64, 64))
    ab2 = col.predict_ab(np.full((64, 64), 50.0, np.float32))
    assert np.abs(ab1 - ab2).max() > 1.0


# --- broken files ---------------------------------------------------------------------------------

def test_missing_files_give_model_unavailable(tmp_path):
    folder = write_small_eccv16(tmp_path / "net")
    (folder / HULL).unlink()
    with pytest.raises(ModelUnavailable, match=r"pts_in_hull\.npy.*python -m core weights fetch eccv16"):
        Eccv16Colorizer(folder)


@pytest.mark.parametrize(
    "damage",
    [
        lambda d: d[: len(d) // 2],                           # cut short
        lambda d: b"\x00\xff" * 50 + d[100:],                 # garbage at the start
        lambda d: b"this is not a caffemodel",
        lambda d: b"",
    ],
    ids=["truncated", "garbage", "text", "empty"],
)
def test_corrupt_caffemodel_gives_a_clear_error(tmp_path, damage):
    folder = write_small_eccv16(tmp_path / "net")
    p = folder / CAFFEMODEL
    p.write_bytes(damage(p.read_bytes()))
    with pytest.raises(ModelUnavailable) as exc:
        Eccv16Colorizer(folder)
    assert isinstance(exc.value, ModelLoadError)
    msg = str(exc.value)
    assert str(folder) in msg
    assert ".venv/bin/python -m core weights fetch eccv16" in msg
    assert "Traceback" not in msg and len(msg.splitlines()) == 1


def test_corrupt_prototxt_gives_a_clear_error(tmp_path):
    folder = write_small_eccv16(tmp_path / "net")
    (folder / PROTOTXT).write_text('layer { name: "data_l" type: "Input" top: ')
    with pytest.raises(ModelUnavailable, match="could not load the eccv16 model"):
        Eccv16Colorizer(folder)


@pytest.mark.parametrize(
    ("content", "match"),
    [(b"not numpy", "Could not read"), (None, r"shape \(8, 3\)")],
    ids=["garbage", "wrong-shape"],
)
def test_bad_hull_file(tmp_path, content, match):
    folder = write_small_eccv16(tmp_path / "net")
    if content is None:
        np.save(folder / HULL, np.zeros((8, 3), np.int64))
    else:
        (folder / HULL).write_bytes(content)
    with pytest.raises(ModelUnavailable, match=match):
        Eccv16Colorizer(folder)


def test_pickled_hull_is_refused(tmp_path):
    folder = write_small_eccv16(tmp_path / "net")
    np.save(folder / HULL, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(ModelUnavailable, match="Could not read"):
        Eccv16Colorizer(folder)


# --- the real architecture (only where the shared reference files exist) ---------------------------

@pytest.mark.slow
@pytest.mark.skipif(not (REAL / PROTOTXT).is_file(), reason="needs ../shared/reference/caffe")
def test_real_prototxt_with_random_weights(tmp_path):
    folder = tmp_path / "eccv16"
    folder.mkdir()
    (folder / PROTOTXT).write_bytes((REAL / PROTOTXT).read_bytes())
    (folder / HULL).write_bytes((REAL / HULL).read_bytes())
    subprocess.run([sys.executable, str(REAL / "random_caffemodel.py"), str(folder / PROTOTXT),
                    str(folder / CAFFEMODEL)], check=True, timeout=300)
    hull = np.load(folder / HULL)
    assert hull.shape == (313, 2)
    col = Eccv16Colorizer(folder)
    ab = col.predict_ab(np.random.default_rng(0).uniform(0, 100, (224, 224)).astype(np.float32))
    assert ab.shape == (56, 56, 2)
    # the decoded ab is a convex combination of the hull points: inside their bounding box
    assert (ab >= hull.min(0) - 1e-3).all() and (ab <= hull.max(0) + 1e-3).all()
    img = np.random.default_rng(1).integers(0, 256, (120, 90, 3), dtype=np.uint8)
    out = col.colorize(img)
    assert out.shape == img.shape
    # random weights give vivid colours, some clipped to the gamut; elsewhere L is the input's
    assert np.median(np.abs(lab.lightness(out) - lab.lightness(img))) < 0.5
