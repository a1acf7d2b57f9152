"""Our autoencoder (Keras 3), shipped in ``models/autoencoder.keras``: L in, ab out (see models/README.md)."""

from __future__ import annotations

import os

import numpy as np

from core import lab, weights
from core.colorizers.base import Colorizer


class AutoencoderColorizer(Colorizer):
    name = "autoencoder"
    title = "Autoencoder (ours)"
    description = ("This project's own network, trained by us and shipped with the app: a pretrained "
                   "EfficientNet-Lite0 reads the grey photo at five scales and a U-Net decoder guesses the two "
                   "colour channels a and b.")
    order = 10
    default_render_factor = 12      # 192 px long side; chosen by measurement (models/README.md)
    render_factor_range = (4, 64)
    stride = 32                     # of the shipped (pyramid) model; an instance reads its own network's (_stride)
    has_distribution = True         # its classification head: logits over the ab bins (annealed_mean's input)

    @classmethod
    def source(cls):
        return weights.autoencoder_path()

    @classmethod
    def availability(cls):
        src = cls.source()
        if src.is_file():
            return True, "ready", ""
        return (False, f"the model file {src.name} is missing (it ships with the project; re-clone or train one)",
                weights.command("train --data DIR --val DIR --out models/autoencoder.keras"))

    def __init__(self, model_or_path):
        super().__init__()
        from core.quiet import import_tensorflow

        import_tensorflow()                      # without TensorFlow's native start-up lines
        import keras

        from core.training import network  # noqa: F401  (registers the custom layers)

        if isinstance(model_or_path, (str, os.PathLike)):
            self.model = keras.models.load_model(
                model_or_path, compile=False,
                custom_objects=network.CUSTOM_OBJECTS,
            )
        else:
            self.model = model_or_path
        self.stride = _stride(self.model)
        self._fn = self._graph()
        self._dist_fn = None        # the graph up to the bins' probabilities, traced on first use
        self._both_fn = None        # ... and the one with both outputs (ab and probabilities)

    def _graph(self):
        """One graph for every photo size: a graph traced for one fixed shape rounds a few pixels differently
        from the any-size graph, so a photo's result would depend on what this process colorized before."""
        import tensorflow as tf

        return tf.function(self.model, input_signature=[tf.TensorSpec([1, None, None, 1], tf.float32)])

    def predict_ab(self, L_small: np.ndarray) -> np.ndarray:
        import tensorflow as tf

        x = lab.normalize_l(L_small)[None, ..., None]
        ab_norm = self._fn(tf.constant(x)).numpy()[0]
        return lab.denormalize_ab(ab_norm)

    def predict_distribution(self, L_small: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The network's own distribution over its ab bins: softmax of the logits that the annealed mean
        decodes (temperature 1, no prior: the calibrated classifier), at 1/4 of the render size."""
        import tensorflow as tf

        layer = self._distribution_layer()
        if self._dist_fn is None:
            import keras

            logits = keras.Model(self.model.inputs, layer.input)
            self._dist_fn = tf.function(lambda x: tf.nn.softmax(logits(x), axis=-1),
                                        input_signature=[tf.TensorSpec([1, None, None, 1], tf.float32)])
        x = lab.normalize_l(L_small)[None, ..., None]
        probs = self._dist_fn(tf.constant(x)).numpy()[0]
        return probs, lab.denormalize_ab(layer.centres_w.numpy())

    def predict_ab_and_distribution(self, L_small: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """:meth:`predict_ab` and :meth:`predict_distribution` from one forward pass: one graph with both
        outputs (its ab are the same numbers as :meth:`predict_ab`'s; tests/test_pipeline_path.py checks it)."""
        import tensorflow as tf

        layer = self._distribution_layer()
        if self._both_fn is None:
            import keras

            both = keras.Model(self.model.inputs, [self.model.outputs[0], layer.input])

            def ab_and_probs(x):
                ab, logits = both(x)
                return ab, tf.nn.softmax(logits, axis=-1)

            self._both_fn = tf.function(ab_and_probs, input_signature=[tf.TensorSpec([1, None, None, 1], tf.float32)])
        ab_norm, probs = self._both_fn(tf.constant(lab.normalize_l(L_small)[None, ..., None]))
        return (lab.denormalize_ab(ab_norm.numpy()[0]), probs.numpy()[0],
                lab.denormalize_ab(layer.centres_w.numpy()))

    def _distribution_layer(self):
        """The annealed-mean layer whose input is the logits over the ab bins; NoDistribution without one."""
        from core.colorizers.base import NoDistribution

        if "annealed_mean" not in {layer.name for layer in self.model.layers}:
            raise NoDistribution("this autoencoder predicts a and b directly (a regression head), not a "
                                 "distribution over colours, so it cannot say where it is unsure")
        return self.model.get_layer("annealed_mean")

    def set_decoding(self, temperature: float | None = None, prior_strength: float | None = None,
                     chroma_gain: float | None = None):
        """Change the annealed-mean decoding of this instance (used to tune it by measurement)."""
        layer = self.model.get_layer("annealed_mean")
        with self._lock:
            if temperature is not None:
                layer.temperature.assign(float(temperature))
            if prior_strength is not None:
                layer.prior_strength.assign(float(prior_strength))
            if chroma_gain is not None and float(chroma_gain) != layer.chroma_gain:
                layer.chroma_gain = float(chroma_gain)     # a constant of the graph: trace it again
                self._fn, self._both_fn = self._graph(), None

    def decoding(self) -> dict[str, float]:
        """The decoding this instance uses: temperature T, prior strength β and chroma gain."""
        layer = self.model.get_layer("annealed_mean")
        return {"temperature": float(layer.temperature.numpy()), "prior_strength": float(layer.prior_strength.numpy()),
                "chroma_gain": layer.chroma_gain}


def _stride(model) -> int:
    """Render sizes must be multiples of the network's total downsampling: 32 for the
    pyramid (EfficientNet-Lite0 encoder), 8 for the first model."""
    from core.training import network, pyramid

    names = {layer.name for layer in model.layers}
    return pyramid.STRIDE if "colour_net_pyramid" in names else network.STRIDE
