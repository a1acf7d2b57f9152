"""core.figures (what the pages show) and core.images' helpers, without a browser."""

from __future__ import annotations

import base64
import io
import zipfile

import numpy as np
import pytest
from PIL import Image

from core import images, lab
from core.figures import channels, charts, export, samples, tables


@pytest.fixture(scope="module")
def coffee():
    return samples.load_sample("coffee", 96)


def test_samples_ship_with_scikit_image_and_are_shrunk():
    for s in samples.SAMPLES:
        rgb = samples.load_sample(s.name, 64)
        assert rgb.dtype == np.uint8 and rgb.ndim == 3 and rgb.shape[2] == 3
        assert max(rgb.shape[:2]) == 64
    with pytest.raises(ValueError):
        samples.load_sample("retina")


def test_fit_within_never_enlarges(coffee):
    assert images.fit_within(coffee, 1000) is coffee
    small = images.fit_within(coffee, 48)
    assert max(small.shape[:2]) == 48 and small.shape[2] == 3


def test_image_key_depends_on_content_and_shape(coffee):
    assert images.image_key(coffee) == images.image_key(coffee.copy())
    changed = coffee.copy()
    changed[0, 0, 0] ^= 1
    assert images.image_key(changed) != images.image_key(coffee)
    assert images.image_key(coffee.reshape(coffee.shape[1], coffee.shape[0], 3)) != images.image_key(coffee)


def test_desaturate_keeps_lightness(coffee):
    grey = lab.to_grey_rgb(coffee)
    assert np.abs(grey[..., 0].astype(int) - grey[..., 2]).max() <= 1
    assert np.abs(lab.lightness(grey) - lab.lightness(coffee)).mean() < 1.0


def test_channel_colour_maps_have_meaningful_directions():
    a = np.array([[-60.0, 0.0, 60.0]], np.float32)
    img = channels.a_image(a).astype(int)
    green, neutral, red = img[0]
    assert green[1] > green[0] and red[0] > red[1]                 # negative a green, positive a red
    assert max(neutral) - min(neutral) <= 2                        # zero is neutral grey
    img = channels.b_image(a).astype(int)
    blue, neutral, yellow = img[0]
    assert blue[2] > blue[0] and yellow[0] > yellow[2] and yellow[1] > yellow[2]
    assert max(neutral) - min(neutral) <= 2


def test_channel_images_and_legends(coffee):
    ch = channels.channel_images(coffee)
    assert set(ch) == {"L", "a", "b"}
    for img in ch.values():
        assert img.shape == coffee.shape and img.dtype == np.uint8
    L = ch["L"]
    assert (L[..., 0] == L[..., 1]).all()
    for c in "Lab":
        leg = channels.channel_legend(c, 100, 10)
        assert leg.shape == (10, 100, 3)
    assert channels.channel_legend("L")[0, 0].tolist() == [0, 0, 0]
    assert channels.channel_legend("L")[0, -1].tolist() == [255, 255, 255]
    with pytest.raises(ValueError):
        channels.channel_legend("x")


def test_grey_has_no_colour_in_a_b(coffee):
    grey = lab.to_grey_rgb(coffee)
    stats = channels.ab_stats(grey)
    assert stats["mean_chroma"] < 1.0
    assert stats["ab_coverage"] <= 2 / 22 ** 2 + 1e-9
    assert channels.ab_stats(coffee)["mean_chroma"] > 5


def test_ab_density_sums_to_one(coffee):
    dens, centres = channels.ab_density(coffee, bins=20)
    assert dens.shape == (20, 20) and centres.shape == (20,)
    assert dens.sum() == pytest.approx(1.0)


def test_plotly_figures(coffee):
    grey = lab.to_grey_rgb(coffee)
    fig = charts.ab_histogram_figure({"Original": coffee, "Grey": grey})
    assert len(fig.data) == 4
    grey_a = [t for t in fig.data if t.name == "Grey"][0]
    assert max(grey_a.y) > 90                                      # all grey pixels at a = 0
    fig = charts.ab_density_figure({"Original": coffee, "Grey": grey, "Third": coffee})
    assert [t.type for t in fig.data] == ["heatmap"] * 3


