"""Where is the model unsure? core.guide.uncertainty / suggest, the CLI's --suggest / --uncertainty, and the
batch manifest's uncertainty column with --review (issue 23). Small photos from skimage.data."""

from __future__ import annotations

import csv
import threading

import numpy as np
import pytest
from PIL import Image

from core import guide, lab
from core.lab import to_grey_rgb


@pytest.fixture(autouse=True)
def _model(use_autoencoder):
    """Every test here uses the shipped autoencoder (or the tiny stand-in on a clone without it)."""


def _big(rgb, width, height):
    import cv2

    return cv2.resize(rgb, (width, height), interpolation=cv2.INTER_LINEAR)


def test_uncertainty_is_a_map_of_the_photo_in_0_1_deterministic_and_from_lightness_only(photos):
    rgb = photos["astronaut"]
    u = guide.uncertainty(rgb)
    assert u.shape == rgb.shape[:2] and u.dtype == np.float32
    assert 0.0 <= u.min() and u.max() <= 1.0 and u.max() > u.min()
    assert np.array_equal(u, guide.uncertainty(rgb))
    assert np.abs(u - guide.uncertainty(to_grey_rgb(rgb))).max() < 0.02   # only L counts (grey rounds L a little)
    score = guide.uncertainty_score(u)
    assert score == pytest.approx(float(u.mean()), abs=1e-6) and 0.0 < score < 1.0
    with pytest.raises(ValueError):
        guide.uncertainty(np.zeros((4, 4, 3), np.float32))
    with pytest.raises(ValueError):
        guide.uncertainty(rgb, render_factor=1000)


def test_the_models_distribution_sums_to_one_over_its_bins(photos):
    from core.colorizers import available_models, get_colorizer

    col = get_colorizer("autoencoder")
    probs, centres = col.distribution_for_lightness(lab.lightness(photos["coffee"]))
    assert probs.ndim == 3 and centres.shape == (probs.shape[-1], 2) and probs.shape[-1] > 100
    assert np.allclose(probs.sum(-1), 1.0, atol=1e-3) and probs.min() >= 0.0
    facts = available_models()
    assert facts["autoencoder"].has_distribution and facts["eccv16"].has_distribution
    assert not facts["grayscale"].has_distribution


def test_grayscale_has_no_distribution_and_says_so(photos):
    with pytest.raises(guide.NoDistribution, match="autoencoder") as e:
        guide.uncertainty(photos["coffee"], model="grayscale")
    assert isinstance(e.value, ValueError)
    with pytest.raises(guide.NoDistribution):
        guide.suggest(photos["coffee"], model="grayscale")
    with pytest.raises(ValueError, match="unknown model"):
        guide.uncertainty(photos["coffee"], model="nope")


def test_eccv16_has_a_distribution_too(small_eccv16_home, photos):
    u = guide.uncertainty(photos["chelsea"], model="eccv16")
    assert u.shape == photos["chelsea"].shape[:2] and 0.0 <= u.min() and u.max() <= 1.0
    assert len(guide.suggest(photos["chelsea"], model="eccv16", k=2)) >= 1


def _lab_of(colour):
    return lab.rgb_to_lab(np.array([[colour]], np.uint8))[0, 0]


def test_suggestions_respect_k_are_distinct_places_with_distinct_in_gamut_colours(photos):
    from skimage.color import deltaE_ciede2000

    rgb = photos["astronaut"]
    h, w = rgb.shape[:2]
    L = lab.lightness(rgb)
    one = guide.suggest(rgb, k=1)
    assert len(one) == 1
    sug = guide.suggest(rgb, k=3)
    assert len(sug) == 3
    assert sug == guide.suggest(rgb, k=3)                             # deterministic
    assert sug[0] == one[0]                                           # greedy: the best comes first
    assert len({(s.x, s.y) for s in sug}) == 3
    assert sug[0].score >= sug[1].score >= sug[2].score > 0
    for s in sug:
        assert 0 <= s.x < w and 0 <= s.y < h
        assert s.region.shape == (h, w) and s.region.dtype == bool and s.region[s.y, s.x]
        assert isinstance(s.reason, str) and s.reason.startswith("the model")
        assert len(s.candidates) >= 3 and len(s.hexes) == len(s.candidates)
        labs = np.array([_lab_of(c) for c in s.candidates])
        # the same lightness for all (that of the region): in gamut, nothing clipped per channel
        region_l = float(np.median(L[s.region]))
        assert np.all(np.abs(labs[:, 0] - region_l) < 4.0), (labs[:, 0], region_l)
        same_l = labs.copy()
        same_l[:, 0] = 60.0
        for i in range(len(labs)):
            for j in range(i):
                assert deltaE_ciede2000(same_l[i], same_l[j]) > 8.0, s.hexes      # not shades of one colour
        assert sum(s.probabilities) <= 1.0 + 1e-6 and s.probabilities[0] == max(s.probabilities)
    # the regions of different suggestions mostly differ (the greedy pick discounts what is covered)
    assert (sug[0].region & sug[1].region).sum() < 0.5 * min(sug[0].region.sum(), sug[1].region.sum())
    assert guide.suggest(rgb, k=2, regions=False)[0].region is None
    for bad in (0, -1, 21, 2.5, True):
        with pytest.raises(ValueError):
            guide.suggest(rgb, k=bad)


