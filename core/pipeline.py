"""The one per-photo colour path shared by ``colorize``, ``batch`` and its workers: model, then guided colour.

16-bit masters (:func:`core.images.load_master`) take the same path: ``colorize_photo(..., rgb16=...)``
predicts the colour as ever (from the render-size lightness) and joins it with the lightness of the
16-bit pixels at full precision, giving uint16 RGB. Guided colour (hints, reference, vibrance) is worked
out at 8 bits as for any photo; its colour is then joined with the 16-bit lightness
(:func:`with_lightness`, which the app's 16-bit download uses too). Pixels where the 8-bit picture the
model saw differs from the 16-bit one by more than rounding (scratches repaired by ``--restore``) keep the
8-bit lightness, so a repair is never undone.

Also :func:`write_atomically`: a result file appears whole under its name or not at all (a temporary
name in the same folder, then ``os.replace``), so a killed run never leaves a half-written file.
"""

from __future__ import annotations

import errno

import numpy as np

from core import lab
from core.files import temp_name, write_atomically  # noqa: F401  (the engine's writers import them from here)
from core.rgb import is_grey


def colorize_photo(rgb: np.ndarray, model: str, render_factor: int | None = None, *, vibrance: float = 1.0,
                   hints_text: bytes | str | None = None, reference: np.ndarray | None = None,
                   strength: float | None = None, rgb16: np.ndarray | None = None) -> np.ndarray:
    """The model's colours for ``rgb``, then (only when asked) the reference's colours, vibrance and hints.

    ``rgb16``: the uint16 RGB (H x W x 3) of a 16-bit master whose 8-bit picture is ``rgb``; the result is
    then uint16 with the master's full-precision lightness (see the module doc), else uint8 as ever.
    Raises ImageError-like ValueErrors from the model and :class:`core.guide.HintError` for hints that do
    not fit the photo."""
    from core import colorize, get_colorizer

    guided = not (hints_text is None and reference is None and vibrance == 1.0)
    if rgb16 is not None and not guided:
        L = master_lightness(rgb, rgb16)
        return lab.join_l_ab(L, get_colorizer(model).ab_for_lightness(L, render_factor), dtype=np.uint16)
    out = colorize(rgb, model=model, render_factor=render_factor)
    if guided:
        from core import guide

        h, w = rgb.shape[:2]
        hints = guide.hints_from_json(hints_text, w, h) if hints_text is not None else ()
        out = guide.guide(rgb, out, hints=hints, reference=reference, vibrance=vibrance, strength=strength)
    return out if rgb16 is None else with_lightness(out, rgb, rgb16)


def master_lightness(rgb: np.ndarray, rgb16: np.ndarray) -> np.ndarray:
    """L (H, W) float32 of the 16-bit ``rgb16`` (uint16, H x W x 3, or H x W grey) at full precision, except
    where the 8-bit ``rgb`` differs from it by more than two levels (more than any rounding or truncation
    to 8 bits, or the grey of a colour master: a repaired pixel, a drawn label): there ``rgb``'s L."""
    rgb = np.asarray(rgb)
    rgb16 = np.asarray(rgb16)
    if rgb16.dtype != np.uint16 or rgb16.shape[:2] != rgb.shape[:2]:
        raise ValueError(f"expected uint16 of the photo's size {rgb.shape[:2]}, got {rgb16.dtype} {rgb16.shape}")
    if rgb16.ndim == 2:
        rgb16 = np.broadcast_to(rgb16[..., None], rgb16.shape + (3,))
    L = lab.lightness(rgb16)
    changed = np.zeros(rgb.shape[:2], bool)
    for c in range(3):                      # one channel at a time: bounded memory at 40 MP
        changed |= np.abs(rgb16[..., c].astype(np.int32) - rgb[..., c].astype(np.int32) * 257) > 2 * 257
    if changed.any():
        L[changed] = lab.lightness(rgb)[changed]
    return L


def with_lightness(result: np.ndarray, rgb: np.ndarray, rgb16: np.ndarray) -> np.ndarray:
    """The uint16 RGB of a uint8 ``result`` coloured from ``rgb``: its colour (a, b) joined with the
    full-precision lightness of the master ``rgb16`` (:func:`master_lightness`)."""
    ab = lab.rgb_to_lab(np.asarray(result, np.uint8))[..., 1:]
    return lab.join_l_ab(master_lightness(rgb, rgb16), ab, dtype=np.uint16)


def grey_master(rgb16: np.ndarray) -> np.ndarray:
    """The 16-bit grey (H, W) uint16 of a master: its channel when R = G = B, else its lightness as grey
    (the 16-bit form of :func:`core.lab.to_grey_rgb`)."""
    rgb16 = np.asarray(rgb16)
    if is_grey(rgb16, tol=0):
        return np.ascontiguousarray(rgb16[..., 0])
    grey = lab.neutral_srgb(lab.lightness(rgb16).astype(np.float64))
    return np.clip(np.rint(grey * 65535.0), 0, 65535).astype(np.uint16)


def own_write_error(e: OSError) -> str | None:
    """Why writing a file failed when the reason is that file's own name (too long for the file system: the
    temporary name adds 15 characters), so other files can still be written; None when it is the folder's
    (read-only, full, no permission), which would stop every file."""
    if e.errno == errno.ENAMETOOLONG:
        return ("its result's name is too long for the file system of the output folder; rename the photo "
                "shorter")
    return None


