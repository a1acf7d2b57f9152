"""How many weights an uploaded ``.keras`` file asks for, counted from its ``config.json`` before Keras builds it.

Keras makes every layer's weights before it reads a single stored one, so a 1.7 KB file whose Conv2D asks for
4,096 filters of 300 x 300 took 17.6 s and 4.8 GB before it was refused. :func:`check` counts them from the
config alone: each layer's own numbers (filters, kernel size, units ...) and the input shape Keras builds it for
(its ``build_config``, which every layer with weights of a file Keras wrote has), for the kinds of layer this
app's colorizers are made of. A file with another kind of layer, a layer whose input size it does not say, more
weights than a file we accept can hold (:data:`MAX_WEIGHTS`) or a picture size that would not fit in memory is
refused with a plain message (a ValueError, which :mod:`core.training.modelfile` turns into its ModelFileError).
"""

from __future__ import annotations

import io
import json
import math
import zipfile

MAX_WEIGHTS = 64 * 2**20         # numbers: what 256 MB unpacked (modelfile.MAX_UNPACKED) hold as float32
MAX_LAYERS = 5000                # layers in all (the shipped model has 249)
MAX_CONFIG_BYTES = 8 * 2**20     # config.json (the shipped model's is 192 KB)
CONTAINERS = {"Functional", "Sequential", "Model"}          # their layers are counted one by one
NO_WEIGHTS = {"InputLayer", "ReLU", "Activation", "Softmax", "Add", "Concatenate", "Minimum", "Maximum", "Multiply",
              "Average", "Subtract", "Dropout", "SpatialDropout2D", "GlobalAveragePooling2D", "GlobalMaxPooling2D",
              "AveragePooling2D", "MaxPooling2D", "Identity", "UpSampling2D", "FuseGlobal", "ResizeLike",
              "LToGreyRGB", "LToDescriptorInput", "ColourToClassifierInput"}
MAX_SIZE = {"UpSampling2D": 16, "LToGreyRGB": 1024, "LToDescriptorInput": 1024, "ColourToClassifierInput": 1024}


def _kernel(c: dict) -> int:
    k = c.get("kernel_size", 1)
    return math.prod(_ints(k if isinstance(k, list) else [k]))


def _ints(values) -> list[int]:
    if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in values):
        raise ValueError("a size that is not a positive whole number")
    return list(values)


# weights of one layer from its config ``c`` and the size ``n`` of its input's last axis (biases always counted)
WEIGHTS = {
    "Conv2D": lambda c, n: _kernel(c) * n * _ints([c["filters"]])[0] + c["filters"],
    "Conv2DTranspose": lambda c, n: _kernel(c) * n * _ints([c["filters"]])[0] + c["filters"],
    "DepthwiseConv2D": lambda c, n: (_kernel(c) + 1) * n * _ints([c.get("depth_multiplier", 1)])[0],
    "SeparableConv2D": lambda c, n: (_kernel(c) + _ints([c["filters"]])[0] + 1) * n * c.get("depth_multiplier", 1)
                                    + c["filters"],
    "Dense": lambda c, n: (n + 1) * _ints([c["units"]])[0],
    "BatchNormalization": lambda c, n: 4 * n,
    "AnnealedMeanAB": lambda c, n: 2 + 3 * len(c.get("centres") or []),
}


def _input_size(entry: dict) -> int:
    """The last axis of the input Keras builds the layer for (the first input's, for several)."""
    shape = (entry.get("build_config") or {}).get("input_shape")
    while isinstance(shape, list) and shape and isinstance(shape[0], list):
        shape = shape[0]
    if not isinstance(shape, list) or not shape:
        raise ValueError("its input size is not given")
    return _ints([shape[-1]])[0]


def _layers(entry: dict, out: list, depth: int = 0) -> None:
    """Every layer of ``entry`` (a model's or a layer's config), containers opened, into ``out``."""
    if not isinstance(entry, dict) or not isinstance(entry.get("config"), dict) or depth > 20:
        raise ValueError("a layer that is not described as Keras describes one")
    if entry.get("class_name") in CONTAINERS:
        for layer in entry["config"].get("layers") or []:
            _layers(layer, out, depth + 1)
    else:
        out.append(entry)
    if len(out) > MAX_LAYERS:
        raise ValueError(f"more than {MAX_LAYERS:,} layers")


def count(config: dict) -> int:
    """The weights the model of a ``config.json`` would make; ValueError naming what cannot be counted."""
    layers: list = []
    _layers(config, layers)
    total = 0
    for entry in layers:
        kind, c = entry.get("class_name"), entry["config"]
        name = str(c.get("name", kind))[:60]
        if entry.get("registered_name") not in (None, kind, f"colorizer>{kind}") or \
                (kind not in NO_WEIGHTS and kind not in WEIGHTS):
            raise ValueError(f"it has a {str(kind)[:40]} layer, which the colorizers of this app never use")
        try:
            size = c.get("size")
            if kind in MAX_SIZE and size is not None and \
                    max(_ints(size if isinstance(size, list) else [size])) > MAX_SIZE[kind]:
                raise ValueError(f"a size over {MAX_SIZE[kind]}")
            total += WEIGHTS[kind](c, _input_size(entry)) if kind in WEIGHTS else 0
        except (KeyError, TypeError, ValueError) as e:
            why = str(e) if isinstance(e, ValueError) else "numbers that are missing or not numbers"
            raise ValueError(f"its layer {name} cannot be checked ({why})") from None
        if total > MAX_WEIGHTS:
            raise ValueError(f"it asks for more than {MAX_WEIGHTS / 1e6:.0f} million weights (layer {name} "
                             "alone would fill the memory of a small computer)")
    return total


def check(data: bytes) -> int:
    """The weights the ``.keras`` file ``data`` asks for (a zip already checked by modelfile); ValueError saying
    why in plain words when they cannot be counted or are too many. Nothing is built."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            if zf.getinfo("config.json").file_size > MAX_CONFIG_BYTES:
                raise ValueError(f"its config.json is over {MAX_CONFIG_BYTES // 2**20} MB")
            config = json.loads(zf.read("config.json"))
        return count(config)
    except (ValueError, RecursionError, KeyError, zipfile.BadZipFile) as e:
        why = str(e) if isinstance(e, ValueError) and not isinstance(e, json.JSONDecodeError) else \
            "its config.json cannot be read"
        raise ValueError(why) from None