def test_a_large_photo_is_read_on_a_smaller_copy(photos):
    big = _big(to_grey_rgb(photos["coffee"]), 2400, 1800)                 # 4.3 MP: over WORK_PIXELS
    u = guide.uncertainty(big)
    assert u.shape == (1800, 2400) and u.dtype == np.float32
    small = guide.uncertainty(_big(big, 600, 450))
    assert abs(guide.uncertainty_score(u) - guide.uncertainty_score(small)) < 0.03
    sug = guide.suggest(big, k=2)
    assert sug and all(0 <= s.x < 2400 and 0 <= s.y < 1800 and s.region.shape == (1800, 2400) for s in sug)


def test_threads_get_the_results_of_a_single_thread(photos):
    names = list(photos)
    want = {n: (guide.uncertainty(photos[n]), guide.suggest(photos[n], k=2, regions=False)) for n in names}
    got, errors = {}, []

    def work(n):
        try:
            got[n] = (guide.uncertainty(photos[n]), guide.suggest(photos[n], k=2, regions=False))
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=work, args=(n,)) for n in names * 2]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for n in names:
        assert np.array_equal(got[n][0], want[n][0]) and got[n][1] == want[n][1]


def test_colormap_is_perceptually_ordered_and_fixed():
    ramp = np.linspace(0, 1, 64, dtype=np.float32)[None].repeat(3, 0)
    img = guide.uncertainty_colormap(ramp)
    assert img.shape == (3, 64, 3) and img.dtype == np.uint8
    lightness = lab.rgb_to_lab(img)[0, :, 0]
    assert np.all(np.diff(lightness) > -0.5) and lightness[-1] - lightness[0] > 50     # dark = sure, light = unsure
    legend = guide.colormap_legend(5)
    assert [v for v, _ in legend] == [0.0, 0.25, 0.5, 0.75, 1.0] and all(c.startswith("#") for _, c in legend)
    assert np.array_equal(guide.uncertainty_colormap(np.zeros((2, 2), np.float32))[0, 0], img[0, 0])
    with pytest.raises(ValueError):
        guide.uncertainty_colormap(np.zeros((2, 2, 3)))


def _hue(rgb):
    ab = lab.rgb_to_lab(rgb)[..., 1:]
    return np.degrees(np.arctan2(ab[..., 1], ab[..., 0]))


@pytest.mark.parametrize("where", ["core", "ui"])
def test_the_overlay_shows_only_the_legends_colours_whatever_the_photos_colours(where):
    """Issue 34: blended over the coloured photo, dark purple over a warm white cloud showed pink, a colour
    the legend does not have. Over any photo, each pixel's hue is the legend's hue at that value."""
    patches = [(250, 238, 225), (220, 30, 30), (30, 60, 220), (40, 170, 60), (240, 220, 40), (128, 128, 128)]
    photo = np.concatenate([np.full((12, 40, 3), c, np.uint8) for c in patches])          # 72 x 40
    u = np.broadcast_to(np.linspace(0, 1, 40, dtype=np.float32), (72, 40)).copy()
    if where == "core":
        out = guide.uncertainty_overlay(photo, u)
    else:
        from ui import uncertainty as ui_uncertainty

        out = ui_uncertainty.overlay(photo, u, None, 72)
    assert out.shape == photo.shape and out.dtype == np.uint8
    legend = guide.uncertainty_colormap(u)
    diff = np.abs((_hue(out) - _hue(legend) + 180) % 360 - 180)
    assert diff.max() < 12, diff.max()      # (blending with a grey in sRGB turns a hue by up to 10 degrees)
    # and the photo still shows through: its lightness changes the overlay
    assert np.abs(lab.lightness(out)[:12] - lab.lightness(out)[12:24]).mean() > 5


