"""The first autoencoder (encoder -> fusion with a global descriptor -> decoder) and the shared layers.

Input: normalised L (see :mod:`core.lab`), any size that is a multiple of
:data:`STRIDE`. Output: normalised ab at a quarter of the input resolution,
decoded from a distribution over quantised ab bins by the annealed mean
(Zhang et al. 2016). The colour network is trained as a classifier over those
bins with class rebalancing; the shipped inference model ends with the
:class:`AnnealedMeanAB` decoding layer.

Two global descriptors are available:

* ``effnet`` (shipped): frozen ImageNet EfficientNet-Lite0 on the grey image
  (replicated to 3 channels, 224 x 224), 1280-d, as in Deep Koalarization.
* ``scratch``: a global branch learned from scratch on top of the encoder
  (Iizuka et al. 2016), for comparison.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import layers, ops

from core import cie, lab
from core.training import effnet

STRIDE = 8          # the encoder downsamples by 8: render sizes are multiples of 8
OUT_STRIDE = 4      # ab is predicted at a quarter of the render resolution
GLOBAL_DIM = effnet.FEATURES


@keras.saving.register_keras_serializable(package="colorizer")
class LToGreyRGB(layers.Layer):
    """Normalised L -> the grey sRGB photo replicated to 3 channels, normalised as the
    EfficientNet-Lite release expects ((x - 127) / 128, x in [0, 255]); resized to
    ``size`` x ``size`` when ``size`` is given. The L -> sRGB formula is the one of
    :func:`core.lab.neutral_srgb`, so the network sees the same grey photo a user does."""

    def __init__(self, size: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.size = None if size is None else int(size)

    def call(self, l_norm):
        x = lab.neutral_srgb(lab.denormalize_l_ops(l_norm), xp=ops) * 255.0
        if self.size:
            x = ops.image.resize(x, (self.size, self.size), interpolation="bilinear", antialias=True)
        x = (x - 127.0) / 128.0
        return ops.concatenate([x, x, x], axis=-1)

    def compute_output_shape(self, input_shape):
        if self.size:
            return (input_shape[0], self.size, self.size, 3)
        return (*input_shape[:3], 3)

    def get_config(self):
        return {**super().get_config(), "size": self.size}


def lab_to_srgb_ops(lab_img):
    """Lab (..., 3), L in [0, 100] -> sRGB in [0, 1], inside the graph (differentiable almost everywhere).

    The graph version of :func:`core.lab.lab_to_rgb` before its rounding: scikit-image's ``lab2rgb``
    formulas and constants (D65, 2° observer), negative Z set to 0 and colours outside sRGB clipped as it
    does. The neutral axis (a = b = 0) agrees with :func:`core.lab.neutral_srgb` to about 1e-4."""
    f_from_lab, rgb_from_f = lab._srgb_matrices()          # the Lab contract's constants (scikit-image's)
    f = ops.matmul(lab_img, ops.convert_to_tensor(f_from_lab[:, :3].T)) + ops.convert_to_tensor(f_from_lab[:, 3])
    f = ops.concatenate([f[..., :2], ops.maximum(f[..., 2:], 0.0)], axis=-1)     # negative Z -> 0
    lin = ops.where(f > cie.F_KNEE, f * f * f, (f - cie.F_OFFSET) / cie.F_SLOPE)
    rgb = ops.matmul(lin, ops.convert_to_tensor(rgb_from_f.T))
    rgb = ops.where(rgb > cie.SRGB_LINEAR_KNEE, cie.SRGB_SCALE * ops.power(ops.maximum(rgb, 1e-8), 1.0 / cie.SRGB_GAMMA)
                    - cie.SRGB_A, cie.SRGB_SLOPE * rgb)
    return ops.clip(rgb, 0.0, 1.0)


@keras.saving.register_keras_serializable(package="colorizer")
class LToDescriptorInput(LToGreyRGB):
    """:class:`LToGreyRGB` at EfficientNet's 224 x 224 (the global descriptor of the first model)."""

    def __init__(self, size: int | None = effnet.INPUT_SIZE, **kwargs):
        super().__init__(size=size, **kwargs)


