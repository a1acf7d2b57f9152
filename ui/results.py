"""Results of the session: colorized images and encoded downloads in bounded caches, and the scores."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import streamlit as st

from core import ImageError, ModelUnavailable
from core.figures import export, tables
from ui import state, words
from ui.cache import BoundedCache

MAX_RESULTS = 96                  # colorized images kept per session
MAX_RESULT_BYTES = 192 * 2**20    # ... and at most this many bytes of them
MAX_DOWNLOAD_BYTES = 128 * 2**20  # encoded PNG/ZIP files kept for the download buttons (with the
                                  # results: < 320 MB per session, ~3 GB for a class of 10 at worst)


def results() -> BoundedCache:
    return state.RESULTS.get_or_set(lambda: BoundedCache(MAX_RESULTS, MAX_RESULT_BYTES))


def downloads() -> BoundedCache:
    """Encoded files (PNG, ZIP) ready for the download buttons, bounded like the results."""
    return state.DOWNLOADS.get_or_set(lambda: BoundedCache(MAX_RESULTS, MAX_DOWNLOAD_BYTES))


def download_png(photo_key: str, model: str, render_factor: int, img, stamp: bool, photo=None) -> bytes:
    """The PNG bytes of one result, encoded once per session and kept with the results: 16-bit when
    ``photo`` (the :class:`ui.photos.Photo` it was coloured from) is a 16-bit upload, with the upload's
    DPI/ICC/EXIF and the AI-coloured XMP mark (:mod:`core.outputs`).

    The bytes (not a callable) go to st.download_button: Streamlit then ties the
    file to this session. A callable is only run at click time and its file is not
    tied to any session, so another session's rerun can delete it before the browser
    fetches it (a "canceled" download when a class works at once)."""
    key = (photo_key, "png", model, int(render_factor), bool(stamp))
    return downloads().get_or_put(key, lambda: png_file(img, model, render_factor, stamp, photo))


def png_file(img, model: str, render_factor: int, stamp: bool, photo=None, facts: dict | None = None,
             hints=()) -> bytes:
    """The downloaded PNG of a result (see :func:`download_png`; the Guide page's too); the label is drawn at
    8 bits. ``facts``: how it was made, for its XMP and Content Credentials (default: the model, render factor
    and stamp; a repaired photo's repair is added); ``hints``: the Guide page's, for the credentials' colour
    decisions. Signed as ``STUDIO_SIGN_CERT``/``STUDIO_SIGN_KEY``/``STUDIO_CREDENTIALS`` say; a download that
    could not be signed is kept, and a warning says so."""
    from core import outputs
    from core.credentials import Request, Signing
    from core.pipeline import with_lightness

    shown = export.stamp_label(img) if stamp else img
    facts = dict(facts or {"model": model, "render_factor": int(render_factor), "stamp": bool(stamp)})
    repaired = getattr(photo, "repaired", None)
    if repaired is not None:
        facts.update(restore=True, repaired_share=round(repaired, 6))
        if getattr(photo, "repair_marks", 0):
            facts["repair_marks"] = int(photo.repair_marks)
    grey16 = getattr(photo, "grey16", None)
    meta = getattr(photo, "meta", None)
    request = Request(Signing.from_env(), getattr(photo, "source", None), tuple(hints))
    if grey16 is None:
        data = outputs.encode(shown, "png", meta, facts, credentials=request)
    else:
        deep = with_lightness(img, photo.grey, grey16)
        if stamp:
            drawn = (shown != img).any(axis=-1)
            deep[drawn] = outputs.to_bits(shown[drawn], 16)
        data = outputs.encode(deep, "png16", meta, facts, credentials=request)
    if request.problem:
        st.warning(f"This download has no Content Credentials: {request.problem}", icon=":material/warning:")
    return data


def download_zip(entries, render_factor: int, stamp: bool, readme: str) -> bytes:
    """The ZIP of all results of the batch, built once per (batch, settings); see :func:`download_png`.
    ``entries``: (file name, the result's PNG bytes from :func:`download_png`, so the ZIP holds the same
    files as the PNG buttons, metadata included)."""
    key = ("zip", tuple(name for name, _ in entries), int(render_factor), bool(stamp))
    return downloads().get_or_put(key, lambda: export.build_zip(entries, stamp, readme))


@dataclass
class Outcome:
    """Results for one batch: images by (photo key, model) and friendly errors."""

    images: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    computed: int = 0
    reused: int = 0                     # results taken from the session's cache (coloured on an earlier run)
    seconds: float = 0.0

    def get(self, photo, model: str) -> np.ndarray | None:
        return self.images.get((photo.key, model))


def forget_downloads() -> None:
    """Drop the encoded downloads (the pictures they were made from changed, e.g. a new vibrance)."""
    downloads().clear()


def with_vibrance(outcome: Outcome, render_factor: int, amount: float) -> Outcome:
    """The outcome with ``core.guide.vibrance(amount)`` applied to every result (cached per session)."""
    from core import guide

    amount = round(float(amount), 3)
    if amount == 1.0:
        return outcome
    cache = results()
    out = Outcome(errors=list(outcome.errors), computed=outcome.computed, reused=outcome.reused,
                  seconds=outcome.seconds)
    for (photo_key, model), img in outcome.images.items():
        key = (photo_key, model, int(render_factor), "vibrance", amount)
        out.images[(photo_key, model)] = cache.get_or_put(key, lambda img=img: guide.vibrance(img, amount))
    return out


def colorize_many(batch: Sequence, models: Sequence[str], render_factor: int,
                  colorize_fn: Callable[[str, np.ndarray, int], np.ndarray],
                  progress: Callable[[float, str], None] | None = None, vibrance: float = 1.0) -> Outcome:
    """Colorize every photo with every model, using and filling the session's result cache.

    ``colorize_fn(model, grey_rgb, render_factor)`` does the work. A failure
    (model missing, image too large ...) becomes a friendly message; the other
    results are still returned. ``vibrance`` other than 1 is applied to every
    result (see :func:`with_vibrance`).
    """
    cache = results()
    out = Outcome()
    todo = []
    for p in batch:
        for m in models:
            key = (p.key, m, int(render_factor))
            hit = cache.get(key)
            if hit is not None:
                out.images[(p.key, m)] = hit
                out.reused += 1
            else:
                todo.append((p, m, key))
    t0 = time.perf_counter()
    broken: set[str] = set()
    for i, (p, m, key) in enumerate(todo):
        if m in broken:
            continue
        if progress:
            progress(i / len(todo), f"Colorizing {p.name} with {m} ({i + 1} of {len(todo)})")
        try:
            img = colorize_fn(m, p.grey, int(render_factor))
        except ModelUnavailable as e:
            broken.add(m)
            out.errors.append(str(e))
            continue
        except MemoryError:
            out.errors.append(f"{p.name}: not enough memory to colorize this image with {m}. "
                              "Try a smaller photo or a lower render factor.")
            continue
        except (ValueError, ImageError) as e:
            out.errors.append(f"{p.name}: {m} could not colorize it ({e}).")
            continue
        cache.put(key, img)
        out.images[(p.key, m)] = img
        out.computed += 1
    if progress and todo:
        progress(1.0, "Done")
    out.seconds = time.perf_counter() - t0
    return with_vibrance(out, render_factor, vibrance)


def caption(outcome: Outcome, getting_ready: float = 0.0, repaired: bool = False) -> str | None:
    """What the Colorize page says after a run that coloured something: every result shown (those kept from an
    earlier run too) and every second the person waited: ``getting_ready`` is the time before the models (the
    repair when ``repaired``, reading the photos' uncertainty). None when nothing was coloured on this run
    (everything came from the cache: nothing was waited for)."""
    if not outcome.computed:
        return None
    shown = outcome.computed + outcome.reused
    kept = f", {outcome.reused} of them kept from before" if outcome.reused else ""
    steps = " (repair included)" if repaired else ""
    return (f"Coloured {words.plural(shown, 'image')} in {outcome.seconds + getting_ready:.1f} s{steps}{kept}. "
            "Sending the pictures to your browser takes a little longer; moving between pages or back to these "
            "settings is instant now.")


@st.cache_data(show_spinner=False, max_entries=256)
def metric_rows(photo: str, reference: np.ndarray, outputs: dict[str, np.ndarray]) -> list[dict]:
    """core.metrics.compare for each output (memoised: moving between pages stays instant)."""
    return tables.metric_rows(photo, reference, outputs)


@st.cache_data(show_spinner=False, max_entries=256)
def colourfulness_rows(photo: str, outputs: dict[str, np.ndarray]) -> list[dict]:
    return tables.colourfulness_rows(photo, outputs)


def versions(photo, outcome: Outcome, models: Sequence[str], titles: Callable[[str], str],
             grey: str | None = None, original: str | None = "Original") -> dict[str, np.ndarray]:
    """One photo's pictures by label, in the order the pages show them: the grey input (when
    ``grey`` names it), each model's result that exists (labelled by ``titles``), then the
    colour original (when there is one and ``original`` names it)."""
    out: dict[str, np.ndarray] = {}
    if grey:
        out[grey] = photo.grey
    for m in models:
        img = outcome.get(photo, m)
        if img is not None:
            out[titles(m)] = img
    if original and photo.reference is not None:
        out[original] = photo.reference
    return out
