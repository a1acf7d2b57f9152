"""Detect and fill scratches and dust (see :mod:`core.restore` for the public API).

Detection: the tiny U-Net of :mod:`core.restore.network` gives a damage probability from the lightness,
averaged over :data:`VIEWS` rotated views of the photo (0 and 90 degrees; up to four: a false alarm on real
structure mostly holds in one view, real damage in all). The second view runs only where it can still change
the mask (issue 34: a pixel the first view puts below 2 x threshold - 1 cannot reach the threshold;
:func:`probability` with ``threshold``), on blocks with enough context to give the same values. The mean is
thresholded at :data:`THRESHOLD` (chosen on held-out synthetic damage so that every scikit-image photo keeps
<= 0.5 % of its pixels and >= 38 dB: tools/bench_restore.py --tune), optionally with hysteresis (a component
is kept only if one of its pixels reaches :data:`SEED`; off); components smaller than :data:`MIN_AREA` pixels
are dropped, and what is left is dilated by :data:`DILATE` px so that the fill also covers the soft edge of a
scratch. Filling: OpenCV's Navier-Stokes inpainting of the masked pixels only; every pixel outside the mask is
copied from the input unchanged.

Marks (issue 34): what the detector cannot tell from real structure (a scratch as wide as a pole, a dense
cluster of dust) a person can paint over. Each :class:`Mark` is a stroke (points in the photo's pixels) with a
brush radius: a stroke's whole band is repaired (a scratch), a dab (one point) repairs the specks under it that
stand out from its surroundings (dust; :mod:`core.restore.marks`), together with what the detector found. A photo
without marks is repaired exactly as before.

Big scans are cut into tiles of :data:`TILE` px with a :data:`MARGIN` px border of context on every side
(detection and filling both see the border; only the tile's core is written), so memory stays bounded
whatever the size. The model is loaded once; predictions run under a lock.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from core.restore.marks import marked
from core.restore.network import MULTIPLE, detector_input
from core.rgb import check_rgb, is_grey

MODEL_PATH = Path(__file__).resolve().parents[2] / "models" / "restore_detector.keras"
THRESHOLD = 0.975        # mean damage probability at strength 1 (tools/bench_restore.py; docs/restoration.md)
VIEWS = 2                # rotations by 90 degrees the probability is averaged over (1: the photo as it is)
SEED = 0.0               # a component needs one pixel this sure (hysteresis; 0: off, measured in docs/restoration.md)
MIN_AREA = 1             # components of fewer pixels are not damage (1: every speck counts; docs/restoration.md)
DILATE = 1               # px of dilation of the mask at strength 1
SCRATCH_LENGTH = 12      # a component whose bounding box is at least this long is a scratch, else dust
INPAINT_RADIUS = 3
INPAINT_METHOD = cv2.INPAINT_NS   # Navier-Stokes: +0.3 dB over Telea on the true masks (docs/restoration.md)
TILE = 1024
MARGIN = 48
BLOCK = 64               # later views run only on blocks of this size where they can still change the mask ...
CONTEXT = 48             # ... with this much context on every side (more than the network's reach: same values)
FULL_SHARE = 0.6         # ... unless those blocks cost more than this share of the whole view

_lock = threading.Lock()
_model = None


@dataclass(frozen=True)
class Restored:
    """The repaired photo (H, W, 3) uint8 and the bool (H, W) mask of the pixels that were repaired."""

    rgb: np.ndarray
    mask: np.ndarray

    @property
    def fraction(self) -> float:
        """Share of the photo's pixels that were repaired."""
        return float(self.mask.mean()) if self.mask.size else 0.0


def model_path() -> Path:
    return Path(os.environ.get("COLORIZER_RESTORE_MODEL") or MODEL_PATH)


def _get_model():
    global _model
    with _lock:
        if _model is None:
            path = model_path()
            if not path.exists():
                raise FileNotFoundError(
                    f"the scratch and dust detector {path} is missing; train it with "
                    "python -m core train-restore --data DIR --out models/restore_detector.keras")
            from core.quiet import import_tensorflow

            import_tensorflow()
            import keras

            _model = keras.saving.load_model(path, compile=False)
        return _model


def _probability_of_view(light: np.ndarray) -> np.ndarray:
    h, w = light.shape
    ph, pw = -h % MULTIPLE, -w % MULTIPLE
    x = np.pad(light, ((0, ph), (0, pw)), mode="reflect" if min(h, w) > max(ph, pw) else "edge")
    model = _get_model()
    with _lock:
        p = np.asarray(model(x[None, ..., None], training=False))
    return p[0, :h, :w, 0]


