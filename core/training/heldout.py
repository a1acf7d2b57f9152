"""The checks a training run makes after every epoch on photos it never trains on: the evaluation
protocol's mean metrics and the semantic check (:mod:`core.training.semantic`)."""

from __future__ import annotations

import os

import numpy as np

from core import lab
from core.training import semantic


def validate(col, files, render_factor):
    """The mean metrics of the colorizer ``col`` on the colour photos ``files`` (the evaluation protocol)."""
    from core.images import load_image
    from core.metrics import compare

    rows = []
    for f in files:
        ref = load_image(f)
        out = col.colorize(lab.to_grey_rgb(ref), render_factor)
        rows.append(compare(ref, out))
    return {k: float(np.mean([r[k] for r in rows])) for k in rows[0]}


def semantic_check_of(inputs, train_files, judge: str = "lite0"):
    """The :class:`~core.training.semantic.SemanticCheck` of ``--semantic`` with the classifier ``judge``;
    refuses photos that are trained on."""
    files, synsets, clf = inputs
    trained = {os.path.abspath(f) for f in train_files}
    overlap = [f for f in files if os.path.abspath(f) in trained]
    if overlap:
        raise ValueError(f"{len(overlap)} photos of --semantic are also training photos "
                         f"(e.g. {os.path.basename(overlap[0])}): leave them out with --exclude 'imnet_*'")
    return semantic.SemanticCheck(files, synsets, clf, judge=judge)
