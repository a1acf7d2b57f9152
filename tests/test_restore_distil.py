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
