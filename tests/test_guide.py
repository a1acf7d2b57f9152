"""core.guide: hints spread edge-aware, reference transfer, vibrance, the hints file, and their contracts
(L never changes, same size, deterministic, thread-safe, friendly errors)."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from core import colorize, gamut, guide, lab
from core.guide import Hint, HintError, ReferencePhotoError
from core.metrics import colorfulness, delta_e2000

RED, BLUE = (200, 30, 30), (30, 60, 200)


def two_halves(h: int = 40, w: int = 60) -> np.ndarray:
    """A grey picture: a dark left half and a bright right half (one strong edge), with a little noise."""
    rng = np.random.default_rng(0)
    L = np.where(np.arange(w)[None, :] < w // 2, 35.0, 75.0) + rng.normal(0, 0.5, (h, w))
    return lab.join_l_ab(np.broadcast_to(L, (h, w)).astype(np.float32), np.zeros((h, w, 2), np.float32))


def ab_of(rgb: np.ndarray) -> np.ndarray:
    return lab.rgb_to_lab(rgb)[..., 1:]


def hue_matches(rgb: np.ndarray, colour, where) -> bool:
    """The mean ab over ``where`` points the same way as the colour's ab."""
    want = ab_of(np.array([[colour]], np.uint8))[0, 0]
    got = ab_of(rgb)[where].reshape(-1, 2).mean(0)
    return float(np.dot(want, got) / (np.linalg.norm(want) * np.linalg.norm(got) + 1e-9)) > 0.95


def assert_same_lightness(a: np.ndarray, b: np.ndarray, tol: float = 0.6) -> None:
    assert np.abs(lab.lightness(a) - lab.lightness(b)).max() <= tol


# --------------------------------------------------------------------------- hints


def test_hints_fill_regions_and_stop_at_edges():
    grey = two_halves()
    out = guide.apply_hints(grey, [(10, 20, RED, 2), (50, 20, BLUE, 2)])
    assert out.shape == grey.shape and out.dtype == np.uint8
    assert_same_lightness(out, grey)
    assert hue_matches(out, RED, (slice(None), slice(0, 28)))       # the whole left half is red ...
    assert hue_matches(out, BLUE, (slice(None), slice(32, None)))   # ... and the right half blue


def test_over_a_base_a_hint_corrects_its_region_only():
    grey = two_halves()
    base = guide.apply_hints(grey, [(30, 20, (120, 140, 90), 40)])   # a greenish "automatic result"
    out = guide.apply_hints(grey, [(8, 20, RED, 2)], base=base)
    assert_same_lightness(out, grey)
    assert hue_matches(out, RED, (slice(12, 28), slice(2, 16)))           # around the click
    right = (slice(None), slice(34, None))
    assert np.abs(ab_of(out)[right] - ab_of(base)[right]).mean() < 2.0     # the other side keeps the base


def textured(inside: np.ndarray, dark: float = 45.0, bright: float = 57.0) -> np.ndarray:
    """A "base" photo: L ``dark`` where ``inside``, ``bright`` elsewhere (a moderate edge, 12 L), with
    noise of 2 L (texture), all of one muted orange."""
    rng = np.random.default_rng(1)
    L = np.where(inside, dark, bright) + rng.normal(0, 2.0, inside.shape)
    return lab.join_l_ab(L.astype(np.float32), np.broadcast_to(np.float32([8.0, 20.0]), inside.shape + (2,)))


def changes(inside: np.ndarray, click, colour=(40, 80, 220)):
    """ΔE2000 of one click over the base ``textured(inside)``: (outside, more than 4 px away; deep inside)."""
    import cv2
    from skimage.color import deltaE_ciede2000

    base = textured(inside)
    out = guide.apply_hints(lab.to_grey_rgb(base), [(*click, colour, 2)], base=base)
    d = deltaE_ciede2000(lab.rgb_to_lab(base), lab.rgb_to_lab(out))
    far = cv2.distanceTransform((~inside).astype(np.uint8), cv2.DIST_L2, 3) > 4
    deep = cv2.distanceTransform(inside.astype(np.uint8), cv2.DIST_L2, 3) > 3
    return d[far], d[deep], out, base


