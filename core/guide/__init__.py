"""Guided colour: the user's hints, a reference photo and vibrance, over any model's result.

Public API (no Streamlit; every function is pure, deterministic and safe to call from several threads)::

    from core import guide
    out = guide.apply_hints(grey_rgb, [(120, 80, (200, 40, 30), 6)], base=automatic_rgb)
    out = guide.transfer(grey_rgb, reference_rgb, base=automatic_rgb)
    out = guide.vibrance(rgb, 1.3)                      # 0 = grey, 1 = unchanged, 2 = the most
    out = guide.guide(grey_rgb, base=automatic_rgb, hints=hints, reference=reference_rgb, vibrance=1.3)
    u = guide.uncertainty(rgb, model="autoencoder")     # H x W float32 in [0, 1], 1 = the model is unsure
    s = guide.suggest(rgb, model="autoencoder", k=3)    # the 3 clicks that would fix the most (Suggestion)

In every function the photo's lightness L is never changed (colours that sRGB cannot show at that L
lose chroma along their hue instead of being clipped) and the output has the input's size. ``base`` is
any model's output for the photo (``core.colorize``), or None to start from grey.

Hints (:mod:`core.guide.hints`): ``(x, y, (r, g, b), radius)`` points or ``(points, (r, g, b), radius)``
strokes in image pixels, :class:`Hint` objects, or the dicts of the hints JSON file
(:func:`hints_from_json`, :func:`hints_to_json`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from core import gamut, lab
from core.guide.hints import (
    DEFAULT_RADIUS,
    Hint,
    HintError,
    as_hint,
    check_hints,
    hints_from_json,
    hints_to_json,
    parse_color,
)
from core.guide.matching import ReferencePhotoError, reference_lab, transfer_ab
from core.guide.sampling import sample_hints
from core.guide.saturation import MAX_AMOUNT, MIN_AMOUNT, check_amount, vibrance_ab
from core.guide.spread import spread_ab
from core.guide.suggest import Suggestion, suggest
from core.guide.uncertainty import (
    NoDistribution,
    colormap_legend,
    uncertainty,
    uncertainty_colormap,
    uncertainty_overlay,
    uncertainty_score,
)
from core.rgb import check_rgb

__all__ = [
    "DEFAULT_RADIUS",
    "MAX_AMOUNT",
    "MIN_AMOUNT",
    "Hint",
    "HintError",
    "NoDistribution",
    "ReferencePhotoError",
    "Suggestion",
    "apply_hints",
    "as_hint",
    "check_hints",
    "colormap_legend",
    "guide",
    "hints_from_json",
    "hints_to_json",
    "load_reference",
    "parse_color",
    "sample_hints",
    "suggest",
    "transfer",
    "uncertainty",
    "uncertainty_colormap",
    "uncertainty_overlay",
    "uncertainty_score",
    "vibrance",
]


def _check_rgb(rgb, what: str = "the photo") -> np.ndarray:
    return check_rgb(rgb, what, grey=False)     # an RGB photo: a grey array here is a mistake (a reference)


def _base_ab(base, shape) -> np.ndarray | None:
    """ab of the base (any model's output), at the photo's size; None for no base."""
    if base is None:
        return None
    arr = _check_rgb(base, "the base")
    ab = lab.rgb_to_lab(arr)[..., 1:]
    return lab.resize_ab(ab, shape[0], shape[1])


def _finish(L: np.ndarray, ab: np.ndarray) -> np.ndarray:
    return lab.join_l_ab(L, gamut.fit_ab_to_gamut(L, ab))


WORK_PIXELS = 4_000_000     # larger photos are guided on a smaller copy; the colour is then stretched
                            # over the full-size L (as a model's render factor does), so detail stays


def guide(rgb: np.ndarray, base: np.ndarray | None = None, *, hints: Sequence = (),
          reference: np.ndarray | None = None, vibrance: float = 1.0,
          strength: float | None = None) -> np.ndarray:
    """Everything in one pass: base (or grey) -> colours of the ``reference`` -> ``vibrance`` -> ``hints``.

    The hints come last so that their colours are kept as given; ``strength`` is the reference's share
    (see :func:`transfer`). Photos over WORK_PIXELS get their colour worked out on a smaller copy and
    joined with their own full-size L. Raises HintError (a bad or out-of-range hint), ReferencePhotoError
    (a reference without colour) or ValueError (bad arguments), with a message meant for the user."""
    rgb = _check_rgb(rgb)
    h, w = rgb.shape[:2]
    checked = check_hints(hints, w, h)
    amount = check_amount(vibrance)
    ref = None if reference is None else reference_lab(_check_rgb(reference, "the reference"))
    L = lab.lightness(rgb)
    ab = _base_ab(base, (h, w))
    scale = min(1.0, (WORK_PIXELS / float(h * w)) ** 0.5)
    if scale < 1.0:                            # work on a smaller copy
        sh, sw = max(1, round(h * scale)), max(1, round(w * scale))
        L_work = lab.resize_l(L, sh, sw)
        ab = None if ab is None else lab.resize_ab(ab, sh, sw)
        checked = [hint.scaled(sw / w, sh / h) for hint in checked]
    else:
        L_work = L
    if ref is not None:
        ab = transfer_ab(L_work, ref, ab, strength)
    if amount != 1.0:
        ab = vibrance_ab(L_work, np.zeros(L_work.shape + (2,), np.float32) if ab is None else ab, amount)
    if checked or ab is None:
        ab = spread_ab(L_work, checked, ab)
    return _finish(L, lab.resize_ab(ab, h, w))


def apply_hints(rgb: np.ndarray, hints: Sequence, base: np.ndarray | None = None) -> np.ndarray:
    """The photo with the hint colours spread along its L: they fill regions and stop at edges. Over
    ``base`` (an automatic result) each hint corrects the prediction around it; with ``base=None`` the
    hints alone colour the whole photo. RGB uint8 of the input's size; HintError for a bad hint."""
    return guide(rgb, base, hints=hints)


def transfer(rgb: np.ndarray, reference_rgb: np.ndarray, base: np.ndarray | None = None, *,
             strength: float | None = None) -> np.ndarray:
    """The colours of ``reference_rgb`` (a colour photo of similar content) on the photo, L kept:
    matched locally and per luminance band (:mod:`core.guide.matching`). ``strength`` 0-1 is how much
    of them to take: default 1 from grey, 0.7 over ``base`` (blended with the network's prediction)."""
    return guide(rgb, base, reference=reference_rgb, strength=strength)


def load_reference(src) -> np.ndarray:
    """Decode a reference photo (a path or the file's bytes) and check that it can serve as one: RGB uint8;
    ImageError (not an image) or ReferencePhotoError (no colour, too small) with a message for the user."""
    from core.images import load_image

    rgb = load_image(src)
    reference_lab(rgb)
    return rgb


def vibrance(rgb: np.ndarray, amount: float) -> np.ndarray:
    """More or less colour: ``amount`` 0 = grey, 1 = unchanged, up to 2. Muted colours gain more than
    vivid ones; L is fixed and nothing is pushed outside the sRGB gamut."""
    rgb = _check_rgb(rgb)
    amount = check_amount(amount)
    if amount == 1.0:
        return rgb.copy()
    full = lab.rgb_to_lab(rgb)
    return _finish(full[..., 0], vibrance_ab(full[..., 0], full[..., 1:], amount))
