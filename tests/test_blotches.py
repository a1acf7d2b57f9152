"""The blotch measure of tools/blotches.py (pure numpy: no TensorFlow, no photos)."""

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))

import blotches  # noqa: E402


def lab_ab(hue_deg: float, chroma: float) -> np.ndarray:
    h = np.radians(hue_deg)
    return np.array([chroma * np.cos(h), chroma * np.sin(h)])


def test_classify_skin_blotch_and_neutral():
    ab = np.stack([lab_ab(55, 25), lab_ab(5, 30), lab_ab(-30, 30), lab_ab(250, 20), lab_ab(140, 25),
                   lab_ab(5, 8), lab_ab(90, 20), lab_ab(95, 20)])
    blotch, skin = blotches.classify(ab)
    assert skin.tolist() == [True, False, False, False, False, False, True, False]
    assert blotch.tolist() == [False, True, True, True, True, False, False, True]   # a low-chroma red is neither


def face(colour_of_patch):
    """A 100 x 100 face box: skin L 60 at hue 55, a dark eye band (L 20) and a 20 x 50 patch in the skin."""
    L = np.full((100, 100), 60.0)
    L[30:35, :] = 20.0                           # below the 30th percentile: not skin lightness
    L += np.linspace(0, 1, 100)[None, :]         # a little variation so the percentiles are not ties
    ab = np.broadcast_to(lab_ab(55, 25), (100, 100, 2)).copy()
    ab[40:60, 25:75] = colour_of_patch
    return L, ab, (0, 0, 100, 100)


def test_blotch_share_counts_the_red_patch_of_the_skin_pixels():
    L, ab, box = face(lab_ab(0, 30))
    mask = blotches.skin_mask(L, box)
    rows, cols = blotches.inner_box(box, L.shape)
    assert (rows, cols) == (slice(20, 70), slice(25, 75))
    assert not mask[:20].any() and not mask[:, :25].any() and not mask[30:35].any()
    n = int(mask.sum())
    s = blotches.blotch_share(L, ab, box)
    patch = int(mask[40:60, 25:75].sum())
    assert s["pixels"] == n and patch > 0
    assert s["blotch"] == pytest.approx(patch / n)
    assert s["skin"] == pytest.approx(1 - patch / n)
    assert blotches.blotch_share(L, face(lab_ab(55, 30))[1], box)["blotch"] == 0.0          # skin-coloured patch
    assert s["hue"] == pytest.approx(55.0)                                                  # most are skin
    grey = blotches.blotch_share(L, np.zeros_like(ab), box)                                # grey: neither
    assert {k: grey[k] for k in ("blotch", "skin", "strict", "pixels")} == {"blotch": 0.0, "skin": 0.0,
                                                                             "strict": 0.0, "pixels": n}
    assert np.isnan(grey["hue"])


def test_strict_sector_counts_rose_red_that_the_default_calls_skin():
    L, ab, box = face(lab_ab(25, 30))
    s = blotches.blotch_share(L, ab, box)
    assert s["blotch"] == 0.0 and s["strict"] > 0.1


def test_summarise_and_an_empty_box():
    assert blotches.summarise([0.0, 0.05, 0.2, 0.5]) == {"faces": 4, "mean": pytest.approx(0.1875), "over": 2}
    L = np.full((10, 10), 50.0)
    assert blotches.blotch_share(L, np.zeros((10, 10, 2)), (20, 20, 5, 5))["pixels"] == 0


def test_modes_find_two_far_peaks_and_the_annealed_mean():
    import bench_bimodal

    g = np.arange(-45.0, 50.0, 10.0)
    centres = np.stack(np.meshgrid(g, g, indexing="ij"), -1).reshape(-1, 2)      # a 10-unit grid, like the bins'
    def bump(at, height):
        return height * np.exp(-np.sum((centres - at) ** 2, axis=1) / (2 * 8.0 ** 2))
    one = bump((15, 15), 1.0)
    two = bump((15, 15), 1.0) + bump((-25, -25), 0.8)                              # 56 apart, 0.8 of the first
    p = np.stack([one / one.sum(), two / two.sum()])
    first, second, ratio = bench_bimodal.modes(p, centres)
    assert centres[first].tolist() == [[15, 15], [15, 15]]
    assert ratio[0] == 0.0 and centres[second[1]].tolist() == [-25, -25] and ratio[1] == pytest.approx(0.8, abs=0.05)
    assert bench_bimodal.mode_colour(p[:1], centres, first[:1]) == pytest.approx(np.array([[15.0, 15.0]]), abs=0.5)
    mean = bench_bimodal.decode(p, centres, np.zeros(len(centres)), t=1.0, beta=0.0)
    assert mean == pytest.approx(p @ centres)
    sharp = bench_bimodal.decode(p, centres, np.zeros(len(centres)), t=0.01, beta=0.0)
    assert sharp[1] == pytest.approx([15.0, 15.0], abs=0.5)                       # T -> 0: the top bin