@pytest.mark.parametrize("shape", ["half", "small disk"])
def test_a_hint_stays_in_its_region_past_a_moderate_edge(shape):
    # issue 24: a red hint on a vest turned the road red. Before the fix, 16 % (half) and 90 % (a disk of
    # radius 14 inside a 96 x 128 photo) of the other region changed by more than 5 ΔE2000
    yy, xx = np.mgrid[:96, :128]
    inside = xx < 64 if shape == "half" else (yy - 48) ** 2 + (xx - 64) ** 2 < 14 ** 2
    outside, _, _, _ = changes(inside, (20, 48) if shape == "half" else (64, 48))
    assert outside.mean() < 1.0
    assert (outside > 5.0).mean() < 0.02


def test_a_hint_still_fills_the_whole_of_its_own_region():
    yy, xx = np.mgrid[:96, :128]
    inside = xx < 64
    _, deep, out, base = changes(inside, (32, 48))                    # a click in the middle of the region
    hint_ab = ab_of(np.array([[(40, 80, 220)]], np.uint8))[0, 0]
    start, got = ab_of(base)[(xx < 61)], ab_of(out)[(xx < 61)]
    way = hint_ab - start
    moved = ((got - start) * way).sum(1) / (way * way).sum(1)
    assert moved.min() > 0.5                  # every pixel went at least half-way (before the fix: 93 % of them)
    assert deep.min() > 20.0


def test_strokes_points_and_every_form_of_hint_agree():
    grey = two_halves()
    a = guide.apply_hints(grey, [Hint(((10.0, 20.0),), RED, 2.0)])
    b = guide.apply_hints(grey, [{"x": 10, "y": 20, "color": "#c81e1e", "radius": 2}])
    c = guide.apply_hints(grey, [(10, 20, RED, 2)])
    d = guide.apply_hints(grey, [([(10, 20)], RED, 2)])
    assert np.array_equal(a, b) and np.array_equal(a, c) and np.array_equal(a, d)
    stroke = guide.apply_hints(grey, [([(5, 5), (12, 30), (20, 35)], RED, 2)])
    assert hue_matches(stroke, RED, (slice(None), slice(0, 28)))


def test_deterministic_and_thread_safe(photos):
    grey = lab.to_grey_rgb(photos["coffee"])
    base = colorize(grey, model="grayscale")
    hints = guide.sample_hints(photos["coffee"], 12, seed=3)
    reference = photos["chelsea"]
    first = guide.guide(grey, base, hints=hints, reference=reference, vibrance=1.4)
    with ThreadPoolExecutor(4) as pool:
        outs = list(pool.map(lambda _: guide.guide(grey, base, hints=hints, reference=reference, vibrance=1.4),
                             range(8)))
    assert all(np.array_equal(first, o) for o in outs)


def test_ground_truth_hints_bring_the_colours_closer(photos):
    ref = photos["astronaut"]
    grey = lab.to_grey_rgb(ref)
    base = colorize(grey, model="grayscale")
    before = delta_e2000(ref, base)
    after10 = delta_e2000(ref, guide.apply_hints(grey, guide.sample_hints(ref, 10, seed=0), base=base))
    after50 = delta_e2000(ref, guide.apply_hints(grey, guide.sample_hints(ref, 50, seed=0), base=base))
    assert after50 < after10 < 0.9 * before


def test_any_model_can_be_the_base(photos, autoencoder):
    ref = photos["coffee"]
    grey = lab.to_grey_rgb(ref)
    hints = guide.sample_hints(ref, 10, seed=1)
    for base in (autoencoder.colorize(grey), colorize(grey, model="grayscale")):
        out = guide.apply_hints(grey, hints, base=base)
        assert out.shape == grey.shape
        assert_same_lightness(out, grey)


def test_a_hint_keeps_its_colour_where_it_is():
    grey = two_halves()
    out = guide.apply_hints(grey, [(45, 20, BLUE, 3)], base=guide.apply_hints(grey, [(10, 10, RED, 2)]))
    assert hue_matches(out, BLUE, (slice(20, 21), slice(45, 46)))     # its own hue, at the photo's lightness:
    assert_same_lightness(out, grey)                                   # as vivid as sRGB allows there


