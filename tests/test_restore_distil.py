"""The repair's detector distilled to one pass (issue 34): the teacher's four-view mean as the target, and the
bench's other damage shapes."""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest
from conftest import ROOT
from test_restore import training_photos

from core.restore import engine, train


def test_four_views_is_the_engines_mean_over_rotations():
    import keras

    model = keras.saving.load_model(engine.model_path(), compile=False)
    x = np.random.default_rng(0).random((2, 32, 32, 1)).astype(np.float32)
    want = [engine.probability(x[i, ..., 0], views=4) for i in range(2)]
    np.testing.assert_allclose(train.four_views(model, x)[..., 0], np.stack(want), atol=1e-5)


@pytest.mark.training
def test_train_restore_distils_a_teacher(tmp_path, capsys):
    from core.cli.restore import main

    photos = training_photos(tmp_path)
    out, ck = tmp_path / "s.keras", tmp_path / "ck"
    assert main(["--data", str(photos), "--out", str(out), "--checkpoint-dir", str(ck), "--size", "32",
                 "--batch-size", "2", "--save-every", "1", "--threads", "1", "--steps", "2",
                 "--teacher", str(engine.model_path())]) == 0
    assert "distilling" in capsys.readouterr().out
    assert out.exists() and json.loads((ck / "state.json").read_text())["step"] == 2


def test_other_damage_draws_each_kind_and_masks_it():
    sys.path.insert(0, str(ROOT / "tools"))
    import other_damage

    g = np.full((96, 96), 0.5, np.float32)
    for i, kind in enumerate(other_damage.KINDS):
        d, m = other_damage.damage(g, np.random.default_rng(i), kind)
        assert d.shape == g.shape and m.dtype == bool and m.any(), kind
        assert np.abs(d - g)[m].mean() > 0.2, kind                    # the mask is where it was drawn
        d2, m2 = other_damage.damage(g, np.random.default_rng(i), kind)
        assert np.array_equal(d, d2) and np.array_equal(m, m2)      # deterministic
    with pytest.raises(ValueError):
        other_damage.damage(g, np.random.default_rng(0), "wobbly")


def test_other_damage_says_what_a_person_would_paint_and_the_bench_keeps_it_in_the_photo():
    """tools/bench_restore.py --marks: a brush along each scratch, 2 px wider on each side, and a dab over each
    cluster; the damage drawn is the same with or without asking for the marks."""
    sys.path.insert(0, str(ROOT / "tools"))
    import bench_restore
    import other_damage

    from core.restore import marks as marks_module

    g = np.full((96, 120), 0.5, np.float32)
    for i, kind in enumerate(("thick", "clusters")):
        marks: list = []
        d, m = other_damage.damage(g, np.random.default_rng(i), kind, marks)
        d0, m0 = other_damage.damage(g, np.random.default_rng(i), kind)
        assert np.array_equal(d, d0) and np.array_equal(m, m0) and marks
        held = bench_restore.hand_marks(marks, *g.shape)
        for pts, _ in held:
            assert (pts >= 0).all() and (pts[:, 0] <= 119).all() and (pts[:, 1] <= 95).all()
        rgb = np.repeat(np.round(d * 255).astype(np.uint8)[..., None], 3, axis=2)
        covered = marks_module.marked(rgb, held)
        assert covered[m].mean() > 0.97, kind                  # the brush covers what was drawn ...
        assert covered.sum() < 4 * m.sum() + 1, kind           # ... and not the whole photo


def test_the_shapes_bench_adds_long_coarse_finds_and_dense_specks_only():
    sys.path.insert(0, str(ROOT / "tools"))
    import bench_restore_shapes as shapes

    full, half = np.zeros((80, 80), np.float32), np.zeros((80, 80), np.float32)
    half[40, 5:60] = 0.999                                     # a long find of the coarse pass
    half[10:14, 10:14] = 0.999                                 # a short one: not kept
    for x, y in ((60, 60), (63, 62), (58, 65), (66, 58), (61, 67)):
        full[y, x] = 0.6                                       # five unsure specks within a few px
    full[10, 70] = 0.6                                         # one alone
    assert not shapes.mask(full, half, {}).any()
    coarse = shapes.mask(full, half, {"coarse": 0.99})
    assert coarse[40, 10:55].all() and not coarse[12, 12]
    dense = shapes.mask(full, half, {"dense": 0.5, "radius": 8, "k": 4})
    assert dense[60, 60] and dense[67, 61] and not dense[10, 70]
    assert not shapes.mask(full, half, {"dense": 0.5, "radius": 8, "k": 6}).any()
    g = np.full((64, 64), 128, np.uint8)
    for kind in ("gouge", "uniform", "cluster"):
        d, m = shapes.drawn(g, 3, kind)
        assert m.any() and np.array_equal(d, shapes.drawn(g, 3, kind)[0]), kind
        assert np.abs(d.astype(int) - 128)[m].mean() > 20, kind


def test_the_shapes_bench_clicks_once_per_cluster():
    sys.path.insert(0, str(ROOT / "tools"))
    import bench_restore_shapes as shapes

    m = np.zeros((100, 100), bool)
    for x, y in ((20, 20), (24, 22), (18, 26), (70, 75), (74, 71)):
        m[y - 1:y + 2, x - 1:x + 2] = True
    dabs = shapes.dabs_of(m)
    assert len(dabs) == 2 and all(len(d.points) == 1 for d in dabs)
    for d in dabs:
        (cx, cy), r = d.points[0], d.radius
        ys, xs = np.nonzero(m & (np.hypot(*np.mgrid[0:100, 0:100][::-1] - np.array([[[cx]], [[cy]]])) < 30))
        assert np.hypot(xs - cx, ys - cy).max() <= r - 2 + 1e-6