@keras.saving.register_keras_serializable(package="colorizer")
class FuseGlobal(layers.Layer):
    """Tile a global vector (B, C) over a feature map (B, H, W, D) and concatenate."""

    def call(self, inputs):
        fmap, vec = inputs
        shape = ops.shape(fmap)
        tiled = ops.broadcast_to(vec[:, None, None, :], (shape[0], shape[1], shape[2], ops.shape(vec)[-1]))
        return ops.concatenate([fmap, tiled], axis=-1)

    def compute_output_shape(self, input_shape):
        f, v = input_shape
        return (*f[:3], f[3] + v[1])


@keras.saving.register_keras_serializable(package="colorizer")
class ResizeLike(layers.Layer):
    """Bilinear resize of a feature map to the spatial size of a reference map
    (works with unknown spatial sizes, unlike UpSampling2D in a traced graph)."""

    def call(self, inputs):
        x, ref = inputs
        import tensorflow as tf  # dynamic sizes need the TF op (the backend we ship with)

        shape = tf.shape(ref)
        return tf.image.resize(x, shape[1:3], method="bilinear")

    def compute_output_shape(self, input_shape):
        x, ref = input_shape
        return (x[0], ref[1], ref[2], x[3])


@keras.saving.register_keras_serializable(package="colorizer")
class AnnealedMeanAB(layers.Layer):
    """Logits over Q ab bins -> normalised ab by the annealed mean (Zhang et al. 2016),
    with an optional prior correction at decoding time:

        p ~ softmax((logits - prior_strength * log(prior)) / T),   ab = chroma_gain * (p @ centres)

    T -> 0 gives the mode (vivid), T = 1 the mean (desaturated). Dividing by the
    training prior (``prior_strength`` > 0) is class rebalancing moved from the
    loss to the decoder: rare, saturated colours get their fair chance while the
    network itself stays a calibrated classifier. ``centres`` are the bins' ab
    values divided by 110; ``prior`` is the bins' smoothed frequency in the
    training photos. ``chroma_gain`` > 1 scales the chroma of the mean up without moving its hue: the mean of
    a spread-out distribution is greyer than any of its likely colours, and a gain brings it back to the
    colourfulness of real photos (chosen on held-out photos; 1 = plain annealed mean). It is a constant of
    the graph, not a variable, so files saved before it existed load unchanged."""

    def __init__(self, centres, temperature=0.38, prior=None, prior_strength=0.0, chroma_gain=1.0, **kwargs):
        super().__init__(**kwargs)
        self.centres = np.asarray(centres, dtype="float32").tolist()
        q = len(self.centres)
        self.prior = (np.full(q, 1.0 / q) if prior is None else np.asarray(prior, "float64")).tolist()
        self._init_t = float(temperature)
        self._init_beta = float(prior_strength)
        self.chroma_gain = float(chroma_gain)

    def build(self, input_shape):
        const = keras.initializers.Constant
        self.temperature = self.add_weight(name="temperature", shape=(), initializer=const(self._init_t),
                                           trainable=False)
        self.prior_strength = self.add_weight(name="prior_strength", shape=(), initializer=const(self._init_beta),
                                              trainable=False)
        self.centres_w = self.add_weight(name="centres", shape=(len(self.centres), 2), trainable=False,
                                         initializer=const(np.asarray(self.centres, "float32")))
        log_prior = np.log(np.maximum(np.asarray(self.prior, "float64"), 1e-12)).astype("float32")
        self.log_prior = self.add_weight(name="log_prior", shape=(len(self.centres),), trainable=False,
                                         initializer=const(log_prior))

    def call(self, logits):
        z = (logits - self.prior_strength * self.log_prior) / self.temperature
        p = ops.softmax(z, axis=-1)
        ab = ops.einsum("bhwq,qc->bhwc", p, self.centres_w)
        return ab if self.chroma_gain == 1.0 else ab * self.chroma_gain

    def compute_output_shape(self, input_shape):
        return (*input_shape[:3], 2)

    def get_config(self):
        # the decoding as it is now (set_decoding assigns the variables), so a saved config says what the weights do
        t, beta = ((round(float(self.temperature.numpy()), 6), round(float(self.prior_strength.numpy()), 6))
                   if self.built else (self._init_t, self._init_beta))
        return {**super().get_config(), "centres": self.centres, "temperature": t,
                "prior": self.prior, "prior_strength": beta, "chroma_gain": self.chroma_gain}