@pytest.mark.parametrize("hint,words", [
    ((60, 10, RED, 2), "outside the photo"),
    ((-3, 10, RED, 2), "outside the photo"),
    ((10, 10, (300, 0, 0), 2), "0 to 255"),
    ((10, 10, "#12345g", 2), "not a colour"),
    ((10, float("nan"), RED, 2), "must be a number"),
    ((10, 10, RED, -1), "radius"),
    ("red at 10, 10", "write a hint as"),
    ({"x": 1, "color": "#fff"}, "needs \"x\" and \"y\""),
    ({"points": [], "color": "#fff"}, "non-empty"),
])
def test_bad_hints_are_refused_with_a_plain_message(hint, words):
    with pytest.raises(HintError, match="hint 1") as e:
        guide.apply_hints(two_halves(), [hint])
    assert words in str(e.value)


def test_no_hints_over_a_base_is_the_base_and_from_grey_is_grey():
    grey = two_halves()
    base = guide.apply_hints(grey, [(10, 20, RED, 2)])
    same = guide.apply_hints(grey, [], base=base)
    assert np.abs(same.astype(int) - base).max() <= 2                 # the base, joined again with the L
    assert np.array_equal(guide.apply_hints(grey, []), grey)


# --------------------------------------------------------------------------- the hints file


def test_hints_file_round_trip_and_rescaling():
    hints = [(10, 20, RED, 2), ([(5, 5), (12, 30)], "#1e3cc8", 4)]
    text = guide.hints_to_json(hints, 60, 40)
    doc = json.loads(text)
    assert doc["format"] == "colorization-studio-hints" and doc["width"] == 60 and doc["height"] == 40
    back = guide.hints_from_json(text, 60, 40)
    assert back[0] == Hint(((10.0, 20.0),), RED, 2.0)
    assert back[1].points == ((5.0, 5.0), (12.0, 30.0)) and back[1].hex == "#1e3cc8"
    double = guide.hints_from_json(text.encode(), 120, 80)            # the same photo, twice the size
    assert double[0].points == ((20.0, 40.0),) and double[0].radius == pytest.approx(4.0)
    assert guide.hints_from_json(json.dumps([{"x": 1, "y": 2, "color": [1, 2, 3]}]), 60, 40)[0].radius == 3


@pytest.mark.parametrize("text,words", [
    (b"{\"hints\": [ {\"x\": 1,", "not valid JSON"),
    (b"\xff\xfe\x00garbage", "not text"),
    (b"{\"points\": []}", "no \"hints\""),
    (b"{\"hints\": 5}", "must be a list"),
    (b"{\"format\": \"something-else\", \"hints\": []}", "format"),
    (b"{\"version\": 9, \"hints\": []}", "version 9"),
    (b"{\"width\": 60, \"height\": 60, \"hints\": []}", "another shape"),
    (b"[{\"x\": 600, \"y\": 2, \"color\": \"#fff\"}]", "outside the photo"),
    (b"[" + b"{\"x\": 1, \"y\": 2, \"color\": \"#fff\"}," * 2000 + b"{\"x\": 1, \"y\": 2, \"color\": \"#fff\"}]",
     "too many hints"),
    (b"[" * 100000 + b"]" * 100000, "not valid JSON"),
    (b" " * (3 * 2**20), "too large"),
])
def test_bad_hints_files_get_a_plain_message(text, words):
    with pytest.raises(HintError) as e:
        guide.hints_from_json(text, 60, 40)
    assert words in str(e.value)


def test_sample_hints_are_reproducible(photos):
    a = guide.sample_hints(photos["coffee"], 5, seed=7)
    assert a == guide.sample_hints(photos["coffee"], 5, seed=7) != guide.sample_hints(photos["coffee"], 5, seed=8)
    x, y = a[0].points[0]
    assert np.abs(np.array(a[0].color) - photos["coffee"][int(y), int(x)].astype(int)).max() < 60


# --------------------------------------------------------------------------- reference


def test_transfer_with_the_own_original_beats_grey(photos):
    ref = photos["coffee"]
    grey = lab.to_grey_rgb(ref)
    out = guide.transfer(grey, ref)
    assert out.shape == grey.shape
    assert_same_lightness(out, grey)
    assert delta_e2000(ref, out) < 0.8 * delta_e2000(ref, grey)


