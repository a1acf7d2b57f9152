"""EfficientNet-Lite0 and -Lite1 in Keras 3: the frozen global image descriptor (Lite0) and the ImageNet
classifiers of the semantic check and the classifier-consistency loss.

Layer names follow the PyTorch state dict of the ``efficientnet-lite0`` / ``-lite1`` releases
(lukemelas naming) so that ``tools/convert_efficientnet.py`` can copy the
ImageNet weights tensor by tensor. Input: RGB in [0, 255] normalised as
``(x - 127) / 128`` (done by the caller, see :func:`core.training.semantic.preprocess`).

The Lite variants share one width (1.0), stem and head (``fix_head_stem``); only the depth differs: the
repeats of the inner stages are ``ceil(depth * repeats)``, the first and the last stage stay at one block
(``efficientnet_lite_pytorch.model.EfficientNet``). Lite1: depth 1.1, input 240, 21 blocks instead of 16.
EfficientNet-Lite2 is deliberately not here: it stays free for an independent check.
"""

from __future__ import annotations

import math

import keras
from keras import layers

# (repeats, kernel, stride, expand, in, out) of Lite0, from efficientnet_lite_builder.py
BLOCKS = [
    (1, 3, 1, 1, 32, 16),
    (2, 3, 2, 6, 16, 24),
    (2, 5, 2, 6, 24, 40),
    (3, 3, 2, 6, 40, 80),
    (3, 5, 1, 6, 80, 112),
    (4, 5, 2, 6, 112, 192),
    (1, 3, 1, 6, 192, 320),
]
BN_EPS = 1e-3
INPUT_SIZE = 224
FEATURES = 1280
# variant -> (depth coefficient, input size); width 1.0 for both
VARIANTS = {"lite0": (1.0, 224), "lite1": (1.1, 240)}


def check_variant(variant: str) -> str:
    if variant not in VARIANTS:
        raise ValueError(f"unknown EfficientNet variant {variant!r}; choose from {', '.join(VARIANTS)}")
    return variant


def input_size(variant: str = "lite0") -> int:
    """The ImageNet input size of ``variant`` (224 for Lite0, 240 for Lite1)."""
    return VARIANTS[check_variant(variant)][1]


def stages(variant: str = "lite0"):
    """:data:`BLOCKS` with the repeats of ``variant`` (the stem's and the head's stage are not scaled)."""
    depth = VARIANTS[check_variant(variant)][0]
    last = len(BLOCKS) - 1
    return [(r if i in (0, last) else int(math.ceil(depth * r)), *rest) for i, (r, *rest) in enumerate(BLOCKS)]


def block_specs(variant: str = "lite0"):
    """Expanded per-block specs: (index, kernel, stride, expand, in, out)."""
    specs = []
    idx = 0
    for repeats, k, s, e, i, o in stages(variant):
        for r in range(repeats):
            specs.append((idx, k, s if r == 0 else 1, e, i if r == 0 else o, o))
            idx += 1
    return specs


def _bn(name):
    return layers.BatchNormalization(epsilon=BN_EPS, momentum=0.99, name=name)


def efficientnet_lite(variant: str = "lite0", include_top: bool = False, name: str | None = None) -> keras.Model:
    """The network. ``include_top=False`` ends with the 1280-d global average pool."""
    name = name or f"efficientnet_{check_variant(variant)}"
    inp = keras.Input((None, None, 3), name=f"{name}_input")
    x = layers.Conv2D(32, 3, strides=2, padding="same", use_bias=False, name="_conv_stem")(inp)
    x = _bn("_bn0")(x)
    x = layers.ReLU(6.0)(x)
    for idx, k, s, e, i, o in block_specs(variant):
        p = f"_blocks.{idx}."
        h = x
        if e != 1:
            h = layers.Conv2D(i * e, 1, use_bias=False, name=p + "_expand_conv")(h)
            h = _bn(p + "_bn0")(h)
            h = layers.ReLU(6.0)(h)
        h = layers.DepthwiseConv2D(k, strides=s, padding="same", use_bias=False, name=p + "_depthwise_conv")(h)
        h = _bn(p + "_bn1")(h)
        h = layers.ReLU(6.0)(h)
        h = layers.Conv2D(o, 1, use_bias=False, name=p + "_project_conv")(h)
        h = _bn(p + "_bn2")(h)
        if s == 1 and i == o:
            h = layers.Add()([h, x])
        x = h
    x = layers.Conv2D(FEATURES, 1, use_bias=False, name="_conv_head")(x)
    x = _bn("_bn1")(x)
    x = layers.ReLU(6.0)(x)
    x = layers.GlobalAveragePooling2D(name="avgpool")(x)
    if include_top:
        x = layers.Dense(1000, name="_fc")(x)
    return keras.Model(inp, x, name=name)


def efficientnet_lite0(include_top: bool = False, name: str = "efficientnet_lite0") -> keras.Model:
    """EfficientNet-Lite0 (the descriptor and the pyramid's encoder)."""
    return efficientnet_lite("lite0", include_top, name)
