"""The damage detector: a tiny fully-convolutional U-Net (Keras 3), lightness in [0, 1] -> damage probability.

Three downsamplings (context of about 60 px to tell a scratch from hair or grass) and one convolution at
full resolution on each side (a 1 px scratch must survive), 97,898 parameters: 1 MP takes about a
second on one CPU core. Any input size that is a multiple of 8 works (:mod:`core.restore.engine` pads).
The shipped detector is one such network (in the wrapper :func:`agreeing` writes; the previous release
combined two, the lower of their probabilities); :mod:`core.restore.engine` runs it on two rotations.
"""

from __future__ import annotations

import keras
from keras import layers, ops

WIDTHS = (12, 24, 32, 48)
MULTIPLE = 2 ** (len(WIDTHS) - 1)      # input sides must be multiples of this


def detector_input(rgb):
    """What the detector sees, in training and in use alike: the photo's lightness scaled to [0, 1], float32
    (H, W), from uint8 RGB (H, W, 3)."""
    import numpy as np

    from core.lab import L_MAX, lightness

    return (lightness(np.ascontiguousarray(rgb)) / L_MAX).astype(np.float32)


def _conv(x, n, name):
    return layers.Conv2D(n, 3, padding="same", activation="relu", name=name)(x)


def build(widths=WIDTHS, name: str = "restore_detector") -> keras.Model:
    inp = keras.Input((None, None, 1), name="lightness")
    x = _conv(inp, widths[0], "enc0")
    skips = [x]
    for i, n in enumerate(widths[1:], 1):
        x = layers.MaxPooling2D(2, name=f"pool{i}")(x)
        x = _conv(x, n, f"enc{i}a")
        x = _conv(x, n, f"enc{i}b")
        skips.append(x)
    for i in range(len(widths) - 2, -1, -1):
        x = layers.UpSampling2D(2, interpolation="bilinear", name=f"up{i}")(x)
        x = layers.Concatenate(name=f"cat{i}")([x, skips[i]])
        x = _conv(x, widths[i], f"dec{i}")
    x = layers.Concatenate(name="with_input")([x, inp])
    out = layers.Conv2D(1, 1, activation="sigmoid", name="damage")(x)
    return keras.Model(inp, out, name=name)


def detectors(model) -> list:
    """The detector networks inside ``model``: its sub-networks when it is a combination (:func:`agreeing`),
    else the model itself."""
    return [x for x in model.layers if isinstance(x, keras.Model)] or [model]


def agreeing(models) -> keras.Model:
    """One model from several trained detectors: the damage probability is the *lowest* of theirs, so a
    pixel counts as damage only where all of them agree (each one's own false alarms on real structure
    mostly differ). The weights are copied into fresh networks of the same widths; a model that is
    itself such a combination brings its detectors in one by one."""
    inp = keras.Input((None, None, 1), name="lightness")
    outs = []
    nets = [sub for m in models for sub in detectors(m)]
    for i, m in enumerate(nets):
        widths = tuple(m.get_layer(f"enc{k}" if k == 0 else f"enc{k}a").filters for k in range(len(WIDTHS)))
        net = build(widths, name=f"detector_{i}")
        net.set_weights(m.get_weights())
        outs.append(net(inp))
    out = layers.Minimum(name="agree")(outs) if len(outs) > 1 else outs[0]
    return keras.Model(inp, out, name="restore_detector_agreeing")


@keras.saving.register_keras_serializable(package="restore")
def bce_dice(y_true, y_pred, pos_weight: float = 3.0):
    """Weighted binary cross-entropy (damage pixels x ``pos_weight``) plus soft Dice over the batch."""
    eps = 1e-6
    p = ops.clip(y_pred, eps, 1 - eps)
    bce = -(pos_weight * y_true * ops.log(p) + (1 - y_true) * ops.log(1 - p))
    inter = ops.sum(y_true * p)
    dice = 1 - (2 * inter + 1) / (ops.sum(y_true) + ops.sum(p) + 1)
    return ops.mean(bce) + 0.5 * dice