def test_transfer_over_a_base_blends_with_it(photos):
    ref = photos["chelsea"]
    grey = lab.to_grey_rgb(ref)
    base = guide.apply_hints(grey, guide.sample_hints(ref, 5, seed=0))
    none = guide.transfer(grey, photos["coffee"], base=base, strength=0.0)
    assert np.abs(ab_of(none) - ab_of(base)).max() < 1.5              # strength 0 = the base
    full = guide.transfer(grey, photos["coffee"], base=base, strength=1.0)
    half = guide.transfer(grey, photos["coffee"], base=base)
    d_half, d_full = (np.abs(ab_of(x) - ab_of(base)).mean() for x in (half, full))
    assert 0 < d_half < d_full
    with pytest.raises(ValueError, match="strength"):
        guide.transfer(grey, photos["coffee"], base=base, strength=2)


def test_a_reference_without_colour_is_refused(photos):
    grey = lab.to_grey_rgb(photos["coffee"])
    with pytest.raises(ReferencePhotoError, match="no colour"):
        guide.transfer(grey, grey)
    with pytest.raises(ReferencePhotoError, match="too small"):
        guide.transfer(grey, photos["coffee"][:4, :4])
    with pytest.raises(ValueError, match="RGB image"):
        guide.transfer(grey, np.zeros((10, 10), np.uint8))


def test_load_reference_from_bytes(photos):
    from core import ImageError
    from core.images import encode_png

    assert guide.load_reference(encode_png(photos["coffee"])).shape == photos["coffee"].shape
    with pytest.raises(ImageError):
        guide.load_reference(b"this is not a picture")
    with pytest.raises(ReferencePhotoError):
        guide.load_reference(encode_png(lab.to_grey_rgb(photos["coffee"])))


# --------------------------------------------------------------------------- vibrance


def test_vibrance_scale(photos):
    rgb = photos["coffee"]
    assert np.array_equal(guide.vibrance(rgb, 1), rgb)
    grey = guide.vibrance(rgb, 0)
    assert np.array_equal(grey[..., 0], grey[..., 1]) and np.array_equal(grey[..., 1], grey[..., 2])
    c = [colorfulness(guide.vibrance(rgb, a)) for a in (0.5, 1.0, 1.5, 2.0)]
    assert c == sorted(c) and c[0] < colorfulness(rgb) < c[-1]
    for a in (0, 0.5, 1.5, 2):
        assert_same_lightness(guide.vibrance(rgb, a), rgb)     # L fixed, so nothing was clipped


def test_vibrance_boosts_muted_colours_more():
    L = np.full((1, 2), 60.0, np.float32)
    ab = np.array([[[8.0, 8.0], [40.0, 40.0]]], np.float32)      # a muted and a vivid orange
    rgb = lab.join_l_ab(L, ab)
    before = np.hypot(*ab_of(rgb)[0].T)
    after = np.hypot(*ab_of(guide.vibrance(rgb, 1.8))[0].T)
    gains = after / before
    assert gains[0] > gains[1] > 1.0


@pytest.mark.parametrize("amount", [-0.1, 2.5, float("nan"), "lots"])
def test_vibrance_out_of_range(amount, photos):
    with pytest.raises(ValueError, match="vibrance"):
        guide.vibrance(photos["coffee"], amount)


def test_fit_to_gamut_keeps_lightness_and_hue():
    rng = np.random.default_rng(0)
    L = rng.uniform(0, 100, (50, 50)).astype(np.float32)
    mid = (L > 10) & (L < 90)
    ab = rng.uniform(-120, 120, (50, 50, 2)).astype(np.float32)
    fitted = gamut.fit_ab_to_gamut(L, ab)
    back = lab.rgb_to_lab(lab.join_l_ab(L, fitted))
    assert np.abs(back[..., 0] - L).max() < 0.6
    moved = np.hypot(*(fitted - ab).reshape(-1, 2).T) > 1e-6
    cross = fitted[..., 0] * ab[..., 1] - fitted[..., 1] * ab[..., 0]          # same direction (hue)
    assert np.abs(cross).max() < 1e-2 * np.abs(ab).max() ** 2
    inside = gamut.fit_ab_to_gamut(L, ab * 0.05)
    assert np.array_equal(inside[mid], (ab * 0.05)[mid])                        # inside sRGB: untouched
    assert moved.mean() > 0.5


