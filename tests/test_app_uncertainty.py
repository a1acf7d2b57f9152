"""Colorize with several photos: "Most uncertain first" orders them by the model's own uncertainty score
(issue 23). The expected order is computed here with core.guide on the same grey photos."""

from __future__ import annotations

import pytest
from app_util import assert_clean, encode, grey_of, open_page, photo, texts, upload

import core
from core import guide as core_guide

pytestmark = pytest.mark.usefixtures("app_env")

NAMES = ("astronaut", "coffee", "chelsea")


def _order(at) -> list[str]:
    return [e.label.split(". ", 1)[1] for e in at.expander if e.label[:1].isdigit()]


def test_most_uncertain_first_orders_the_photos_by_their_score():
    greys = {f"{n}.png": grey_of(photo(n, 64)) for n in NAMES}
    rf = core.available_models()["autoencoder"].default_render_factor
    scores = {name: core_guide.uncertainty_score(core_guide.uncertainty(g, "autoencoder", rf))
              for name, g in greys.items()}
    at = open_page()
    upload(at, [(name, encode(g)) for name, g in greys.items()])
    assert_clean(at)
    assert _order(at) == list(greys)                     # the upload order
    at.toggle(key="order_uncertain").set_value(True).run()
    assert_clean(at)
    expected = sorted(greys, key=lambda n: -scores[n])
    assert expected != list(greys)                       # the switch has something to do
    assert _order(at) == expected
    assert "the most unsure first" in texts(at.caption)
    at.toggle(key="order_uncertain").set_value(False).run()
    assert _order(at) == list(greys)


def test_one_photo_has_no_ordering_switch():
    at = open_page(sample=True)
    assert not [t for t in at.toggle if t.key == "order_uncertain"]