def _cost(box, h: int, w: int) -> int:
    y0, y1, x0, x1 = box
    return (min(h, y1 + CONTEXT) - max(0, y0 - CONTEXT)) * (min(w, x1 + CONTEXT) - max(0, x0 - CONTEXT))


def _boxes(where: np.ndarray):
    """Rectangles (y0, y1, x0, x1), aligned to BLOCK px blocks, that cover every True pixel of ``where``: for
    each group of touching blocks, its bounding box or its runs of blocks row by row, whichever costs less
    with CONTEXT around; None when they would cost more than FULL_SHARE of running the whole image."""
    h, w = where.shape
    rows, cols = -(-h // BLOCK), -(-w // BLOCK)
    padded = np.zeros((rows * BLOCK, cols * BLOCK), bool)
    padded[:h, :w] = where
    active = padded.reshape(rows, BLOCK, cols, BLOCK).any(axis=(1, 3)).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(active, connectivity=8)
    boxes, cost = [], 0
    for k in range(1, n):
        c0, r0, cw, rh = stats[k, :4]
        whole = [(r0 * BLOCK, min(h, (r0 + rh) * BLOCK), c0 * BLOCK, min(w, (c0 + cw) * BLOCK))]
        runs = []
        for r in range(r0, r0 + rh):
            c = np.flatnonzero(labels[r] == k)
            for run in np.split(c, np.flatnonzero(np.diff(c) > 1) + 1):
                runs.append((r * BLOCK, min(h, (r + 1) * BLOCK), run[0] * BLOCK, min(w, (run[-1] + 1) * BLOCK)))
        best = min((whole, runs), key=lambda bs: sum(_cost(b, h, w) for b in bs))
        boxes += best
        cost += sum(_cost(b, h, w) for b in best)
    return None if cost > FULL_SHARE * h * w else boxes


def _view(light: np.ndarray, k: int, where: np.ndarray | None = None) -> np.ndarray:
    """The probability of the view turned by ``k`` x 90 degrees, turned back; with ``where``, only there (the
    network runs on blocks around it with CONTEXT px of context, which give the very same values; 0 elsewhere)."""
    turned = np.ascontiguousarray(np.rot90(light, k))
    boxes = None if where is None else _boxes(np.rot90(where, k))
    if boxes is None:
        return np.rot90(_probability_of_view(turned), -k)
    h, w = turned.shape
    out = np.zeros((h, w), np.float32)
    for y0, y1, x0, x1 in boxes:
        Y0, Y1, X0, X1 = max(0, y0 - CONTEXT), min(h, y1 + CONTEXT), max(0, x0 - CONTEXT), min(w, x1 + CONTEXT)
        out[y0:y1, x0:x1] = _probability_of_view(turned[Y0:Y1, X0:X1])[y0 - Y0:y1 - Y0, x0 - X0:x1 - X0]
    return np.rot90(out, -k)


def probability(light: np.ndarray, views: int | None = None, threshold: float | None = None) -> np.ndarray:
    """Damage probability (H, W) float32 of one lightness image in [0, 1] (one tile: no tiling here): the
    mean over ``views`` (default :data:`VIEWS`, 1 to 4) rotations of the image by 90 degrees, each turned back.

    With ``threshold``, only what decides ``probability >= threshold`` is computed: after the first view, a
    pixel whose sum so far cannot reach ``views x threshold`` any more (every view gives at most 1) gets no
    further view, and its value stays that smaller sum / ``views`` (below the threshold; issue 34: on a clean
    photo the second view then runs on a few blocks instead of the whole photo)."""
    n = VIEWS if views is None else int(views)
    if not 1 <= n <= 4:
        raise ValueError(f"views must be 1 to 4, got {views}")
    total = _view(light, 0).astype(np.float32)
    for k in range(1, n):
        where = None
        if threshold is not None:
            where = total >= n * float(threshold) - (n - k) - 1e-4
            if not where.any():
                break
        total += _view(light, k, where)
    return total / n


def _params(strength: float) -> tuple[float, float, int]:
    s = float(strength)
    if not 0.0 <= s <= 1.0 or s != s:
        raise ValueError(f"strength must be between 0 and 1, got {strength}")
    return 1.0 - s * (1.0 - THRESHOLD), 1.0 - s * (1.0 - max(SEED, THRESHOLD)), (DILATE if s >= 0.5 else 0)


def _dilated(mask: np.ndarray, dilate: int) -> np.ndarray:
    if dilate > 0 and mask.any():
        k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * dilate + 1, 2 * dilate + 1))
        mask = cv2.dilate(mask, k)
    return mask.astype(bool)


