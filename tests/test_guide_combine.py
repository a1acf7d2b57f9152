"""core.guide: several hints combine (issue 34: a click on a building undid the blue of the water).

Each hint keeps its own region: a second hint of another colour in another region leaves the first region's
colour as it was, whatever the two regions' sizes.
"""

from __future__ import annotations

import numpy as np
import pytest

from core import guide, lab

WATER, BRICK = (0x78, 0x99, 0xB8), (0xB5, 0x52, 0x3B)      # the suggestion 1 and its brick red


def riverfront(h: int = 180, w: int = 240) -> tuple[np.ndarray, dict]:
    """A made-up riverfront: bright sky over the top half with one small dark building, mid-grey water
    below (a large region), a little texture everywhere; grey RGB and masks of the three regions (the
    sky's and the water's left part, where one click there reaches)."""
    rng = np.random.default_rng(3)
    L = np.full((h, w), 55.0)
    L[: h // 2] = 85.0
    L[30: h // 2, 150:180] = 35.0
    L += rng.normal(0, 1.5, (h, w))
    grey = lab.join_l_ab(L.astype(np.float32), np.zeros((h, w, 2), np.float32))
    masks = {name: np.zeros((h, w), bool) for name in ("sky", "building", "water")}
    masks["sky"][10: h // 2 - 4, 30:130] = True         # within a hint's reach of the clicks below
    masks["building"][36: h // 2 - 4, 155:175] = True
    masks["water"][h // 2 + 6:, :130] = True
    return grey, masks


def muted_base(grey: np.ndarray) -> np.ndarray:
    """An "automatic result": every pixel a muted beige at its own L."""
    L = lab.lightness(grey)
    return lab.join_l_ab(L, np.broadcast_to(np.float32([3.0, 10.0]), L.shape + (2,)))


@pytest.mark.parametrize("base", ["automatic", "grey"])
def test_a_second_hint_keeps_the_first_hints_region(base):
    grey, m = riverfront()
    start = muted_base(grey) if base == "automatic" else None
    water = (60.0, 150.0, WATER, 2.0)                     # a small click in the large region
    brick = (165.0, 60.0, BRICK, 2.0)                     # then a small click on the small building
    first = lab.rgb_to_lab(guide.apply_hints(grey, [water], base=start))[..., 1:]
    both = lab.rgb_to_lab(guide.apply_hints(grey, [water, brick], base=start))[..., 1:]
    want = lab.rgb_to_lab(np.array([[WATER, BRICK]], np.uint8))[0, :, 1:]
    # the water took the hint's blue (b well below the base's +10) and keeps it after the second hint
    assert first[m["water"]][:, 1].mean() < want[0, 1] + 4
    assert np.abs(both[m["water"]] - first[m["water"]]).mean() < 1.0
    # the building took the brick red
    assert np.abs(both[m["building"]].mean(0) - want[1]).max() < 6


def test_hints_in_any_order_give_each_region_its_colour():
    grey, m = riverfront()
    base = muted_base(grey)
    water, brick = (60.0, 150.0, WATER, 2.0), (165.0, 60.0, BRICK, 2.0)
    a = lab.rgb_to_lab(guide.apply_hints(grey, [water, brick], base=base))[..., 1:]
    b = lab.rgb_to_lab(guide.apply_hints(grey, [brick, water], base=base))[..., 1:]
    for region in ("water", "building"):
        assert np.abs(a[m[region]] - b[m[region]]).mean() < 0.5
    # the sky between them, across strong edges, keeps the automatic colour (no pink halo, no blue)
    sky_base = lab.rgb_to_lab(base)[..., 1:][m["sky"]]
    assert np.abs(a[m["sky"]] - sky_base).mean() < 1.0


def test_a_stroke_across_two_regions_fills_both():
    grey, m = riverfront()
    base = muted_base(grey)
    stroke = ([(100.0, 80.0), (100.0, 100.0)], WATER, 2.0)      # from the sky down into the water
    out = lab.rgb_to_lab(guide.apply_hints(grey, [stroke], base=base))[..., 1:]
    want_b = lab.rgb_to_lab(np.array([[WATER]], np.uint8))[0, 0, 2]
    for region in ("sky", "water"):
        assert out[m[region]][:, 1].mean() < want_b + 5, region


def test_a_hint_stops_at_a_thin_post_and_a_waterline():
    """Issue 34: the blue of the water ran past a wooden post and up into the shore. The guide's median
    filter (which lets colour through texture) wiped out lines 1-3 px thin; long ones stay edges now."""
    rng = np.random.default_rng(5)
    h, w = 120, 200
    L = 60.0 + rng.normal(0, 2.0, (h, w))
    L[:, 120:122] = 25.0                                  # a dark post, 2 px wide, from top to bottom
    L[40, :120] = 30.0                                    # a dark line, 1 px, left of it: shore above, water below
    grey = lab.join_l_ab(L.astype(np.float32), np.zeros((h, w, 2), np.float32))
    base = muted_base(grey)
    out = lab.rgb_to_lab(guide.apply_hints(grey, [(60.0, 80.0, WATER, 2.0)], base=base))[..., 1:]
    before = lab.rgb_to_lab(base)[..., 1:]
    want_b = lab.rgb_to_lab(np.array([[WATER]], np.uint8))[0, 0, 2]
    assert out[60:110, 20:110, 1].mean() < want_b + 4                       # the water took the blue
    for beyond in ((slice(10, 110), slice(130, 190)), (slice(2, 34), slice(20, 110))):   # past the post; the shore
        assert np.abs(out[beyond] - before[beyond]).mean() < 1.5, beyond
