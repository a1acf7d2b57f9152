"""The semantic check: do our colours help an ImageNet classifier recognise a photo (after Zhang et al. 2016)?

The ImageNet EfficientNet-Lite0 classifier (``tools/convert_efficientnet.py`` writes its weights) labels
the colour, the grey and the colorized version of each ``imnet_*`` photo, whose file name carries its
ImageNet synset. Reported: top-1 of each and the share of the grey -> colour gap the colorizer closes
(below 0: the colours mislead the classifier). Run it only on photos the model never trained on.
"""

from __future__ import annotations

import os

import numpy as np

INPUT = 224


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


def semantic_check(files, synsets_path, weights_path, models, render_factor=None, progress=None,
                   batch: int = 32) -> dict[str, float]:
    """Top-1 (in %) of the classifier on the colour photos ("colour"), their grey versions ("grey") and
    each model's colorization of the grey version, plus ``gap_closed_<model>`` in % (100 = as good as
    true colour, 0 = no better than grey, < 0 = worse than grey)."""
    from core import colorize, load_image
    from core.lab import to_grey_rgb

    index = synset_index(synsets_path)
    predict = classifier(weights_path)
    versions = ["colour", "grey", *models]
    hits = {v: 0 for v in versions}
    pending: dict[str, list[np.ndarray]] = {v: [] for v in versions}
    labels: list[int] = []
    n = 0

    def flush():
        nonlocal labels
        y = np.array(labels)
        for v in versions:
            if pending[v]:
                hits[v] += int((predict(np.stack(pending[v])) == y).sum())
                pending[v] = []
        labels = []

    for i, f in enumerate(files):
        syn = synset_of(f)
        if syn not in index:
            continue
        ref = load_image(f)
        grey = to_grey_rgb(ref)
        pending["colour"].append(to_input(ref))
        pending["grey"].append(to_input(grey))
        for m in models:
            pending[m].append(to_input(colorize(grey, model=m, render_factor=render_factor)))
        labels.append(index[syn])
        n += 1
        if len(labels) >= batch:
            flush()
        if progress:
            progress(i + 1, len(files))
    flush()
    if not n:
        raise ValueError("no imnet_* photos with a known synset")
    out = {v: 100.0 * hits[v] / n for v in versions}
    out["n"] = n
    gap = out["colour"] - out["grey"]
    for m in models:
        out[f"gap_closed_{m}"] = 100.0 * (out[m] - out["grey"]) / gap if gap else float("nan")
    return out
