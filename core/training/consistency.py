"""The classifier-consistency loss: colours that keep what an ImageNet classifier sees in the true colours.

Next to the cross-entropy over the ab bins, the predicted colour image (the annealed mean of the bin
distribution, joined with the input L and converted Lab -> sRGB inside the graph) goes through a *frozen*
ImageNet classifier (EfficientNet-Lite0 by default), and the loss adds

    w * KL(p_true || p_pred)

where ``p_pred`` is the classifier's class distribution on the predicted colours and ``p_true`` its
distribution on the true colours, computed once per photo (:func:`class_targets`, on the photo's central
``size`` x ``size`` crop, the scale of the training crops). After ChromaGAN (Vitoria et al. 2020), which adds
a class-distribution loss, and Zhang et al. 2016, who judge colours by a classifier.

The run trains a *trainer* model (:func:`trainer`): the colour network with two outputs, its bin logits
(``bins``) and the classifier's log-probabilities (``classes``). The colour network inside it is the one that
is exported; the classifier's weights never change (``trainable = False``, its batch norm in inference mode).
A checkpoint of such a run is the whole trainer, so that it resumes with its optimizer (:func:`unwrap`).
``w = 0`` builds none of this: the run is the plain one.
"""

from __future__ import annotations

import os
import time

import keras
import numpy as np
from keras import layers, ops

from core import lab
from core.training import network
from core.training.data import BatchMaker

TRAINER_NAME = "consistency_trainer"


@keras.saving.register_keras_serializable(package="colorizer")
class ColourToClassifierInput(layers.Layer):
    """[L_norm (B, H, W, 1), ab_norm (B, h, w, 2)] -> the colour photo as the classifier sees it: ab resized
    (bilinear) to L's size, joined with L, Lab -> sRGB (:func:`core.training.network.lab_to_srgb_ops`),
    resized to ``size`` x ``size`` and normalised ``(x - 127) / 128`` (x in [0, 255])."""

    def __init__(self, size: int = 224, **kwargs):
        super().__init__(**kwargs)
        self.size = int(size)

    def call(self, inputs):
        import tensorflow as tf  # dynamic sizes need the TF op (the backend we ship with)

        l_norm, ab_norm = inputs
        ab = tf.image.resize(ab_norm, tf.shape(l_norm)[1:3], method="bilinear") * lab.AB_SCALE
        rgb = network.lab_to_srgb_ops(ops.concatenate([lab.denormalize_l_ops(l_norm), ab], axis=-1)) * 255.0
        rgb = ops.image.resize(rgb, (self.size, self.size), interpolation="bilinear", antialias=True)
        return (rgb - 127.0) / 128.0

    def compute_output_shape(self, input_shape):
        return (input_shape[0][0], self.size, self.size, 3)

    def get_config(self):
        return {**super().get_config(), "size": self.size}


@keras.saving.register_keras_serializable(package="colorizer")
class ClassKL(keras.losses.Loss):
    """KL(p_true || p_pred) over the classes; ``y_true``: probabilities (B, C), ``y_pred``: log-probabilities."""

    def __init__(self, name: str = "class_kl", **kwargs):
        super().__init__(name=name, **kwargs)

    def call(self, y_true, y_pred):
        p = ops.cast(y_true, y_pred.dtype)
        return ops.sum(p * (ops.log(ops.maximum(p, 1e-12)) - y_pred), axis=-1)

    def get_config(self):
        return {"name": self.name}


def classifier(weights_path, variant: str = "lite0") -> keras.Model:
    """The frozen ImageNet classifier of the loss (logits out)."""
    from core.training.semantic import classifier_net

    net = classifier_net(weights_path, variant)
    net.trainable = False
    return net


def classifier_weights(path=None) -> str:
    """The Lite0 classifier weights of the loss: ``path``, or the file tools/convert_efficientnet.py writes."""
    from core.training.semantic import classifier_path

    path = str(path or classifier_path("lite0"))
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path} not found: the consistency loss needs the ImageNet EfficientNet-Lite0 "
                                "classifier (run tools/convert_efficientnet.py, or set --consistency-classifier)")
    return path


def trainer(cnet: keras.Model, clf: keras.Model, centres, temperature: float, prior=None,
            prior_strength: float = 0.0, chroma_gain: float = 1.0) -> keras.Model:
    """The colour network ``cnet`` with the consistency branch: inputs those of ``cnet``, outputs
    ``[bins (its logits), classes (the frozen classifier's log-probabilities on the predicted colours)]``.
    The branch decodes like the shipped model (the annealed mean at ``temperature``, with the prior
    correction and the chroma gain), so the classifier sees the colours a user would."""
    inputs = [keras.Input(t.shape[1:], name=f"in{i}") for i, t in enumerate(cnet.inputs)]
    logits = cnet(inputs if len(inputs) > 1 else inputs[0])
    ab = network.AnnealedMeanAB(centres, temperature, prior, prior_strength, chroma_gain,
                                name="consistency_decode")(logits)
    size = int(clf.input_shape[1] or 224)
    x = ColourToClassifierInput(size, name="to_classifier_input")([inputs[0], ab])
    clf.trainable = False
    logp = layers.Activation("log_softmax", name="classes")(clf(x))
    bins = layers.Identity(name="bins")(logits)
    return keras.Model(inputs, [bins, logp], name=TRAINER_NAME)


