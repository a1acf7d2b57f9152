"""The Channels page: L, a, b pictures, a/b histograms and the ab density, model vs original."""

from __future__ import annotations

import pytest
from app_util import (
    CHANNELS,
    GREY_MODEL,
    OURS,
    assert_clean,
    captions,
    encode,
    grey_of,
    open_page,
    photo,
    texts,
    upload,
    use_models,
)

pytestmark = pytest.mark.usefixtures("app_env")


def _plotly(at):
    import json

    return [json.loads(p.proto.spec) for p in at.get("plotly_chart")]


def test_without_photos_it_offers_a_sample():
    at = open_page(CHANNELS)
    assert "No photo yet" in texts(at.info)
    assert not at.get("plotly_chart")


def test_channels_of_original_and_model():
    at = open_page(CHANNELS, sample=True)
    caps = captions(at)
    assert [c for c in caps if c.startswith(("L:", "a:", "b:"))] == [
        "L: 0 black … 100 white", "a: -50 green … +50 red", "b: -50 blue … +50 yellow"]
    for source in ("Original", OURS):
        assert source in caps
        assert [f"{source}: {ch}" for ch in "Lab"] == [c for c in caps if c.startswith(f"{source}: ")]
    hist, density = _plotly(at)
    names = {t["name"] for t in hist["data"] if t.get("showlegend", True)}
    assert names == {"Original", OURS}
    assert len(hist["data"]) == 4                                # a and b for each
    assert [t["type"] for t in density["data"]] == ["heatmap", "heatmap"]
    table = at.dataframe[0].value
    assert list(table["picture"]) == ["Original", OURS]
    assert table["share of the ab plane used (%)"].between(0, 100).all()
    assert "the original's curve (thick)" in texts(at.caption)



def test_more_models_more_rows():
    at = open_page(sample=True)
    use_models(at, ["autoencoder", "grayscale"])
    at.switch_page(CHANNELS).run()
    assert_clean(at)
    hist, density = _plotly(at)
    assert len(density["data"]) == 3
    table = at.dataframe[0].value
    assert list(table["picture"]) == ["Original", OURS, GREY_MODEL]
    grey_row = table[table["picture"] == GREY_MODEL].iloc[0]
    assert grey_row["mean chroma"] < 1.0                          # no colour at all


def test_grey_upload_shows_only_the_models():
    at = open_page()
    upload(at, [("old.png", encode(grey_of(photo("coffee", 64))))])
    at.switch_page(CHANNELS).run()
    assert_clean(at)
    assert "treated as black-and-white" in texts(at.info)
    assert "Original" not in captions(at)
    assert list(at.dataframe[0].value["picture"]) == [OURS]
    assert "original" not in texts(at.caption).lower()          # issue 34: no curve of an original that is not there


def test_the_uncertainty_map_sits_beside_a_and_b():
    at = open_page(CHANNELS, sample=True)
    assert_clean(at)
    caps = captions(at)
    assert f"Unsure ({OURS})" in caps and caps.index(f"Unsure ({OURS})") == caps.index(f"{OURS}: b") + 1
    assert "Unsure (Original)" not in caps
    assert "unsure about the car but not the sky" in texts(at.caption)
    [picture] = [img for img in at.image if f"Unsure ({OURS})" in img.captions]
    assert "sure" in texts(at.markdown) and "linear-gradient" in texts(at.markdown)


def test_grayscale_alone_has_no_uncertainty_column():
    at = open_page(sample=True)
    use_models(at, ["grayscale"])
    at.switch_page(CHANNELS).run()
    assert_clean(at)
    assert not [c for c in captions(at) if c.startswith("Unsure (")]
