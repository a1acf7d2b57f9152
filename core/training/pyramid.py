"""The pyramid autoencoder: a frozen ImageNet EfficientNet-Lite0 as the encoder, a U-Net decoder.

The grey photo (at render size) goes through EfficientNet-Lite0 once; its
feature maps at /2, /4, /8, /16 and /32 feed a U-Net-style decoder through skip
connections, and the global average of its last map (the 1280-d descriptor) is
fused in at /32. The decoder ends in logits over the quantised ab bins at /4 (``network.OUT_STRIDE``),
decoded by the annealed mean with the decode-time prior knob
(:class:`core.training.network.AnnealedMeanAB`). Input sizes are multiples of
:data:`STRIDE`.
"""

from __future__ import annotations

import keras
from keras import layers

from core.training import effnet
from core.training.network import FuseGlobal, LToGreyRGB, ResizeLike, conv_bn_relu

STRIDE = 32          # the encoder downsamples by 32: render sizes are multiples of 32
# EfficientNet-Lite0 block whose output is tapped at each scale (see effnet.block_specs)
TAPS = {2: 0, 4: 2, 8: 4, 16: 10}
DECODER = {16: 192, 8: 128, 4: 64}   # channels of the decoder stage at each scale


def encoder(weights_path: str | None = None) -> keras.Model:
    """Grey sRGB (EfficientNet normalisation) -> [f/2, f/4, f/8, f/16, f/32 (1280 ch)], frozen."""
    net = effnet.efficientnet_lite0(include_top=False)
    if weights_path:
        net.load_weights(weights_path)
    by_name = {layer.name: i for i, layer in enumerate(net.layers)}
    outs = []
    for scale in sorted(TAPS):
        i = by_name[f"_blocks.{TAPS[scale]}._bn2"]
        nxt = net.layers[i + 1] if i + 1 < len(net.layers) else None
        # a residual block ends in the Add that follows its projection
        tap = nxt if isinstance(nxt, layers.Add) else net.layers[i]
        outs.append(tap.output)
    head = net.get_layer("avgpool").input        # /32, 1280 channels (after the head's ReLU6)
    outs.append(head)
    enc = keras.Model(net.input, outs, name="effnet_pyramid")
    enc.trainable = False
    return enc


def colour_net(n_bins: int, weights_path: str | None = None) -> keras.Model:
    """L_norm (B, H, W, 1) -> logits over the ab bins at /4. Only the decoder is trainable."""
    l_in = keras.Input((None, None, 1), name="l_norm")
    x = LToGreyRGB(name="to_effnet_input")(l_in)
    f2, f4, f8, f16, f32 = encoder(weights_path)(x)
    g = layers.GlobalAveragePooling2D(name="glob_pool")(f32)
    g = layers.Dropout(0.2, name="glob_drop")(g)
    g = layers.Dense(256, activation="relu", name="glob_dense")(g)
    d = conv_bn_relu(f32, 256, "top", kernel=1)
    d = FuseGlobal(name="fusion")([d, g])
    d = conv_bn_relu(d, 256, "fuse", kernel=1)
    skips = {16: [f16], 8: [f8], 4: [f4, layers.AveragePooling2D(2, name="down2")(f2)]}
    for scale in (16, 8, 4):
        d = ResizeLike(name=f"up{scale}")([d, skips[scale][0]])
        d = layers.Concatenate(name=f"skip{scale}")([d, *skips[scale]])
        d = conv_bn_relu(d, DECODER[scale], f"dec{scale}a")
        d = conv_bn_relu(d, DECODER[scale], f"dec{scale}b")
    logits = layers.Conv2D(n_bins, 1, name="logits")(d)
    return keras.Model(l_in, logits, name="colour_net_pyramid")


def freeze_encoder(cnet: keras.Model) -> None:
    """Train the decoder only. A checkpoint saved during fine-tuning keeps its encoder layers trainable, so a
    run that starts from it without ``unfreeze`` must freeze them again explicitly."""
    cnet.get_layer("effnet_pyramid").trainable = False


def unfreeze(cnet: keras.Model, from_block: int) -> int:
    """Make the EfficientNet blocks ``>= from_block`` and its head trainable (for fine-tuning once the
    decoder has converged); every batch norm stays frozen, in inference mode. Returns how many
    encoder layers were unfrozen."""
    enc = cnet.get_layer("effnet_pyramid")
    enc.trainable = True
    n = 0
    for layer in enc.layers:
        name = layer.name
        block = int(name.split(".")[1]) if name.startswith("_blocks.") else None
        top = name.startswith("_conv_head") or (block is not None and block >= from_block)
        layer.trainable = bool(top and layer.weights and not isinstance(layer, layers.BatchNormalization))
        n += layer.trainable
    return n
