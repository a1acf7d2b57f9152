"""The semantic check: do our colours help an ImageNet classifier recognise a photo (after Zhang et al. 2016)?

The engine; its command-line options are in :mod:`core.cli.semantic`.

The ImageNet EfficientNet-Lite0 classifier (``tools/convert_efficientnet.py`` writes its weights) labels
the colour, the grey and the colorized version of each ``imnet_*`` photo, whose file name carries its
ImageNet synset. Reported: top-1 of each and the share of the grey -> colour gap the colorizer closes
(below 0: the colours mislead the classifier). Run it only on photos the model never trained on.
"""

from __future__ import annotations

import os

import numpy as np

INPUT = 224


def check_inputs(folder, synsets=None, classifier=None) -> tuple[str, str]:
    """The synsets file and the classifier weights for the photos of ``folder`` (the defaults of
    :func:`add_arguments` filled in); ValueError naming the option to set when one is missing."""
    from core import weights

    synsets = synsets or os.path.join(os.path.dirname(os.path.abspath(folder)), "imagenet_synsets.tsv")
    classifier = classifier or str(weights.effnet_classifier_path())
    for path, what in ((synsets, "--synsets"), (classifier, "--classifier")):
        if not os.path.isfile(path):
            raise ValueError(f"{path} not found (set {what})")
    return str(synsets), str(classifier)


def synset_index(path) -> dict[str, int]:
    with open(path, encoding="utf-8") as fh:
        synsets = [line.split("\t")[0].strip() for line in fh if line.strip()]
    if len(synsets) != 1000:
        raise ValueError(f"{path}: expected 1000 ImageNet synsets, found {len(synsets)}")
    return {s: i for i, s in enumerate(synsets)}


def synset_of(path) -> str:
    """``imnet_n01440764_tench_b9b920.jpg`` -> ``n01440764``."""
    return os.path.basename(str(path)).split("_")[1]


def classifier(weights_path):
    """The Keras EfficientNet-Lite0 with its 1000-class head, as a batch function on uint8 224 x 224 RGB."""
    from core.quiet import import_tensorflow

    tf = import_tensorflow()

    from core.training.effnet import efficientnet_lite0

    net = efficientnet_lite0(include_top=True)
    net.load_weights(str(weights_path))
    fn = tf.function(net, reduce_retracing=True)

    def predict(batch_uint8: np.ndarray) -> np.ndarray:
        return fn(tf.constant(preprocess(batch_uint8))).numpy().argmax(-1)

    return predict


def preprocess(batch_uint8: np.ndarray) -> np.ndarray:
    """uint8 RGB -> what the EfficientNet-Lite release expects: (x - 127) / 128."""
    return (batch_uint8.astype(np.float32) - 127.0) / 128.0


def to_input(rgb: np.ndarray) -> np.ndarray:
    """An RGB photo resized (bilinear) to the classifier's 224 x 224 input, uint8."""
    from PIL import Image

    return np.asarray(Image.fromarray(rgb).resize((INPUT, INPUT), Image.BILINEAR))


class SemanticCheck:
    """The classifier's answers on the colour and the grey version of ``files`` (``imnet_*`` photos whose
    synset is known), computed once; :meth:`top1` then scores any colorizer, e.g. a model after every
    training epoch. Keeps the grey photos in memory (about 130 kB each at the data's 208 px)."""

    def __init__(self, files, synsets_path, weights_path, batch: int = 32):
        from core import load_image
        from core.lab import to_grey_rgb

        index = synset_index(synsets_path)
        self.files = [f for f in files
                      if os.path.basename(str(f)).startswith("imnet_") and synset_of(f) in index]
        if not self.files:
            raise ValueError("no imnet_* photos with a known synset")
        self.labels = np.array([index[synset_of(f)] for f in self.files])
        self.batch = batch
        self.predict = classifier(weights_path)
        colour, self.greys = [], []
        for f in self.files:
            ref = load_image(f)
            colour.append(to_input(ref))
            self.greys.append(to_grey_rgb(ref))
        self.colour = self._top1(colour)
        self.grey = self._top1([to_input(g) for g in self.greys])

    def _top1(self, inputs: list[np.ndarray]) -> float:
        hits = 0
        for i in range(0, len(inputs), self.batch):
            hits += int((self.predict(np.stack(inputs[i:i + self.batch])) == self.labels[i:i + self.batch]).sum())
        return 100.0 * hits / len(inputs)

    def top1(self, colorize_grey, progress=None) -> float:
        """Top-1 (in %) on the colorizations ``colorize_grey(grey RGB) -> RGB`` of the grey photos."""
        inputs = []
        for i, grey in enumerate(self.greys):
            inputs.append(to_input(colorize_grey(grey)))
            if progress:
                progress(i + 1, len(self.greys))
        return self._top1(inputs)

    def gap_closed(self, top1: float) -> float:
        """The share (in %) of the grey -> colour top-1 gap that ``top1`` closes (100 = as good as true
        colour, 0 = no better than grey, < 0 = worse than grey)."""
        gap = self.colour - self.grey
        return 100.0 * (top1 - self.grey) / gap if gap else float("nan")


def semantic_check(files, synsets_path, weights_path, models, render_factor=None, progress=None,
                   batch: int = 32) -> dict[str, float]:
    """Top-1 (in %) of the classifier on the colour photos ("colour"), their grey versions ("grey") and
    each model's colorization of the grey version, plus ``gap_closed_<model>`` in % (see
    :meth:`SemanticCheck.gap_closed`). ``progress(i, n)`` is called once per photo and model."""
    from core import colorize

    check = SemanticCheck(files, synsets_path, weights_path, batch)
    out: dict[str, float] = {"colour": check.colour, "grey": check.grey, "n": len(check.files)}
    for m in models:
        out[m] = check.top1(lambda grey, m=m: colorize(grey, model=m, render_factor=render_factor), progress)
        out[f"gap_closed_{m}"] = check.gap_closed(out[m])
    return out
