"""tools/interpolate_models.py: the weight-by-weight mix of two fine-tunes (pure numpy)."""

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))

import interpolate_models  # noqa: E402


def test_mix_is_the_weighted_mean_and_keeps_dtypes():
    a = [np.zeros((2, 3), np.float32), np.array([4.0], np.float16), np.array([7], np.int64)]
    b = [np.ones((2, 3), np.float32), np.array([8.0], np.float16), np.array([9], np.int64)]
    out = interpolate_models.mix(a, b, 0.25)
    assert np.allclose(out[0], 0.25) and out[0].dtype == np.float32
    assert out[1][0] == 5.0 and out[1].dtype == np.float16
    assert out[2][0] == 7                                           # integers (counters) are A's
    assert np.array_equal(interpolate_models.mix(a, b, 0.0)[0], a[0])
    assert np.array_equal(interpolate_models.mix(a, b, 1.0)[0], b[0])


def test_models_of_another_shape_are_refused():
    with pytest.raises(ValueError, match="differ at weight 0"):
        interpolate_models.mix([np.zeros((2, 3))], [np.zeros((3, 2))], 0.5)
    with pytest.raises(ValueError, match="1 against 2"):
        interpolate_models.mix([np.zeros(1)], [np.zeros(1), np.zeros(1)], 0.5)