def compile_trainer(model: keras.Model, bin_loss, weight: float, optimizer) -> keras.Model:
    model.compile(optimizer=optimizer, loss=[bin_loss, ClassKL()], loss_weights=[1.0, float(weight)])
    return model


def unwrap(model):
    """(colour network, trainer or None): a checkpoint of a run with the loss on is its trainer."""
    if model is None or model.name != TRAINER_NAME:
        return model, None
    inner = [layer for layer in model.layers if isinstance(layer, keras.Model) and layer.name.startswith("colour_net")]
    return inner[0], model


def class_targets(photos, clf: keras.Model, crop: int, names=None, cache_path=None, log=print,
                  batch: int = 32) -> np.ndarray:
    """``p_true``: the classifier's class distribution (N, 1000) on the true colours of each photo's central
    ``crop`` x ``crop`` part, through the same graph as the predictions (:class:`ColourToClassifierInput`),
    computed once. With ``cache_path`` (and ``names``) the rows are kept per file name in an .npz."""
    import tensorflow as tf

    cached = {}
    if cache_path and os.path.exists(cache_path):
        with np.load(cache_path) as z:
            cached = dict(zip(z["files"].tolist(), z["p"], strict=True))
        log(f"class-target cache {cache_path}: {len(cached)} photos")
    l_in, ab_in = keras.Input((crop, crop, 1)), keras.Input((crop, crop, 2))
    x = ColourToClassifierInput(int(clf.input_shape[1] or 224))([l_in, ab_in])
    fn = tf.function(keras.Model([l_in, ab_in], ops.softmax(clf(x), axis=-1)), reduce_retracing=True)
    out = np.zeros((len(photos), int(clf.output_shape[-1])), np.float32)
    todo = [i for i in range(len(photos)) if names is None or names[i] not in cached]
    t0 = time.time()
    for k in range(0, len(todo), batch):
        idx = todo[k:k + batch]
        labs = np.stack([lab.rgb_to_lab(_centre(photos[i], crop)) for i in idx])
        out[idx] = fn([tf.constant(lab.normalize_l(labs[..., :1])), tf.constant(lab.normalize_ab(labs[..., 1:]))])
        if (k // batch + 1) % 50 == 0:
            log(f"  class targets {k + len(idx)}/{len(todo)} ({time.time() - t0:.0f} s)")
    for i in range(len(photos)):
        if names is not None and names[i] in cached:
            out[i] = cached[names[i]]
    if cache_path and names is not None and todo:
        cached.update({names[i]: out[i] for i in todo})
        tmp = cache_path + ".tmp.npz"
        np.savez(tmp, files=np.array(list(cached)), p=np.stack(list(cached.values())))
        os.replace(tmp, cache_path)
    return out


def _centre(rgb: np.ndarray, crop: int) -> np.ndarray:
    y, x = (rgb.shape[0] - crop) // 2, (rgb.shape[1] - crop) // 2
    return np.ascontiguousarray(rgb[y:y + crop, x:x + crop])


class WithTargets(BatchMaker):
    """The batches of a :class:`~core.training.data.BatchMaker` with each crop's ``p_true`` as the second
    target: ``(x, (bins, p_true), (weights, ones))``; the crops themselves are drawn exactly as before."""

    def __init__(self, maker: BatchMaker, p_true: np.ndarray):    # noqa: D107  (takes over maker's state)
        if type(maker) is not BatchMaker:
            raise ValueError("the consistency loss works with one crop size (no --small-size)")
        self.__dict__.update(maker.__dict__)
        self.p_true = np.asarray(p_true, np.float32)

    def batch_at(self, idx):
        x, y, sw = super().batch_at(idx)
        return x, (y, self.p_true[idx]), (sw, np.ones(len(idx), np.float32))


def dataset(maker, with_desc: bool):
    """The tf.data pipeline of :func:`with_targets` batches (the counterpart of ``data.make_dataset``)."""
    import tensorflow as tf

    s, q, c = maker.size, maker.size // network.OUT_STRIDE, maker.p_true.shape[1]
    lspec = tf.TensorSpec((None, s, s, 1), tf.float32)
    xspec = (lspec, tf.TensorSpec((None, None), tf.float32)) if with_desc else lspec
    ybins = tf.TensorSpec((None, q, q, 2), tf.float32) if maker.target in ("ab", "soft") else \
        tf.TensorSpec((None, q, q), tf.int32)
    sig = (xspec, (ybins, tf.TensorSpec((None, c), tf.float32)),
           (tf.TensorSpec((None, q, q), tf.float32), tf.TensorSpec((None,), tf.float32)))
    return tf.data.Dataset.from_generator(maker.epoch, output_signature=sig).prefetch(2)
