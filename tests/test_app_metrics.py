"""The Metrics page: scores per model when there is a reference, colourfulness only otherwise."""

from __future__ import annotations

import math

import pytest
from app_util import (
    GREY_MODEL,
    OURS,
    assert_clean,
    encode,
    grey_of,
    open_page,
    photo,
    texts,
    upload,
    use_models,
)
from app_util import METRICS as METRICS_PAGE

from core.metrics import METRICS

BASELINE = "Grey input (no colour)"


pytestmark = pytest.mark.usefixtures("app_env")


def _float(s: str) -> float:
    return float(s.replace("∞ (identical)", "inf"))


def test_without_photos_it_offers_a_sample():
    at = open_page(METRICS_PAGE)
    assert "No photo yet" in texts(at.info)
    assert not at.metric


def test_scores_for_a_sample():
    at = open_page(METRICS_PAGE, sample=True)
    metrics = {m.label: _float(m.value) for m in at.metric}
    assert set(metrics) == {f"{OURS}: ΔE2000", f"{BASELINE}: ΔE2000"}
    assert 0 < metrics[f"{OURS}: ΔE2000"] < 60
    assert 0 < metrics[f"{BASELINE}: ΔE2000"] < 60
    md = texts(at.markdown)
    for words in ("Lower is better", "Higher is better", "Closest to 1 is best"):
        assert words in md
    assert len(at.get("plotly_chart")) == 5
    table = at.dataframe[0].value
    assert list(table["model"]) == [OURS, BASELINE]
    row = table.iloc[0]
    assert 0 <= row["MSE"] < 255 ** 2 and 5 < row["PSNR (dB)"] < 60 and -1 <= row["SSIM"] <= 1
    assert 0 <= row["Colourfulness ratio"] < 5
    base = table.iloc[1]
    assert base["Colourfulness ratio"] == pytest.approx(0.0, abs=0.05)
    assert base["SSIM"] > 0.5


def test_many_photos_get_rows_and_means():
    at = open_page()
    upload(at, [(f"{n}.png", encode(photo(n, 64))) for n in ("coffee", "chelsea", "astronaut")])
    use_models(at, ["autoencoder", "grayscale"])
    at.switch_page(METRICS_PAGE).run()
    assert_clean(at)
    assert "mean of 3 photos" in texts(at.subheader)
    table = at.dataframe[0].value
    assert len(table) == 3 * 2 + 2                               # per photo and model, then the means
    assert list(table["photo"][-2:]) == ["mean of 3", "mean of 3"]
    assert BASELINE not in set(table["model"])                  # Grayscale is chosen: no duplicate baseline
    means = table.iloc[-2:].set_index("model")
    for col in ("ΔE2000", "SSIM", "MSE"):
        per = table[(table["model"] == OURS) & (table["photo"] != "mean of 3")][col]
        assert means.loc[OURS, col] == pytest.approx(per.mean(), rel=0.01, abs=0.01)
    assert means.loc[GREY_MODEL, "Colourfulness ratio"] == pytest.approx(0.0, abs=0.05)


def test_grey_photo_cannot_be_scored():
    at = open_page()
    upload(at, [("grandpa.png", encode(grey_of(photo("astronaut", 64))))])
    at.switch_page(METRICS_PAGE).run()
    assert_clean(at)
    info = texts(at.info)
    assert "No score is possible for grandpa.png" in info and "black-and-white" in info
    assert "Choose photos on Colorize" in [link.proto.label for link in at.get("page_link")]    # issue 24
    assert not at.metric
    table = at.dataframe[0].value
    assert list(table["model"]) == [OURS]
    assert 0 <= table["colourfulness"].iloc[0] < 200 and not math.isnan(table["colourfulness"].iloc[0])
    assert len(at.get("plotly_chart")) == 1


def test_mixed_batch_has_both_sections():
    at = open_page()
    upload(at, [("colour.png", encode(photo("coffee", 64))), ("grey.png", encode(grey_of(photo("chelsea", 64))))])
    at.switch_page(METRICS_PAGE).run()
    assert_clean(at)
    assert len(at.dataframe) == 2
    assert "No score is possible for grey.png" in texts(at.info)
    assert "Scores for colour.png" in texts(at.subheader)


def test_metric_explanations_come_from_the_engine():
    at = open_page(METRICS_PAGE, sample=True)
    md = texts(at.markdown)
    for label, sentence in METRICS.values():
        assert f"**{label}**: {sentence}" in md
