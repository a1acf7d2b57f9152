"""The command-line options of the semantic check (:mod:`core.training.semantic`), shared by
``python -m core evaluate --semantic`` and ``python -m core train --semantic``."""

from __future__ import annotations


def add_arguments(ap, folder_flag: str) -> None:
    """The ``--synsets`` and ``--classifier`` options of a command that runs the check on ``folder_flag``."""
    ap.add_argument("--synsets", default=None,
                    help="for --semantic: the 1000 ImageNet synsets in class order (default: "
                         f"imagenet_synsets.tsv next to {folder_flag})")
    ap.add_argument("--classifier", default=None,
                    help="for --semantic: EfficientNet-Lite0 classifier weights (default: "
                         "models/efficientnet_lite0_classifier.weights.h5, made by tools/convert_efficientnet.py)")