def test_metric_rows_means_and_table(coffee):
    grey = lab.to_grey_rgb(coffee)
    rows = tables.metric_rows("p1", coffee, {"same": coffee, "grey": grey})
    rows += tables.metric_rows("p2", coffee, {"same": coffee, "grey": grey})
    assert rows[0]["psnr"] == float("inf") and rows[0]["mse"] == 0
    means = tables.mean_rows(rows)
    assert [m["model"] for m in means] == ["same", "grey"]
    assert means[0]["psnr"] == float("inf") and means[0]["ssim"] == pytest.approx(1.0)
    assert means[1]["delta_e2000"] == pytest.approx(rows[1]["delta_e2000"])
    table = tables.metrics_table(rows)
    assert set(table[0]) == {"photo", "model", "MSE", "PSNR (dB)", "SSIM", "ΔE2000", "Colourfulness ratio"}
    assert tables.format_metric("psnr", float("inf")).startswith("∞")
    assert tables.format_metric("ssim", float("nan")) == "n/a"
    fig = charts.metric_bar_figure(means, "psnr")
    assert "higher is better" in fig.layout.title.text
    assert "lower is better" in charts.metric_bar_figure(means, "delta_e2000").layout.title.text
    c_rows = tables.colourfulness_rows("p", {"grey": grey, "colour": coffee})
    assert c_rows[0]["colourfulness"] < 1 < c_rows[1]["colourfulness"]
    assert len(charts.colourfulness_figure(tables.mean_rows(c_rows, ("colourfulness",))).data) == 1


def test_big_photos_are_scored_on_a_shrunk_copy(coffee):
    big = lab.resize_rgb(coffee, coffee.shape[0] * 4, coffee.shape[1] * 4)
    grey = lab.to_grey_rgb(big)
    limit = coffee.shape[0] * coffee.shape[1] * 2
    assert tables.scored_shrunk(big, limit) and not tables.scored_shrunk(coffee, limit)
    small = tables.scoring_copy(big, limit)
    assert small.shape[0] * small.shape[1] <= limit
    rows = tables.metric_rows("big", big, {"grey": grey}, max_pixels=limit)
    full = tables.metric_rows("big", big, {"grey": grey}, max_pixels=10**9)
    assert rows[0]["delta_e2000"] == pytest.approx(full[0]["delta_e2000"], rel=0.1)


def test_stamp_only_touches_the_corner(coffee):
    big = images.fit_within(samples.load_sample("astronaut", 256), 256)
    stamped = export.stamp_label(big)
    assert stamped.shape == big.shape and stamped.dtype == np.uint8
    diff = np.abs(stamped.astype(int) - big).sum(axis=2) > 0
    ys, xs = np.nonzero(diff)
    assert len(ys) > 100
    assert ys.min() > big.shape[0] * 0.75 and xs.min() > big.shape[1] * 0.4
    assert (stamped[diff].mean(axis=0) < big[diff].mean(axis=0) + 80).all()
    tiny = export.stamp_label(np.zeros((5, 7, 3), np.uint8))         # never fails on tiny images
    assert tiny.shape == (5, 7, 3)


def test_png_zip_and_data_uri(coffee):
    png = export.png_bytes(coffee)
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(png)).convert("RGB")), coffee)
    assert export.png_bytes(coffee, stamp=True) != png
    data = export.build_zip([("a.png", coffee), ("a.png", coffee), ("b", coffee)], readme="hello")
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.namelist() == ["a.png", "a_2.png", "b.png", "README.txt"]
        assert zf.read("README.txt") == b"hello"
        assert np.array_equal(np.asarray(Image.open(io.BytesIO(zf.read("b.png"))).convert("RGB")), coffee)
    uri = export.to_data_uri(coffee, max_side=40)
    head, b64 = uri.split(",", 1)
    assert head == "data:image/jpeg;base64"
    assert max(Image.open(io.BytesIO(base64.b64decode(b64))).size) == 40
    assert export.to_data_uri(coffee, fmt="PNG").startswith("data:image/png;base64,")


def test_file_names_are_safe():
    assert export.result_filename("../../etc/My Photo (1).JPG", "autoencoder", 16) == "My_Photo_1_autoencoder_rf16.png"
    assert export.result_filename("", "eccv16", 8) == "photo_eccv16_rf8.png"
    assert export.result_filename("a.png", "eccv16", 8, repaired=True) == "a_eccv16_rf8_repaired.png"
    assert export.result_filename("a.png", "autoencoder", None, guided=True) == "a_autoencoder_guided.png"
    assert export.result_filename("a", "autoencoder", None, True, guided=True) == "a_autoencoder_guided_repaired.png"
    assert export.safe_stem("C:\\Users\\kid\\dog.png") == "dog"


def test_render_preview_is_the_render_size(coffee):
    prev = channels.render_preview(coffee, 4, 8)
    assert max(prev.shape[:2]) == 64
