"""One photo's way through the engine, the same for ``python -m core colorize``, ``python -m core batch`` and its
workers (local processes or Ray actors):

    load (core.images.load_master) -> kind (grey / toned / colour; a colour photo is skipped unless
    include_colour) -> repair (core.restore, when asked) -> format (core.outputs.resolve) -> the model's
    colour, with its uncertainty from the same forward pass when asked -> guided colour (reference,
    vibrance, hints) -> 16-bit join -> facts -> file bytes (core.outputs.encode: metadata, XMP, provenance
    chunk, Content Credentials) -> :func:`write_atomically`

* :class:`PhotoSettings` (what to do with one photo), :func:`process` (-> :class:`PhotoResult`; its two
  halves :func:`prepare` and :func:`finish`, for a caller that looks at the photo in between),
  :func:`encode` (-> bytes), :func:`facts_of` (how a result was made, in its XMP and provenance chunk) and
  :func:`output_name` (the one naming rule: ``<stem>_<model>[_guided]<ext>``, ``_1``, ``_2`` ... when taken).
* :func:`colorize_photo`: the colour of an RGB array (the app and the tools use it too).

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
from dataclasses import dataclass, field

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
    return _colour(rgb, model, render_factor, vibrance, hints_text, reference, strength, rgb16)[0]


def _colour(rgb, model, render_factor, vibrance=1.0, hints_text=None, reference=None, strength=None, rgb16=None,
            with_distribution: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
    """:func:`colorize_photo`, and the model's distribution over colours (None unless asked and it has one)
    from the same forward pass: its ab are the very numbers of the pass without it."""
    from core import get_colorizer
    from core.colorizers.base import NoDistribution
    from core.rgb import check_rgb

    col = get_colorizer(model)
    rf = col.check_render_factor(render_factor)
    rgb = check_rgb(rgb, "the image")
    guided = is_guided(hints_text, reference, vibrance)
    deep = rgb16 is not None and not guided
    L = master_lightness(rgb, rgb16) if deep else lab.lightness(rgb)
    probs = None
    try:
        if with_distribution and col.has_distribution:
            ab, probs, _ = col.ab_and_distribution_for_lightness(L, rf)
        else:
            ab = col.ab_for_lightness(L, rf)
    except NoDistribution:                         # a model file with a regression head: colour only
        ab = col.ab_for_lightness(L, rf)
    out = lab.join_l_ab(L, ab, dtype=np.uint16 if deep else np.uint8)
    if guided:
        from core import guide

        h, w = rgb.shape[:2]
        hints = guide.hints_from_json(hints_text, w, h) if hints_text is not None else ()
        out = guide.guide(rgb, out, hints=hints, reference=reference, vibrance=vibrance, strength=strength)
    return (out if rgb16 is None or deep else with_lightness(out, rgb, rgb16)), probs


def is_guided(hints_text, reference, vibrance: float) -> bool:
    """Guided colour on top of the model: hints, a reference photo or a vibrance other than 1."""
    return not (hints_text is None and reference is None and vibrance == 1.0)


PROVENANCE_KEY = "colorization-studio"        # a PNG result's text chunk: its facts as JSON


def provenance_chunks(facts: dict) -> dict[str, str]:
    """A PNG result's text chunks: the software and its facts as JSON (read back by resuming a batch run)."""
    import json

    return {"Software": "Colorization Studio", PROVENANCE_KEY: json.dumps(facts, sort_keys=True)}
SKIPPED_COLOUR = "already a colour photo (--include-colour colorizes colour photos too)"


@dataclass(frozen=True)
class PhotoSettings:
    """What to do with one photo: the model and its render factor (None: the model's own), guided colour
    (``hints_text``: a hints file's bytes; ``reference``: a colour photo, RGB; ``strength``: its share),
    ``restore`` (repair scratches and dust first), ``format`` (core.outputs; "auto": png16 for a 16-bit
    photo, else png), ``include_colour`` (False: a colour photo is skipped, its colours are real),
    ``signing`` (Content Credentials; None or disabled: unsigned) and ``uncertainty`` (the model's
    uncertainty score, from the same forward pass, for a model with a distribution)."""

    model: str
    render_factor: int | None = None
    vibrance: float = 1.0
    hints_text: bytes | str | None = None
    reference: np.ndarray | None = field(default=None, compare=False, repr=False)
    strength: float | None = None
    restore: bool = False
    format: str | None = "auto"
    include_colour: bool = True
    signing: object | None = None               # core.credentials.Signing
    uncertainty: bool = False

    @property
    def guided(self) -> bool:
        """Guided colour on top of the model (its results are named ``..._guided``)."""
        return is_guided(self.hints_text, self.reference, self.vibrance)


@dataclass
class PhotoResult:
    """One photo after :func:`process`: the loaded ``master`` (rgb, rgb16, meta), its ``kind``, the 8-bit
    picture the model saw (``rgb``, repaired when asked; ``mask``: the repaired pixels), the result
    ``colour`` (uint8, or uint16 for png16/tiff of a 16-bit photo; None when ``skipped`` says why), the
    ``format`` to write, its ``facts`` and the model's ``uncertainty`` score (None unless asked and the
    model has a distribution). :func:`encode` sets ``unsigned``: why the file has no Content Credentials
    although they were asked for ("" when signed)."""

    master: object                              # core.images.Master
    name: str
    kind: str
    rgb: np.ndarray
    format: str
    facts: dict
    source: object = None                       # the path or bytes it was read from (for its credentials)
    mask: np.ndarray | None = None
    colour: np.ndarray | None = None
    skipped: str = ""
    uncertainty: float | None = None
    unsigned: str = ""

    @property
    def repaired(self) -> float | None:
        """The share of the pixels that were repaired (None without repair)."""
        return None if self.mask is None else (float(self.mask.mean()) if self.mask.size else 0.0)


