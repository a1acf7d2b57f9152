"""core.metrics: MSE, PSNR, SSIM, CIEDE2000 and colourfulness against hand-checked values."""

from __future__ import annotations

import math

import numpy as np
import pytest

import core.metrics as metrics
from core.lab import rgb_to_lab, to_grey_rgb
from core.metrics import colorfulness, compare

# Sharma, Wu & Dalal (2005), "The CIEDE2000 color-difference formula: implementation notes,
# supplementary test data, and mathematical observations", Table 1 (pair number, Lab 1, Lab 2, dE00).
SHARMA = [
    (1, (50.0000, 2.6772, -79.7751), (50.0000, 0.0000, -82.7485), 2.0425),
    (2, (50.0000, 3.1571, -77.2803), (50.0000, 0.0000, -82.7485), 2.8615),
    (3, (50.0000, 2.8361, -74.0200), (50.0000, 0.0000, -82.7485), 3.4412),
    (7, (50.0000, 0.0000, 0.0000), (50.0000, -1.0000, 2.0000), 2.3669),
    (17, (50.0000, 2.5000, 0.0000), (73.0000, 25.0000, -18.0000), 27.1492),
    (18, (50.0000, 2.5000, 0.0000), (61.0000, -5.0000, 29.0000), 22.8977),
    (19, (50.0000, 2.5000, 0.0000), (56.0000, -27.0000, -3.0000), 31.9030),
    (20, (50.0000, 2.5000, 0.0000), (58.0000, 24.0000, 15.0000), 19.4535),
    (25, (60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
    (26, (63.0109, -31.0961, -5.8663), (62.8187, -29.7946, -4.0864), 1.2630),
]


def ciede2000(lab1, lab2) -> float:
    """A plain, independent transcription of the CIEDE2000 formula (kL = kC = kH = 1)."""
    L1, a1, b1 = lab1
    L2, a2, b2 = lab2
    c_bar = (math.hypot(a1, b1) + math.hypot(a2, b2)) / 2
    g = 0.5 * (1 - math.sqrt(c_bar ** 7 / (c_bar ** 7 + 25 ** 7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = math.hypot(a1p, b1), math.hypot(a2p, b2)
    h1p = math.degrees(math.atan2(b1, a1p)) % 360 if c1p else 0.0
    h2p = math.degrees(math.atan2(b2, a2p)) % 360 if c2p else 0.0
    dLp = L2 - L1
    dCp = c2p - c1p
    if c1p * c2p == 0:
        dhp = 0.0
    elif abs(h2p - h1p) <= 180:
        dhp = h2p - h1p
    elif h2p - h1p > 180:
        dhp = h2p - h1p - 360
    else:
        dhp = h2p - h1p + 360
    dHp = 2 * math.sqrt(c1p * c2p) * math.sin(math.radians(dhp / 2))
    Lp_bar = (L1 + L2) / 2
    Cp_bar = (c1p + c2p) / 2
    if c1p * c2p == 0:
        hp_bar = h1p + h2p
    elif abs(h1p - h2p) <= 180:
        hp_bar = (h1p + h2p) / 2
    elif h1p + h2p < 360:
        hp_bar = (h1p + h2p + 360) / 2
    else:
        hp_bar = (h1p + h2p - 360) / 2
    t = (1 - 0.17 * math.cos(math.radians(hp_bar - 30)) + 0.24 * math.cos(math.radians(2 * hp_bar))
         + 0.32 * math.cos(math.radians(3 * hp_bar + 6)) - 0.20 * math.cos(math.radians(4 * hp_bar - 63)))
    d_theta = 30 * math.exp(-(((hp_bar - 275) / 25) ** 2))
    rc = 2 * math.sqrt(Cp_bar ** 7 / (Cp_bar ** 7 + 25 ** 7))
    sl = 1 + 0.015 * (Lp_bar - 50) ** 2 / math.sqrt(20 + (Lp_bar - 50) ** 2)
    sc = 1 + 0.045 * Cp_bar
    sh = 1 + 0.015 * Cp_bar * t
    rt = -math.sin(math.radians(2 * d_theta)) * rc
    return math.sqrt((dLp / sl) ** 2 + (dCp / sc) ** 2 + (dHp / sh) ** 2 + rt * (dCp / sc) * (dHp / sh))


def _flat(colour, h=8, w=8):
    return np.broadcast_to(np.asarray(colour, np.uint8), (h, w, 3)).copy()


# --- identical images ----------------------------------------------------------------------------

def test_compare_identical(photos):
    for img in photos.values():
        m = compare(img, img.copy())
        assert m["mse"] == 0.0
        assert m["psnr"] == math.inf
        assert m["ssim"] == pytest.approx(1.0, abs=1e-12)
        assert m["delta_e2000"] == 0.0
        assert m["colorfulness_ratio"] == pytest.approx(1.0)
        assert set(m) == set(metrics.METRICS)


def test_compare_identical_tiny_images():
    for shape in [(1, 1, 3), (2, 3, 3), (5, 5, 3), (3, 40, 3)]:
        img = np.random.default_rng(0).integers(0, 256, shape, dtype=np.uint8)
        m = compare(img, img)
        assert m["mse"] == 0 and m["psnr"] == math.inf and m["ssim"] == pytest.approx(1.0)


def test_compare_rejects_different_sizes():
    with pytest.raises(ValueError, match="differ in size"):
        compare(np.zeros((4, 4, 3), np.uint8), np.zeros((4, 5, 3), np.uint8))


# --- PSNR / MSE / SSIM -----------------------------------------------------------------------------

def test_psnr_of_a_uniform_difference_of_10():
    rng = np.random.default_rng(0)
    ref = rng.integers(20, 236, (32, 48, 3), dtype=np.uint8)
    sign = np.where(rng.random(ref.shape) < 0.5, -10, 10)
    out = (ref.astype(int) + sign).astype(np.uint8)
    m = compare(ref, out)
    assert m["mse"] == pytest.approx(100.0)
    assert m["psnr"] == pytest.approx(10 * math.log10(255 ** 2 / 100), abs=1e-9)
    assert m["psnr"] == pytest.approx(28.13, abs=0.005)


def test_ssim_drops_for_noise_and_is_symmetric_in_range(photos):
    ref = photos["astronaut"]
    noisy = np.clip(ref.astype(int) + np.random.default_rng(1).normal(0, 40, ref.shape), 0, 255).astype(np.uint8)
    m = compare(ref, noisy)
    assert 0.0 < m["ssim"] < 0.8
    assert m["psnr"] < 20


# --- CIEDE2000 ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("n", "lab1", "lab2", "expected"), SHARMA)
def test_reference_ciede2000_matches_sharma_table(n, lab1, lab2, expected):
    assert ciede2000(lab1, lab2) == pytest.approx(expected, abs=1e-4)
    assert ciede2000(lab2, lab1) == pytest.approx(expected, abs=1e-4)


@pytest.mark.parametrize(("n", "lab1", "lab2", "expected"), SHARMA)
def test_delta_e2000_on_flat_lab_colours(n, lab1, lab2, expected, monkeypatch):
    """core.metrics.delta_e2000 on two flat Lab images (its RGB -> Lab step bypassed) gives the table value."""
    monkeypatch.setattr(metrics, "rgb_to_lab", lambda x: np.asarray(x, np.float64))
    a = np.broadcast_to(np.asarray(lab1, np.float64), (4, 5, 3))
    b = np.broadcast_to(np.asarray(lab2, np.float64), (4, 5, 3))
    assert metrics.delta_e2000(a, b) == pytest.approx(expected, abs=1e-3)


@pytest.mark.parametrize(
    ("c1", "c2"),
    [((128, 128, 128), (140, 120, 110)), ((200, 30, 40), (190, 60, 50)), ((20, 80, 200), (40, 70, 180))],
)
def test_compare_delta_e_of_two_flat_rgb_colours(c1, c2):
    expected = ciede2000(*(tuple(float(v) for v in rgb_to_lab(_flat(c, 1, 1))[0, 0]) for c in (c1, c2)))
    assert expected > 1.0
    m = compare(_flat(c1), _flat(c2))
    assert m["delta_e2000"] == pytest.approx(expected, abs=1e-3)


def test_delta_e_is_the_mean_over_pixels():
    ref = np.concatenate([_flat((100, 100, 100), 4, 4), _flat((100, 100, 100), 4, 4)], axis=1)
    out = np.concatenate([_flat((100, 100, 100), 4, 4), _flat((130, 90, 90), 4, 4)], axis=1)
    one = compare(_flat((100, 100, 100), 4, 4), _flat((130, 90, 90), 4, 4))["delta_e2000"]
    assert compare(ref, out)["delta_e2000"] == pytest.approx(one / 2, rel=1e-6)


# --- colourfulness --------------------------------------------------------------------------------

def test_colourfulness_of_grey_is_zero(photos):
    grey = to_grey_rgb(photos["coffee"])
    assert colorfulness(grey) == 0.0
    assert colorfulness(_flat((77, 77, 77))) == 0.0
    ref = photos["coffee"]
    m = compare(ref, grey)
    assert m["colorfulness_ratio"] == 0.0
    assert compare(ref, ref)["colorfulness_ratio"] == 1.0


def test_colourfulness_by_hand_on_two_pixels():
    img = np.array([[[255, 0, 0], [0, 0, 255]]], np.uint8)
    # rg = R - G = [255, 0]; yb = (R + G) / 2 - B = [127.5, -255]
    std_rg, std_yb = 127.5, 191.25
    mean_rg, mean_yb = 127.5, -63.75
    expected = math.sqrt(std_rg ** 2 + std_yb ** 2) + 0.3 * math.sqrt(mean_rg ** 2 + mean_yb ** 2)
    assert colorfulness(img) == pytest.approx(expected, rel=1e-12)
    assert colorfulness(img) == pytest.approx(272.61, abs=0.01)


def test_colourfulness_of_a_flat_colour_is_only_the_mean_term():
    # flat (200, 100, 50): rg = 100, yb = 100; no spread
    assert colorfulness(_flat((200, 100, 50))) == pytest.approx(0.3 * math.hypot(100, 100))


def test_colourfulness_ratio_of_a_greyer_output(photos):
    ref = photos["chelsea"]
    half = ((ref.astype(np.float64) + to_grey_rgb(ref)) / 2).round().astype(np.uint8)
    ratio = compare(ref, half)["colorfulness_ratio"]
    assert 0.35 < ratio < 0.65


def test_colourfulness_ratio_is_nan_for_a_grey_reference():
    grey = _flat((90, 90, 90))
    assert math.isnan(compare(grey, _flat((90, 100, 90)))["colorfulness_ratio"])