@keras.saving.register_keras_serializable(package="colorizer")
class SoftBinCrossentropy(keras.losses.Loss):
    """Cross-entropy against soft-encoded ab targets (Zhang et al. 2016): the target of a pixel is not
    its nearest bin alone but a Gaussian (``sigma``, normalised ab units) over the bin centres around its
    true ab, so that a near miss costs less than a far one. ``y_true``: normalised ab (..., 2);
    ``y_pred``: logits over the bins (..., Q)."""

    def __init__(self, centres, sigma: float, name: str = "soft_bin_crossentropy", **kwargs):
        super().__init__(name=name, **kwargs)
        self.centres = np.asarray(centres, np.float32).tolist()
        self.sigma = float(sigma)
        self._c = ops.convert_to_tensor(np.asarray(self.centres, np.float32))

    def call(self, y_true, y_pred):
        d2 = ops.sum(ops.square(ops.expand_dims(y_true, -2) - self._c), axis=-1)      # (..., Q)
        target = ops.softmax(-d2 / (2.0 * self.sigma ** 2), axis=-1)
        return -ops.sum(target * ops.log_softmax(y_pred, axis=-1), axis=-1)

    def get_config(self):
        return {"centres": self.centres, "sigma": self.sigma, "name": self.name}


CUSTOM_OBJECTS = {
    "LToGreyRGB": LToGreyRGB,
    "LToDescriptorInput": LToDescriptorInput,
    "FuseGlobal": FuseGlobal,
    "ResizeLike": ResizeLike,
    "AnnealedMeanAB": AnnealedMeanAB,
    "SoftBinCrossentropy": SoftBinCrossentropy,
}


def conv_bn_relu(x, filters, name, strides=1, dilation=1, kernel=3, momentum=0.99):
    x = layers.Conv2D(filters, kernel, strides=strides, dilation_rate=dilation, padding="same",
                      use_bias=False, name=name)(x)
    x = layers.BatchNormalization(momentum=momentum, name=name + "_bn")(x)
    return layers.ReLU(name=name + "_relu")(x)


HEADS = ("bins", "mse")