def test_large_photos_are_guided_on_a_smaller_copy(monkeypatch, photos):
    ref = photos["coffee"]
    grey = lab.to_grey_rgb(ref)
    hints = guide.sample_hints(ref, 10, seed=0, radius=3)
    full = guide.apply_hints(grey, hints)
    monkeypatch.setattr(guide, "WORK_PIXELS", grey.shape[0] * grey.shape[1] // 4)
    small = guide.apply_hints(grey, hints)
    assert small.shape == grey.shape
    assert_same_lightness(small, grey)                          # the full-size L is kept
    assert abs(delta_e2000(ref, small) - delta_e2000(ref, full)) < 1.5


def _point(**over):
    return {"x": 1, "y": 2, "color": "#ff0000", **over}


HUGE = "9" * 5000
MALFORMED_HINTS = {
    "a 5000-digit int": '[{"x": ' + HUGE + ', "y": 2, "color": "#ff0000"}]',
    "a 400-digit int": json.dumps([_point(x=10 ** 400)]),
    "a 400-digit radius": json.dumps([_point(radius=10 ** 400)]),
    "a 400-digit colour": json.dumps([_point(color=[10 ** 400, 0, 0])]),
    "a 400-digit width": json.dumps({"width": 10 ** 400, "height": 40, "hints": []}),
    "a 400-digit version": json.dumps({"version": 10 ** 400, "hints": []}),
    "a bool version": json.dumps({"version": True, "hints": []}),
    "a list version": json.dumps({"version": [1], "hints": []}),
    "NaN": '[{"x": NaN, "y": 2, "color": "#ff0000"}]',
    "Infinity": '[{"x": 1, "y": -Infinity, "color": "#ff0000"}]',
    "1e999": '[{"x": 1e999, "y": 2, "color": "#ff0000"}]',
    "NaN radius": '[{"x": 1, "y": 2, "color": "#ff0000", "radius": NaN}]',
    "NaN width": '{"width": NaN, "height": 40, "hints": []}',
    "NaN in a colour": '[{"x": 1, "y": 2, "color": [NaN, 0, 0]}]',
    "a bool x": json.dumps([_point(x=True)]),
    "a bool colour": json.dumps([_point(color=[True, False, True])]),
    "a string x": json.dumps([_point(x="1")]),
    "a null colour": json.dumps([_point(color=None)]),
    "a dict colour": json.dumps([_point(color={"r": 1})]),
    "a number colour": json.dumps([_point(color=255)]),
    "a list format": json.dumps({"format": ["x"] * 10000, "hints": []}),
    "a dict as a point": json.dumps([{"points": [{"x": 1}], "color": "#fff"}]),
    "a point of three": json.dumps([{"points": [[1, 2, 3]], "color": "#fff"}]),
    "points not a list": json.dumps([{"points": "abc", "color": "#fff"}]),
    "100k points": json.dumps([{"points": [[1, 2]] * 100_000, "color": "#fff"}]),
    "100k hints": json.dumps([_point()] * 100_000),
    "nested junk": json.dumps([[[[[[["x"]]]]]]]),
    "a hint that is a string": json.dumps(["x, y, red"]),
    "a hint that is null": json.dumps([None]),
    "a top-level number": "5",
    "a top-level string": '"hints"',
    "a top-level null": "null",
    "hints null": json.dumps({"hints": None}),
    "a huge string colour": json.dumps([_point(color="#" + "f" * 100_000)]),
}


@pytest.mark.parametrize("name", list(MALFORMED_HINTS))
def test_every_malformed_value_is_a_hint_error_with_a_short_message(name):
    """Issue 24, defect 2: no other exception, for the file alone and for a photo; a message a person can read."""
    text = MALFORMED_HINTS[name]
    for args in ((), (60, 40)):
        for doc in (text, text.encode()):
            with pytest.raises(HintError) as e:
                guide.hints_from_json(doc, *args)
            msg = str(e.value)
            assert 10 < len(msg) < 400, msg


def test_hints_from_json_wants_text():
    for junk in (None, 5, [1, 2], {"hints": []}):
        with pytest.raises(HintError, match="not a hints file"):
            guide.hints_from_json(junk)
