"""EfficientNet-Lite0 in Keras 3, the frozen global image descriptor.

Layer names follow the PyTorch state dict of the ``efficientnet-lite0`` release
(lukemelas naming) so that ``tools/convert_efficientnet.py`` can copy the
ImageNet weights tensor by tensor. Input: RGB in [0, 255] normalised as
``(x - 127) / 128`` (done by the caller, see :func:`preprocess`).
"""

from __future__ import annotations

import keras
from keras import layers

# (repeats, kernel, stride, expand, in, out) from efficientnet_lite_builder.py
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


def block_specs():
    """Expanded per-block specs: (index, kernel, stride, expand, in, out)."""
    specs = []
    idx = 0
    for repeats, k, s, e, i, o in BLOCKS:
        for r in range(repeats):
            specs.append((idx, k, s if r == 0 else 1, e, i if r == 0 else o, o))
            idx += 1
    return specs


def _bn(name):
    return layers.BatchNormalization(epsilon=BN_EPS, momentum=0.99, name=name)


def efficientnet_lite0(include_top: bool = False, name: str = "efficientnet_lite0") -> keras.Model:
    """The network. ``include_top=False`` ends with the 1280-d global average pool."""
    inp = keras.Input((None, None, 3), name=f"{name}_input")
    x = layers.Conv2D(32, 3, strides=2, padding="same", use_bias=False, name="_conv_stem")(inp)
    x = _bn("_bn0")(x)
    x = layers.ReLU(6.0)(x)
    for idx, k, s, e, i, o in block_specs():
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
