"""Hostile and odd inputs through the engine and the command line (issue: hardening).

Every file of the generated corpus must either colorize correctly or be refused
with a clear ImageError naming the problem, quickly, and never crash or hang.
The Colorize page gets the same classes of input in test_app_bad_inputs.py.
"""

from __future__ import annotations

import time

import numpy as np
import pytest
from hostile_corpus import CORPUS_CAP, write_corpus

from core import ImageError, colorize, load_image


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    return folder, write_corpus(folder)


def test_corpus_through_load_image_and_colorize(corpus, monkeypatch, use_autoencoder):
    folder, cases = corpus
    monkeypatch.setenv("COLORIZER_MAX_PIXELS", str(CORPUS_CAP))
    for name, case in cases.items():
        t0 = time.perf_counter()
        if case.ok:
            rgb = load_image(folder / name)
            assert rgb.dtype == np.uint8 and rgb.shape == (*case.shape, 3), name
            for model in ("grayscale", "autoencoder"):
                out = colorize(rgb, model=model)
                assert out.shape == rgb.shape and out.dtype == np.uint8, (name, model)
        else:
            with pytest.raises(ImageError) as err:
                load_image(folder / name)
            msg = str(err.value)
            assert case.message in msg.lower(), (name, msg)
            assert "Traceback" not in msg and len(msg) < 300, (name, msg)
        assert time.perf_counter() - t0 < 20, f"{name} took too long"


def test_refusals_are_fast(corpus, monkeypatch):
    folder, cases = corpus
    monkeypatch.setenv("COLORIZER_MAX_PIXELS", str(CORPUS_CAP))
    for name, case in cases.items():
        if not case.ok:
            t0 = time.perf_counter()
            with pytest.raises(ImageError):
                load_image((folder / name).read_bytes())
            assert time.perf_counter() - t0 < 2.0, f"refusing {name} took {time.perf_counter() - t0:.1f} s"


def test_grey_and_colour_inputs_give_the_same_result(corpus, use_autoencoder, monkeypatch):
    """A colour input is used through its lightness only."""
    from core.colorizers.autoencoder import AutoencoderColorizer
    from core.lab import to_grey_rgb

    seen = []
    predict = AutoencoderColorizer.predict_ab
    monkeypatch.setattr(AutoencoderColorizer, "predict_ab", lambda self, L: seen.append(L.copy()) or predict(self, L))
    folder, _ = corpus
    rgb = load_image(folder / "colour_photo.jpg")
    a = colorize(rgb).astype(int)
    b = colorize(to_grey_rgb(rgb)).astype(int)
    # the network sees one channel, the lightness; the grey version's is rounded to 8-bit grey levels
    (l_colour, l_grey) = seen
    assert l_colour.ndim == 2 and np.abs(l_colour - l_grey).max() < 0.5
    # so the results agree up to what that rounding moves (a few pixels near a decision between two colours)
    d = np.abs(a - b)
    assert d.mean() < 1.0 and np.percentile(d, 99) <= 4
    assert not np.array_equal(a, to_grey_rgb(rgb))


def test_corpus_through_the_cli(corpus, tmp_path, autoencoder_path, cli):
    folder, cases = corpus
    out = tmp_path / "out"
    proc = cli(["colorize", folder, "--out", out], COLORIZER_MAX_PIXELS=CORPUS_CAP,
               COLORIZER_AUTOENCODER=autoencoder_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    for name, case in cases.items():
        stem = name.rsplit(".", 1)[0]
        written = out / f"{stem}_autoencoder.png"
        if case.ok:
            assert written.is_file(), name
            assert load_image(written).shape[:2] == case.shape, name
        else:
            assert not written.exists(), name
            assert name in proc.stderr, f"{name} not reported"
    ok = sum(c.ok for c in cases.values())
    assert f"{ok} colorized, {len(cases) - ok} skipped" in proc.stderr


def test_cli_fails_when_nothing_succeeds(corpus, tmp_path, cli):
    folder, cases = corpus
    bad = [str(folder / n) for n, c in cases.items() if not c.ok]
    proc = cli(["colorize", *bad, "--out", tmp_path / "o", "--model", "grayscale"], COLORIZER_MAX_PIXELS=CORPUS_CAP)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    assert f"0 colorized, {len(bad)} skipped" in proc.stderr
