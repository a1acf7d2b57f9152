"""Building, wrapping and exporting the training network, and the helpers a run shares with its callers
(the ImageNet descriptor weights, a preview colorization)."""

from __future__ import annotations

import os
import threading

import numpy as np

from core import lab
from core.training.config import TrainConfig


def descriptor_weights_file():
    """The EfficientNet-Lite0 ImageNet weights: the converted file if present
    (tools/convert_efficientnet.py), else extracted once from the shipped model."""
    import keras

    from core import weights

    direct = weights.effnet_weights_path()
    if direct.exists():
        return direct
    cached = weights.home() / ".cache" / "efficientnet_lite0_from_autoencoder.weights.h5"
    if cached.exists():
        return cached
    src = weights.autoencoder_path()
    if not src.exists():
        raise FileNotFoundError(f"no EfficientNet weights: neither {direct} nor {src} exists "
                                "(run tools/convert_efficientnet.py)")
    from core.colorizers.autoencoder import AutoencoderColorizer
    from core.training import effnet

    found = {}

    def walk(m):
        for layer in m.layers:
            if isinstance(layer, keras.Model):
                walk(layer)
            elif layer.weights:
                found.setdefault(layer.name, layer)

    walk(AutoencoderColorizer(src).model)
    net = effnet.efficientnet_lite0(include_top=False)
    for layer in net.layers:
        if layer.weights:
            layer.set_weights(found[layer.name].get_weights())
    cached.parent.mkdir(parents=True, exist_ok=True)
    tmp = cached.with_name(f"{cached.stem}.{os.getpid()}.{threading.get_ident()}.tmp.weights.h5")
    net.save_weights(tmp)
    os.replace(tmp, cached)          # two runs may extract at once: each writes its own file
    return cached


def build_colour_net(config: TrainConfig, n_bins: int, effnet_weights=None):
    """The trainable network of ``config``: ``pyramid`` (EfficientNet-Lite0 encoder + U-Net decoder)
    or ``classic`` (the first model: small encoder + global descriptor), with its head."""
    from core.training import network, pyramid

    if config.arch == "pyramid":
        return pyramid.colour_net(n_bins, effnet_weights)
    return network.colour_net(n_bins, config.global_branch, config.width, config.loss, config.bn_momentum)


def export_model(cnet, config: TrainConfig, descriptor=None, prior=None, out=None):
    """The inference model of the colour network ``cnet``: a clean copy of it (no optimizer state)
    wrapped with its decoding (:func:`core.training.network.inference_model` or
    :func:`~core.training.network.regression_inference_model`); saved atomically to ``out`` if given."""
    from core.training.quantize import gamut_bins

    centres = gamut_bins()
    clean = build_colour_net(config, len(centres))
    clean.set_weights(cnet.get_weights())
    model = wrap_inference(clean, config, centres, descriptor, prior)
    if out:
        tmp = str(out) + ".tmp.keras"
        model.save(tmp)
        os.replace(tmp, out)
    return model


def wrap_inference(cnet, config, centres, descriptor, prior):
    from core.training import network

    if config.loss == "mse":
        return network.regression_inference_model(cnet, descriptor)
    return network.inference_model(cnet, np.asarray(centres) / lab.AB_SCALE, config.temperature, descriptor,
                                   prior, config.prior_strength, config.chroma_gain)


def colour_preview(colorizer, rgb: np.ndarray) -> np.ndarray:
    """``rgb`` coloured from its lightness at its own size (a multiple of the network's stride)."""
    L = lab.lightness(rgb)
    return lab.join_l_ab(L, colorizer.predict_ab(L))


def fit_to_stride(rgb: np.ndarray, stride: int = 8) -> np.ndarray:
    """The top-left part of ``rgb`` whose sides are multiples of ``stride``."""
    h, w = (rgb.shape[0] // stride) * stride, (rgb.shape[1] // stride) * stride
    if h < stride or w < stride:
        raise ValueError(f"a held-out photo must be at least {stride} x {stride} px")
    return np.ascontiguousarray(rgb[:h, :w])