def colour_net(n_bins: int, global_branch: str = "effnet", width: int = 32, head: str = "bins",
               bn_momentum: float = 0.99) -> keras.Model:
    """The trainable colour network. Inputs: L (and the descriptor for ``effnet``); output at 1/4
    resolution: logits over the ab bins (``head="bins"``, the classification of Zhang et al.), or
    normalised ab itself (``head="mse"``, a regression trained with the mean squared error, as in the
    student project that started this app). ``bn_momentum``: lower for short runs (the classroom), so
    that batch norm's running statistics catch up within a few hundred steps."""
    if head not in HEADS:
        raise ValueError(f"unknown head {head!r}; choose from {', '.join(HEADS)}")
    w = width

    def cbr(x, filters, name, **kw):
        return conv_bn_relu(x, filters, name, momentum=bn_momentum, **kw)

    l_in = keras.Input((None, None, 1), name="l_norm")
    inputs = [l_in]
    e1 = cbr(l_in, w, "enc1a", strides=2)          # /2
    e1 = cbr(e1, w, "enc1b")
    e2 = cbr(e1, 2 * w, "enc2a", strides=2)        # /4
    e2 = cbr(e2, 2 * w, "enc2b")
    e3 = cbr(e2, 4 * w, "enc3a", strides=2)        # /8
    e3 = cbr(e3, 4 * w, "enc3b")
    m = cbr(e3, 8 * w, "mid1", dilation=2)
    m = cbr(m, 8 * w, "mid2", dilation=2)
    if global_branch == "effnet":
        g_in = keras.Input((GLOBAL_DIM,), name="descriptor")
        inputs.append(g_in)
        g = layers.Dropout(0.2, name="glob_drop")(g_in)
        g = layers.Dense(8 * w, activation="relu", name="glob_dense")(g)
    elif global_branch == "scratch":
        g = cbr(m, 8 * w, "glob1", strides=2)
        g = cbr(g, 8 * w, "glob2", strides=2)
        g = layers.GlobalAveragePooling2D(name="glob_pool")(g)
        g = layers.Dense(8 * w, activation="relu", name="glob_dense")(g)
    else:
        raise ValueError(f"unknown global branch {global_branch!r}")
    f = FuseGlobal(name="fusion")([m, g])
    f = cbr(f, 8 * w, "fuse", kernel=1)
    d = ResizeLike(name="up")([f, e2])   # /4
    d = layers.Concatenate(name="skip")([d, e2])
    d = cbr(d, 4 * w, "dec1")
    d = cbr(d, 4 * w, "dec2")
    if head == "mse":
        ab = layers.Conv2D(2, 1, activation="tanh", name="ab")(d)
        return keras.Model(inputs, ab, name=f"colour_net_{global_branch}_mse")
    logits = layers.Conv2D(n_bins, 1, name="logits")(d)
    return keras.Model(inputs, logits, name=f"colour_net_{global_branch}")


def descriptor_model(weights_path: str | None = None) -> keras.Model:
    """L_norm (any size) -> 1280-d frozen EfficientNet-Lite0 descriptor."""
    l_in = keras.Input((None, None, 1), name="l_norm")
    net = effnet.efficientnet_lite0(include_top=False)
    if weights_path:
        net.load_weights(weights_path)
    net.trainable = False
    out = net(LToDescriptorInput(name="to_descriptor_input")(l_in))
    return keras.Model(l_in, out, name="descriptor")


def inference_model(cnet: keras.Model, centres: np.ndarray, temperature: float,
                    descriptor: keras.Model | None, prior=None, prior_strength: float = 0.0,
                    chroma_gain: float = 1.0) -> keras.Model:
    """L_norm -> ab_norm at 1/4 resolution (the model that is saved and shipped)."""
    l_in = keras.Input((None, None, 1), name="l_norm")
    if descriptor is not None:
        logits = cnet([l_in, descriptor(l_in)])
    else:
        logits = cnet(l_in)
    ab = AnnealedMeanAB(centres, temperature, prior, prior_strength, chroma_gain, name="annealed_mean")(logits)
    return keras.Model(l_in, ab, name="autoencoder")


def regression_inference_model(cnet: keras.Model, descriptor: keras.Model | None) -> keras.Model:
    """The same contract as :func:`inference_model` (L_norm -> ab_norm at 1/4 resolution) for a colour
    network with the ``mse`` head, which predicts ab itself: nothing to decode."""
    l_in = keras.Input((None, None, 1), name="l_norm")
    ab = cnet([l_in, descriptor(l_in)]) if descriptor is not None else cnet(l_in)
    return keras.Model(l_in, ab, name="autoencoder")


def head_of(cnet: keras.Model) -> str:
    """``"mse"`` for a regression colour network, ``"bins"`` for a classifier."""
    return "mse" if any(layer.name == "ab" for layer in cnet.layers) else "bins"
