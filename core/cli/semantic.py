"""The command-line options of the semantic check (:mod:`core.training.semantic`), shared by
``python -m core evaluate --semantic`` and ``python -m core train --semantic``."""

from __future__ import annotations

import os

from core.training.semantic import DEFAULT_JUDGE, JUDGES


def add_arguments(ap, folder_flag: str) -> None:
    """The ``--synsets``, ``--judge`` and ``--classifier`` options of a command that runs the check on
    ``folder_flag``."""
    ap.add_argument("--synsets", default=None,
                    help="for --semantic: the 1000 ImageNet synsets in class order (default: "
                         f"imagenet_synsets.tsv next to {folder_flag})")
    ap.add_argument("--judge", default=DEFAULT_JUDGE, metavar="|".join(JUDGES),
                    help=f"for --semantic: the ImageNet classifier that judges, EfficientNet-{'|'.join(JUDGES)} "
                         f"(default {DEFAULT_JUDGE}: Lite0 is inside --consistency-weight's loss); a comma-separated "
                         "list (e.g. lite1,lite0) reports each, the first one as semantic_gap_closed")
    ap.add_argument("--classifier", default=None,
                    help="for --semantic with one --judge: its classifier weights (default: "
                         "models/efficientnet_JUDGE_classifier.weights.h5, made by "
                         "tools/convert_efficientnet.py --variant JUDGE)")


def judges(args) -> list[str]:
    """The judges of ``--judge``; ValueError for an unknown one, or ``--classifier`` with several."""
    out = [j.strip() for j in str(args.judge).split(",") if j.strip()]
    bad = [j for j in out if j not in JUDGES]
    if bad or not out:
        raise ValueError(f"unknown --judge {','.join(bad) or args.judge!r}; choose from {', '.join(JUDGES)}")
    if args.classifier and len(out) > 1:
        raise ValueError("--classifier goes with one --judge")
    return list(dict.fromkeys(out))


def semantic_inputs(args) -> list[tuple[str, tuple[list[str], str, str]]]:
    """``train --semantic DIR``: (judge, (imnet_* photos, synsets file, classifier weights)) for each
    ``--judge`` (checked before any photo is loaded, so that a missing file stops the run at once)."""
    from core.images import list_images
    from core.training import semantic

    files = [f for f in list_images([args.semantic]) if os.path.basename(f).startswith("imnet_")]
    if not files:
        raise ValueError(f"no imnet_* photos in {args.semantic}")
    if args.semantic_limit:
        files = files[: args.semantic_limit]
    return [(j, (files, *semantic.check_inputs(args.semantic, args.synsets, args.classifier, j)))
            for j in judges(args)]


def open_checks(semantic_in, train_files, log) -> dict:
    """judge -> its :class:`~core.training.semantic.SemanticCheck` (ValueError for photos that are trained on)."""
    from core.training import heldout

    checks = {}
    for judge, inputs in semantic_in:
        checks[judge] = check = heldout.semantic_check_of(inputs, train_files, judge)
        log(f"semantic check ({judge}) on {len(check.files)} held-out imnet_* photos: top-1 colour "
            f"{check.colour:.1f} %, grey {check.grey:.1f} %")
    return checks


def columns(checks: dict) -> list[str]:
    """The CSV columns of :func:`scores`: ``semantic_gap_closed`` (the first judge), and one per judge when
    there are several."""
    if not checks:
        return []
    return ["semantic_gap_closed", *([f"semantic_gap_closed_{j}" for j in checks] if len(checks) > 1 else [])]


def scores(checks: dict, colorize_grey) -> dict[str, float]:
    """The gap closed (in %) by ``colorize_grey`` for every judge; the photos are colorized once for all."""
    first = next(iter(checks.values()))
    colorized = [colorize_grey(g) for g in first.greys]
    out = {}
    for i, (judge, check) in enumerate(checks.items()):
        gap = round(check.gap_closed(check.top1_of(colorized)), 2)
        out[f"semantic_gap_closed_{judge}"] = gap
        if i == 0:
            out["semantic_gap_closed"] = gap
    return out
