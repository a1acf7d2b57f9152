"""The repair's later views run only where they can still change the mask (issue 34: 1 MP took 3.5-7 s
on a loaded machine): the very same mask, for a fraction of the work."""

from __future__ import annotations

import numpy as np
import pytest
from skimage import data

from core.restore import engine


def scratched_light() -> np.ndarray:
    import cv2

    g = cv2.GaussianBlur(data.camera(), (0, 0), 3)                   # 512 x 512, no fine texture left
    cv2.line(g, (300, 60), (480, 200), 250, 2)                       # across the sky
    for x, y in ((60, 40), (420, 300), (380, 480)):
        cv2.circle(g, (x, y), 2, 15, -1)
    return (g / 255.0).astype(np.float32)


@pytest.mark.parametrize("views", [2, 4])
def test_the_later_views_give_the_same_mask_where_it_is_decided(views, monkeypatch):
    light = scratched_light()
    seen = []
    real = engine._probability_of_view

    def counting(x):
        seen.append(x.size)
        return real(x)

    full = engine.probability(light, views=views)
    monkeypatch.setattr(engine, "_probability_of_view", counting)
    fast = engine.probability(light, views=views, threshold=engine.THRESHOLD)
    t = engine.THRESHOLD
    assert (full >= t).any()                                           # the scratch is found ...
    assert np.array_equal(full >= t, fast >= t)                        # ... and the decision is the same
    kept = fast >= t
    np.testing.assert_allclose(fast[kept], full[kept], atol=1e-6)     # exact values where it counts
    assert seen[0] == light.size and sum(seen[1:]) < 0.75 * (views - 1) * light.size    # less work after view 1


def test_boxes_cover_what_is_asked_and_give_up_when_it_is_everywhere():
    where = np.zeros((300, 500), bool)
    where[10, 20] = where[250, 480] = True
    boxes = engine._boxes(where)
    cover = np.zeros_like(where)
    for y0, y1, x0, x1 in boxes:
        assert y0 % engine.BLOCK == 0 and x0 % engine.BLOCK == 0
        cover[y0:y1, x0:x1] = True
    assert cover[where].all() and cover.mean() < 0.1
    assert engine._boxes(np.ones((300, 500), bool)) is None           # everywhere: the whole view is cheaper
