"""Marks (issue 34): damage the detector cannot tell from real structure (a scratch as wide as a pole, a dense
cluster of dust) is repaired where a person paints over it, together with what the detector finds."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from skimage import data
from skimage.metrics import peak_signal_noise_ratio

from core import restore
from core.restore import engine
from core.restore import marks as marks_


def psnr(a, b):
    return peak_signal_noise_ratio(a, b, data_range=255)


@pytest.fixture(scope="module")
def gouged():
    """The camera photo with a 7 px dark scratch across the sky and down the coat, and a dust cluster."""
    clean = np.repeat(data.camera()[..., None], 3, axis=2)
    img = clean.copy()
    truth = np.zeros(img.shape[:2], np.uint8)
    cv2.line(truth, (40, 30), (470, 330), 1, 7)
    rng = np.random.default_rng(3)
    for x, y in rng.normal((380, 80), 6, (25, 2)):
        cv2.circle(truth, (int(x), int(y)), 1, 1, -1)
    img[truth > 0] = 15
    return clean, img, truth > 0


def test_a_painted_scratch_is_repaired_and_nothing_else_changes(gouged):
    clean, img, truth = gouged
    marks = [restore.Mark(((40.0, 30.0), (470.0, 330.0)), 6.0), restore.Mark(((380.0, 80.0),), 24.0)]
    r = restore.restore(img, strength=0, marks=marks)          # the detector off: only the marks
    assert r.mask[truth].all()                                  # the brush covered all the damage ...
    assert r.mask.mean() < 0.04                                 # ... and little else (the band and the dab)
    assert np.array_equal(r.rgb[~r.mask], img[~r.mask])         # nothing outside the marks changes
    assert psnr(clean, r.rgb) > psnr(clean, img) + 10           # 7 px of black across the sky is gone
    assert np.array_equal(r.rgb[..., 0], r.rgb[..., 2])         # grey stays grey
    assert np.array_equal(restore.detect(img, strength=0, marks=marks), r.mask)


def test_without_marks_nothing_changes_and_marks_add_to_what_is_found(gouged):
    clean, img, truth = gouged
    auto = restore.restore(img)
    assert np.array_equal(restore.restore(img, marks=()).mask, auto.mask)    # no marks: exactly as before
    assert not restore.restore(img, strength=0).mask.any()
    both = restore.restore(img, marks=[(((40, 30), (470, 330)), 6)])        # (points, radius) pairs work too
    assert (both.mask >= auto.mask).all()                      # the detector's finds are kept
    assert both.mask[truth].mean() > auto.mask[truth].mean() + 0.3
    assert psnr(clean, both.rgb) > psnr(clean, auto.rgb) + 3


def test_a_colour_photo_is_repaired_in_all_channels():
    rgb = data.astronaut()[:200, :200].copy()
    rgb[100:104, 20:180] = (250, 250, 250)
    r = restore.restore(rgb, strength=0, marks=[restore.Mark(((20, 101.5), (180, 101.5)), 4)])
    assert r.mask[100:104, 20:180].all()
    assert (r.rgb[100:104, 40:160].astype(int).sum(axis=2) < 700).mean() > 0.9   # the white line is filled
    assert np.array_equal(r.rgb[~r.mask], rgb[~r.mask])


def test_big_scans_paint_marks_across_tiles(monkeypatch):
    monkeypatch.setattr(engine, "TILE", 64)
    img = np.full((150, 170, 3), 120, np.uint8)
    img[70:76, :] = 0
    r = restore.restore(img, strength=0, marks=[restore.Mark(((0, 72.5), (169, 72.5)), 4)])
    assert r.mask[70:76, :].all() and r.mask.sum() <= 170 * 11
    assert np.abs(r.rgb.astype(int) - 120).max() <= 2           # flat grey again, through every tile seam


@pytest.mark.parametrize("marks, said", [
    ([(((1, 1),), 0.1)], "radius"),
    ([(((1, 1),), float("nan"))], "radius"),
    ([(((1, float("inf")),), 3)], "finite"),
    ([(((500, 10),), 3)], "outside"),
    ([(((), 3))], "1 point"),
    ([("ab", 3)], "pairs"),
    ([(((1, 1),), 3)] * (marks_.MAX_MARKS + 1), "too many"),
    ([([(i % 2 * 99, i % 2 * 99) for i in range(8000)], 100)], "too much"),   # to and fro: refused before drawing
])
def test_bad_marks_get_a_clear_reason(marks, said):
    img = np.full((100, 100, 3), 100, np.uint8)
    with pytest.raises(ValueError, match=said):
        restore.restore(img, strength=0, marks=marks)


def test_marks_points_are_bounded():
    pts = [(1.0, 1.0)] * (marks_.MAX_MARK_POINTS + 1)
    with pytest.raises(ValueError, match="20,000"):
        restore.check_marks([(pts, 1)], 100, 100)
    assert restore.check_marks([], 10, 10) == ()
    (m,) = restore.check_marks([([(1, 2), (3, 4)], 2)], 10, 10)
    assert m == restore.Mark(((1.0, 2.0), (3.0, 4.0)), 2.0)


def test_a_dab_repairs_only_the_specks_that_stand_out_from_around_it():
    """A click (one point) on dust fills the specks under the brush, not the whole disc: on a smooth gradient
    with dark and bright specks, every speck is found and most of the disc is left as it was."""
    yy, xx = np.mgrid[0:120, 0:160]
    grey = (80 + 0.5 * xx + 0.3 * yy).astype(np.uint8)
    img = np.repeat(grey[..., None], 3, axis=2)
    specks = np.zeros(grey.shape, bool)
    for i, (x, y) in enumerate(((70, 60), (76, 55), (66, 52), (80, 66), (72, 70), (62, 63))):
        cv2.circle(img, (x, y), 1, (10,) * 3 if i % 2 else (250,) * 3, -1)
        cv2.circle(specks.view(np.uint8), (x, y), 1, 1, -1)
    r = restore.restore(img, strength=0, marks=[restore.Mark(((71, 61),), 16)])
    disc = np.hypot(xx - 71, yy - 61) <= 16
    assert r.mask[specks].all()                                   # every speck ...
    assert r.mask.sum() < 0.3 * disc.sum() and not r.mask[~disc].any()   # ... and not the whole disc
    assert np.abs(r.rgb[..., 0].astype(int) - grey)[disc].max() < 12      # the gradient is back
    clean = np.repeat(grey[..., None], 3, axis=2)
    assert not restore.detect(clean, strength=0, marks=[restore.Mark(((71, 61),), 16)]).any()  # nothing stands out
    flat = np.full_like(img, 120)
    assert not restore.detect(flat, strength=0, marks=[restore.Mark(((2, 2),), 10)]).any()   # the ring cut by the edge
    edge = restore.restore(img, strength=0, marks=[restore.Mark(((2, 2),), 10)])   # half a ring on a gradient: what
    near = np.hypot(xx - 2, yy - 2) <= 10                                          # it fills stays on the gradient
    assert np.abs(edge.rgb[..., 0].astype(int) - grey)[near].max() <= 6


def test_a_dab_on_a_real_photo_leaves_its_texture():
    """A click on clean grass (scikit-image's camera) changes few pixels: only what stands out from around."""
    camera = np.repeat(data.camera()[..., None], 3, axis=2)
    m = restore.detect(camera, strength=0, marks=[restore.Mark(((400, 450),), 20)])
    assert m.sum() < 0.05 * np.pi * 20 ** 2