def test_cli_suggest_prints_points_candidates_and_reasons_and_writes_the_map(tmp_path, photos, capsys):
    from core.cli.colorize import main

    src = tmp_path / "photo.png"
    Image.fromarray(to_grey_rgb(photos["chelsea"])).save(src)
    out_png = tmp_path / "maps" / "photo_u.png"
    code = main([str(src), "--suggest", "3", "--uncertainty", str(out_png), "--out", str(tmp_path / "out")])
    assert code == 0
    text = capsys.readouterr().out
    lines = [ln for ln in text.splitlines() if ln.strip()[:2] in ("1.", "2.", "3.")]
    assert len(lines) == 3 and all(ln.count("#") >= 3 and "the model" in ln for ln in lines), text
    assert (tmp_path / "out" / "photo_autoencoder.png").is_file()
    with Image.open(out_png) as im:
        assert im.size == (photos["chelsea"].shape[1], photos["chelsea"].shape[0]) and im.mode == "RGB"
    assert main([str(src), "--suggest", "2", "--model", "grayscale", "--out", str(tmp_path / "g")]) == 2
    assert "distribution" in capsys.readouterr().err
    assert main([str(src), "--suggest", "99", "--out", str(tmp_path / "o")]) == 2


def test_batch_writes_the_uncertainty_column_and_review_lists_the_least_sure(tmp_path, photos, capsys):
    from core.batch import manifest, review, worker
    from core.batch.plan import Job, Settings
    from core.cli.batch import main

    src = tmp_path / "src"
    src.mkdir()
    for name, rgb in photos.items():
        Image.fromarray(to_grey_rgb(rgb)).save(src / f"{name}.png")
    dst = tmp_path / "dst"
    settings = Settings("autoencoder", 12)
    rows = []
    for name in photos:
        res = worker.colorize_file(Job(str(src / f"{name}.png"), f"{name}.png", f"{name}.png.png"), str(dst), settings)
        assert res["status"] == "done" and 0.0 < float(res["uncertainty"]) < 1.0
        u = guide.uncertainty(to_grey_rgb(photos[name]))
        assert float(res["uncertainty"]) == pytest.approx(guide.uncertainty_score(u), abs=1e-4)
        rows.append({"source": f"{name}.png", "output": f"{name}.png.png", "status": "done",
                     "uncertainty": res["uncertainty"]})
    rows.append({"source": "x.png", "output": "", "status": "failed", "uncertainty": ""})
    top = review.most_uncertain(rows, 2)
    assert [float(r["uncertainty"]) for r in top] == sorted((float(r["uncertainty"]) for r in rows[:3]),
                                                            reverse=True)[:2]
    # a manifest from before the column is read (uncertainty empty) and upgraded
    old = tmp_path / "old.csv"
    old.write_text(",".join(manifest.FIELDS[:10]) + "\na.png,a.png.png,done,grey,autoencoder,12,1,0.1,,no\n")
    assert manifest.read(old)[0]["uncertainty"] == ""
    with open(old, newline="") as fh:
        assert tuple(csv.DictReader(fh).fieldnames) == manifest.FIELDS
    # the CLI: a grayscale run has no scores and --review says so
    assert main([str(src), str(tmp_path / "g"), "--model", "grayscale", "--workers", "1", "--review", "2"]) == 0
    assert "no photo" in capsys.readouterr().out
    with open(tmp_path / "g" / manifest.NAME, newline="") as fh:
        got = list(csv.DictReader(fh))
    assert len(got) == 3 and all(r["uncertainty"] == "" for r in got)
    # a manifest with scores: --review lists them, the least sure first
    manifest.rewrite(tmp_path / "g" / manifest.NAME, [{**r, "uncertainty": f"{0.1 * (i + 1):.4f}"}
                                                       for i, r in enumerate(got)])
    lines = review.review_lines(tmp_path / "g", 2)
    assert len(lines) == 3 and "0.300" in lines[1] and "0.200" in lines[2]
