"""The semantic check: do our colours help an ImageNet classifier recognise a photo (after Zhang et al. 2016)?

The engine; its command-line options are in :mod:`core.cli.semantic`.

An ImageNet EfficientNet-Lite classifier, the *judge* (``tools/convert_efficientnet.py --variant lite0|lite1``
writes its weights), labels the colour, the grey and the colorized version of each ``imnet_*`` photo, whose
file name carries its ImageNet synset. The default judge is Lite1 (:data:`DEFAULT_JUDGE`): Lite0 is inside
the classifier-consistency loss (:mod:`core.training.consistency`), so a model trained with it would be
judged by the network it was trained to please.

Reported: top-1 of each and the share of the grey -> colour gap the colorizer closes
(below 0: the colours mislead the classifier). Run it only on photos the model never trained on.
"""

from __future__ import annotations

import os

import numpy as np

INPUT = 224
JUDGES = ("lite0", "lite1")
DEFAULT_JUDGE = "lite1"


def classifier_path(variant: str = DEFAULT_JUDGE):
    """Where ``tools/convert_efficientnet.py --variant VARIANT`` writes the classifier (gitignored, dev only)."""
    from core import weights
    from core.training.effnet import check_variant

    return weights.effnet_classifier_path().with_name(f"efficientnet_{check_variant(variant)}_classifier.weights.h5")


def check_inputs(folder, synsets=None, classifier=None, judge: str = DEFAULT_JUDGE) -> tuple[str, str]:
    """The synsets file and the classifier weights for the photos of ``folder`` (the defaults of
    :func:`add_arguments` filled in); ValueError naming the option to set when one is missing."""
    synsets = synsets or os.path.join(os.path.dirname(os.path.abspath(folder)), "imagenet_synsets.tsv")
    hint = "--classifier" if classifier else f"--classifier, or run tools/convert_efficientnet.py --variant {judge}"
    classifier = classifier or str(classifier_path(judge))
    for path, what in ((synsets, "--synsets"), (classifier, hint)):
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


def classifier_net(weights_path, variant: str = "lite0"):
    """The Keras EfficientNet-Lite ``variant`` with its 1000-class head and the ImageNet weights (logits out)."""
    from core.training.effnet import efficientnet_lite

    net = efficientnet_lite(variant, include_top=True)
    try:
        net.load_weights(str(weights_path))
    except ValueError as e:
        raise ValueError(f"{weights_path} is not an EfficientNet-{variant.title()} classifier ({e})") from e
    return net


def classifier(weights_path, variant: str = "lite0"):
    """The classifier of :func:`classifier_net` as a batch function on uint8 RGB at its input size."""
    from core.quiet import import_tensorflow

    tf = import_tensorflow()
    net = classifier_net(weights_path, variant)
    fn = tf.function(net, reduce_retracing=True)

    def predict(batch_uint8: np.ndarray) -> np.ndarray:
        return fn(tf.constant(preprocess(batch_uint8))).numpy().argmax(-1)

    return predict


def preprocess(batch_uint8: np.ndarray) -> np.ndarray:
    """uint8 RGB -> what the EfficientNet-Lite release expects: (x - 127) / 128."""
    return (batch_uint8.astype(np.float32) - 127.0) / 128.0


def to_input(rgb: np.ndarray, size: int = INPUT) -> np.ndarray:
    """An RGB photo resized (bilinear) to the classifier's ``size`` x ``size`` input, uint8."""
    from PIL import Image

    return np.asarray(Image.fromarray(rgb).resize((size, size), Image.BILINEAR))


class SemanticCheck:
    """The classifier's answers on the colour and the grey version of ``files`` (``imnet_*`` photos whose
    synset is known), computed once; :meth:`top1` then scores any colorizer, e.g. a model after every
    training epoch. Keeps the grey photos in memory (about 130 kB each at the data's 208 px)."""

    def __init__(self, files, synsets_path, weights_path, batch: int = 32, judge: str = "lite0"):
        from core import load_image
        from core.lab import to_grey_rgb
        from core.training.effnet import input_size

        index = synset_index(synsets_path)
        self.files = [f for f in files
                      if os.path.basename(str(f)).startswith("imnet_") and synset_of(f) in index]
        if not self.files:
            raise ValueError("no imnet_* photos with a known synset")
        self.labels = np.array([index[synset_of(f)] for f in self.files])
        self.batch = batch
        self.judge = judge
        self.size = input_size(judge)
        self.predict = classifier(weights_path, judge)
        colour, self.greys = [], []
        for f in self.files:
            ref = load_image(f)
            colour.append(to_input(ref, self.size))
            self.greys.append(to_grey_rgb(ref))
        self.colour = self._top1(colour)
        self.grey = self._top1([to_input(g, self.size) for g in self.greys])

    def _top1(self, inputs: list[np.ndarray]) -> float:
        hits = 0
        for i in range(0, len(inputs), self.batch):
            hits += int((self.predict(np.stack(inputs[i:i + self.batch])) == self.labels[i:i + self.batch]).sum())
        return 100.0 * hits / len(inputs)

    def top1(self, colorize_grey, progress=None) -> float:
        """Top-1 (in %) on the colorizations ``colorize_grey(grey RGB) -> RGB`` of the grey photos."""
        inputs = []
        for i, grey in enumerate(self.greys):
            inputs.append(to_input(colorize_grey(grey), self.size))
            if progress:
                progress(i + 1, len(self.greys))
        return self._top1(inputs)

    def top1_of(self, colorized: list[np.ndarray]) -> float:
        """Top-1 (in %) on colorizations made already, one per grey photo in order (several judges of the
        same photos then colorize once)."""
        if len(colorized) != len(self.greys):
            raise ValueError(f"expected {len(self.greys)} colorizations, got {len(colorized)}")
        return self._top1([to_input(rgb, self.size) for rgb in colorized])

    def gap_closed(self, top1: float) -> float:
        """The share (in %) of the grey -> colour top-1 gap that ``top1`` closes (100 = as good as true
        colour, 0 = no better than grey, < 0 = worse than grey)."""
        gap = self.colour - self.grey
        return 100.0 * (top1 - self.grey) / gap if gap else float("nan")


def semantic_check(files, synsets_path, weights_path, models, render_factor=None, progress=None,
                   batch: int = 32, judge: str = "lite0") -> dict[str, float]:
    """Top-1 (in %) of the classifier on the colour photos ("colour"), their grey versions ("grey") and
    each model's colorization of the grey version, plus ``gap_closed_<model>`` in % (see
    :meth:`SemanticCheck.gap_closed`). ``progress(i, n)`` is called once per photo and model."""
    from core import colorize

    check = SemanticCheck(files, synsets_path, weights_path, batch, judge)
    out: dict[str, float] = {"colour": check.colour, "grey": check.grey, "n": len(check.files)}
    for m in models:
        out[m] = check.top1(lambda grey, m=m: colorize(grey, model=m, render_factor=render_factor), progress)
        out[f"gap_closed_{m}"] = check.gap_closed(out[m])
    return out