def facts_of(name: str, settings: PhotoSettings, kind: str, repaired: float | None = None) -> dict:
    """How a result was made: its XMP facts and PNG provenance chunk (read back by resuming a batch run,
    :func:`core.batch.worker.read_provenance`, and by its Content Credentials). Steps that were not asked
    for are left out, so results made without them keep their facts."""
    from core.colorizers import label, model_class

    facts = {"source": name, "model": label(settings.model),
             "render_factor": model_class(settings.model).check_render_factor(settings.render_factor),
             "vibrance": settings.vibrance, "kind": kind}
    if settings.hints_text is not None:
        facts["hints"] = True
    if settings.reference is not None:
        facts["reference"] = True
        if settings.strength is not None:
            facts["reference_strength"] = settings.strength
    if settings.restore:
        facts["restore"] = True
        if repaired is not None:
            facts["repaired_share"] = repaired
    if settings.format not in (None, "", "auto"):
        facts["format"] = settings.format
    return facts


def process(source, settings: PhotoSettings, name: str | None = None) -> PhotoResult:
    """One photo, ``source`` (a path, the file's bytes or an RGB array), through the path of the module doc,
    up to the result's pixels: :func:`prepare`, then (unless skipped) :func:`finish`. ``name``: how its facts
    and credentials name it (default: the file's name). Raises ImageError (an unreadable photo), HintError
    (hints that do not fit it), ValueError, MemoryError."""
    res = prepare(source, settings, name)
    return res if res.skipped else finish(res, settings)


def prepare(source, settings: PhotoSettings, name: str | None = None) -> PhotoResult:
    """The first half of :func:`process`: load, kind (``skipped`` says why a colour photo is left out),
    format, repair; ``rgb`` is then the picture the model will see."""
    import os

    from core import outputs, photo_kind
    from core.images import Master, load_master
    from core.rgb import check_rgb

    if isinstance(source, np.ndarray):
        master, name = Master(check_rgb(source, "the image")), name or "photo"
    else:
        master = load_master(source)
        name = name or (os.path.basename(os.fspath(source)) if isinstance(source, (str, os.PathLike)) else "photo")
    kind = photo_kind(master.rgb)
    fmt = outputs.resolve(settings.format, master.bits)
    res = PhotoResult(master, name, kind, master.rgb, fmt, {},
                      source=None if isinstance(source, np.ndarray) else source)
    if kind == "colour" and not settings.include_colour:
        res.skipped = SKIPPED_COLOUR
    elif settings.restore:
        from core import restore

        fixed = restore.restore(master.rgb)
        res.rgb, res.mask = fixed.rgb, fixed.mask
    res.facts = facts_of(name, settings, kind, res.repaired)
    return res


def finish(res: PhotoResult, settings: PhotoSettings) -> PhotoResult:
    """The second half of :func:`process`: the colour (16 bits for png16 and tiff of a 16-bit photo) and,
    when asked, the uncertainty score from the same forward pass."""
    deep = res.master.rgb16 if res.format in ("png16", "tiff") else None       # png and jpeg are 8-bit
    res.colour, probs = _colour(res.rgb, settings.model, settings.render_factor, settings.vibrance,
                                settings.hints_text, settings.reference, settings.strength, deep,
                                with_distribution=settings.uncertainty)
    if probs is not None:
        from core.guide.uncertainty import uncertainty_of, uncertainty_score

        res.uncertainty = uncertainty_score(uncertainty_of(res.rgb, probs))
    return res


def encode(result: PhotoResult, settings: PhotoSettings) -> bytes:
    """The result file's bytes (:func:`core.outputs.encode`): the source's metadata, the facts in XMP and,
    for PNG, a provenance text chunk; signed with Content Credentials when ``settings.signing`` is enabled
    (``result.unsigned`` says why not, when that failed)."""
    from core import outputs
    from core.credentials import Request, Source

    if result.colour is None:
        raise ValueError(f"{result.name} has no result to write ({result.skipped or 'not colorized'})")
    text = provenance_chunks(result.facts) if result.format in ("png", "png16") else None
    request = None
    if settings.signing is not None and settings.signing.enabled:
        from core.guide import hints_from_json

        src = result.source
        parent = (Source.from_bytes(result.name, bytes(src)) if isinstance(src, (bytes, bytearray, memoryview))
                  else Source.of(src, result.name) if src is not None else None)
        hints = tuple(hints_from_json(settings.hints_text)) if settings.hints_text is not None else ()
        request = Request(settings.signing, parent, hints)
    data = outputs.encode(result.colour, result.format, result.master.meta, result.facts, text=text,
                          credentials=request)
    result.unsigned = request.problem if request is not None else ""
    return data


def output_name(source_name: str, settings: PhotoSettings, taken=lambda name: False) -> str:
    """The one naming rule of a result: ``<stem>_<model>[_guided]<ext>`` in the folder of ``source_name``
    (a relative path with ``/``; ``1950/a.jpg`` -> ``1950/a_autoencoder.png``); ``_1``, ``_2`` ... before
    the extension while ``taken(name)`` says the name is another photo's (or an input's)."""
    from pathlib import PurePosixPath

    from core import outputs
    from core.colorizers import label

    p = PurePosixPath(source_name)
    base = f"{p.stem}_{label(settings.model)}{'_guided' if settings.guided else ''}"
    ext = outputs.extension(settings.format)
    name, n = p.with_name(base + ext).as_posix(), 1
    while taken(name):
        name, n = p.with_name(f"{base}_{n}{ext}").as_posix(), n + 1
    return name


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


