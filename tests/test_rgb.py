"""core.rgb: the one check of an RGB input and the one grey test (issue 30: five checks accepted different
things, four grey tests disagreed on the tolerance)."""

from __future__ import annotations

import numpy as np
import pytest

from core.rgb import GREY_TOLERANCE, check_rgb, is_grey


def test_check_rgb_accepts_rgb_rgba_and_grey_and_refuses_the_rest():
    rgb = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3)
    assert check_rgb(rgb) is not None and np.array_equal(check_rgb(rgb), rgb)
    rgba = np.dstack([rgb, np.full((2, 3), 7, np.uint8)])
    assert np.array_equal(check_rgb(rgba), rgb) and check_rgb(rgba).flags.c_contiguous
    grey = rgb[..., 0]
    assert np.array_equal(check_rgb(grey), np.dstack([grey] * 3))
    assert np.array_equal(check_rgb(grey[..., None]), np.dstack([grey] * 3))
    with pytest.raises(ValueError, match="the reference must be an RGB image"):
        check_rgb(grey, "the reference", grey=False)
    for bad in (rgb.astype(np.float32), rgb.astype(np.uint16), np.zeros((2, 3, 5), np.uint8), np.zeros(4, np.uint8)):
        with pytest.raises(ValueError, match=r"H x W x 3, uint8"):
            check_rgb(bad)
    with pytest.raises(ValueError, match="has no pixels"):
        check_rgb(np.zeros((0, 4, 3), np.uint8))


def test_one_grey_test_with_one_tolerance():
    grey = np.repeat(np.arange(0, 250, 10, dtype=np.uint8).reshape(5, 5, 1), 3, axis=2)
    assert is_grey(grey) and is_grey(grey, tol=0)
    noisy = grey.copy()
    noisy[0, 0, 2] += GREY_TOLERANCE                         # JPEG noise in a black-and-white scan
    assert is_grey(noisy) and not is_grey(noisy, tol=0)
    noisy[0, 0, 2] += 1
    assert not is_grey(noisy)
    deep = grey.astype(np.uint16) * 257                       # 16-bit: no wrap-around in the difference
    deep[1, 1, 0] = 65535
    deep[1, 1, 1] = 0
    assert not is_grey(deep) and not is_grey(deep, tol=0)
    from core import images

    assert images.is_grey is is_grey
