"""The annealed-mean decoding: temperature, prior strength and the chroma gain, saved with the model."""

from __future__ import annotations

import numpy as np

from core import lab


def _layer(**kw):
    from core.training import network
    from core.training.quantize import gamut_bins

    centres = gamut_bins() / lab.AB_SCALE
    return network.AnnealedMeanAB(centres, **kw), len(centres)


def test_the_chroma_gain_scales_chroma_and_keeps_hue():
    plain, q = _layer(temperature=0.5)
    vivid, _ = _layer(temperature=0.5, chroma_gain=1.4)
    logits = np.random.default_rng(0).normal(0, 2, (1, 5, 7, q)).astype("float32")
    a, b = np.asarray(plain(logits)), np.asarray(vivid(logits))
    np.testing.assert_allclose(b, 1.4 * a, rtol=1e-5, atol=1e-6)
    hue = lambda x: np.arctan2(x[..., 1], x[..., 0])     # noqa: E731
    np.testing.assert_allclose(hue(b), hue(a), atol=1e-5)


def test_files_saved_before_the_gain_existed_load_with_gain_one():
    layer, _ = _layer(temperature=0.7, prior_strength=0.2, chroma_gain=1.3)
    config = layer.get_config()
    assert config["chroma_gain"] == 1.3
    del config["chroma_gain"]                            # what an older file's config says
    from core.training import network

    old = network.AnnealedMeanAB.from_config(config)
    assert old.chroma_gain == 1.0


def test_the_gain_is_saved_with_the_model_and_set_decoding_retraces(tmp_path):
    import keras

    from core.colorizers.autoencoder import AutoencoderColorizer
    from core.training import network
    from core.training.quantize import gamut_bins

    centres = gamut_bins() / lab.AB_SCALE
    keras.utils.set_random_seed(0)
    l_in = keras.Input((None, None, 1))
    logits = keras.layers.Conv2D(len(centres), 4, strides=4, padding="same")(l_in)
    cnet = keras.Model(l_in, logits)
    model = network.inference_model(cnet, centres, 0.5, None, chroma_gain=1.25)
    path = tmp_path / "m.keras"
    model.save(path)

    col = AutoencoderColorizer(path)
    assert col.decoding() == {"temperature": 0.5, "prior_strength": 0.0, "chroma_gain": 1.25}
    L = np.linspace(0, 100, 32 * 48, dtype=np.float32).reshape(32, 48)
    first = col.predict_ab(L)                            # the graph is traced with gain 1.25
    col.set_decoding(chroma_gain=2.5)
    np.testing.assert_allclose(col.predict_ab(L), 2 * first, rtol=1e-4, atol=1e-4)
    col.set_decoding(temperature=0.5)                    # other knobs leave the gain alone
    assert col.decoding()["chroma_gain"] == 2.5
    col.set_decoding(temperature=0.7, prior_strength=0.2)
    config = col.model.get_layer("annealed_mean").get_config()      # what a saved file would say
    assert (config["temperature"], config["prior_strength"], config["chroma_gain"]) == (0.7, 0.2, 2.5)


def test_the_shipped_model_declares_its_decoding():
    from core.colorizers.autoencoder import AutoencoderColorizer

    d = AutoencoderColorizer.create().decoding()
    assert set(d) == {"temperature", "prior_strength", "chroma_gain"}
    assert 0.1 <= d["temperature"] <= 1.0 and 0.0 <= d["prior_strength"] <= 1.0 and 1.0 <= d["chroma_gain"] <= 2.0