def _mask_of(prob: np.ndarray, threshold: float, dilate: int, scratches: bool, dust: bool,
             seed: float | None = None) -> np.ndarray:
    raw = (prob >= threshold).astype(np.uint8)
    if scratches and dust and MIN_AREA <= 1 and (seed is None or seed <= threshold):
        return _dilated(raw, dilate)            # every component is kept: labelling them would cost 0.2 s per MP
    n, labels, stats, _ = cv2.connectedComponentsWithStats(raw, connectivity=8)
    if n <= 1:
        return raw.astype(bool)
    area = stats[:, cv2.CC_STAT_AREA]
    length = np.maximum(stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT])
    is_scratch = length >= SCRATCH_LENGTH
    sure = np.bincount(labels.ravel(), weights=(prob >= (threshold if seed is None else seed)).ravel(), minlength=n)
    keep = (area >= MIN_AREA) & (sure >= 1) & ((is_scratch & scratches) | (~is_scratch & dust))
    keep[0] = False
    return _dilated(keep[labels].astype(np.uint8), dilate)


def _tiles(h: int, w: int):
    for y in range(0, h, TILE):
        for x in range(0, w, TILE):
            y1, x1 = min(h, y + TILE), min(w, x + TILE)
            yield (y, y1, x, x1), (max(0, y - MARGIN), min(h, y1 + MARGIN), max(0, x - MARGIN), min(w, x1 + MARGIN))


def _inpaint(rgb: np.ndarray, mask: np.ndarray, grey: bool) -> np.ndarray:
    """The photo with its masked pixels filled from their surroundings (a grey photo in one channel)."""
    src = np.ascontiguousarray(rgb[..., 0]) if grey else np.ascontiguousarray(rgb)
    filled = cv2.inpaint(src, mask.astype(np.uint8), INPAINT_RADIUS, INPAINT_METHOD)
    return np.repeat(filled[..., None], 3, axis=2) if grey else filled


def _run(rgb: np.ndarray, scratches: bool, dust: bool, strength: float, fill: bool, marks=()):
    threshold, seed, dilate = _params(strength)
    h, w = rgb.shape[:2]
    mask = np.zeros((h, w), bool)
    out = rgb.copy() if fill else None
    by_hand = marked(rgb, marks) if marks else None
    detecting = strength > 0 and (scratches or dust)
    if not detecting and by_hand is None:
        return out, mask
    grey = is_grey(rgb, tol=0)       # exactly grey: repaired once, in one channel for three
    for (y0, y1, x0, x1), (Y0, Y1, X0, X1) in _tiles(h, w):
        crop = rgb[Y0:Y1, X0:X1]
        m = (_mask_of(probability(detector_input(crop), threshold=threshold), threshold, dilate, scratches, dust, seed)
             if detecting else np.zeros(crop.shape[:2], bool))
        if by_hand is not None:
            m = m | by_hand[Y0:Y1, X0:X1]
        core = (slice(y0 - Y0, y1 - Y0), slice(x0 - X0, x1 - X0))
        mc = m[core]
        if not mc.any():
            continue
        mask[y0:y1, x0:x1] = mc
        if fill:
            filled = _inpaint(crop, m, grey)
            tile = out[y0:y1, x0:x1]
            tile[mc] = filled[core][mc]                 # only the masked pixels change
    return out, mask


def detect(rgb, scratches: bool = True, dust: bool = True, strength: float = 1.0, marks=()) -> np.ndarray:
    """The damage mask alone: bool (H, W), the pixels :func:`restore` would repair."""
    return _run(check_rgb(rgb, "the image"), scratches, dust, strength, fill=False, marks=marks)[1]


def restore(rgb, scratches: bool = True, dust: bool = True, strength: float = 1.0, marks=()) -> Restored:
    """Repair scratches (long thin curves) and/or dust (small specks and hairs) of an RGB uint8 photo.

    ``strength`` in [0, 1]: 1 is the tuned setting (threshold :data:`THRESHOLD`, dilation :data:`DILATE`
    px); lower values raise the probability needed, linearly up to 1 at strength 0 (nothing repaired),
    and below 0.5 the mask is not dilated. A grey photo (R = G = B) comes back grey; a colour photo is
    repaired in all three channels with the same mask (found from its lightness). ``marks``: strokes painted
    over damage the detector missed (:class:`core.restore.marks.Mark`), repaired too, whatever
    the other settings.
    """
    a = check_rgb(rgb, "the image")
    out, mask = _run(a, scratches, dust, strength, fill=True, marks=marks)
    return Restored(rgb=out, mask=mask)
