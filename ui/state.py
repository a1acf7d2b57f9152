"""Per-session state of the app: the current photos, bounded result caches, settings.

Everything a visitor does lives in ``st.session_state`` (one browser tab = one
session). The photo batch and the results are bounded so a long classroom
session cannot grow without limit: at most :data:`MAX_PHOTOS` photos in a
batch and an LRU cache of results limited both by entries and by bytes.
"""

from __future__ import annotations

import os
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field

import numpy as np
import streamlit as st

from core import ImageError, ModelUnavailable, available_models, load_image, views
from core.images import is_grey

MAX_PHOTOS = 24                   # photos kept from one upload
MAX_BATCH_PIXELS = 120_000_000    # ... and at most this many pixels in all (3 photos at the 40 MP cap)
MAX_RESULTS = 96                  # colorized images kept per session
MAX_RESULT_BYTES = 192 * 2**20    # ... and at most this many bytes of them
MAX_DOWNLOAD_BYTES = 128 * 2**20  # encoded PNG/ZIP files kept for the download buttons (with the
                                  # results: < 320 MB per session, ~3 GB for a class of 10 at worst)
DEFAULT_SAMPLE_SIDE = 512


def sample_side() -> int:
    """Long side of the built-in samples: ``STUDIO_SAMPLE_SIDE`` (smaller = faster, e.g. for tests) or 512."""
    try:
        return max(16, int(os.environ.get("STUDIO_SAMPLE_SIDE", DEFAULT_SAMPLE_SIDE)))
    except ValueError:
        return DEFAULT_SAMPLE_SIDE

DEFAULT_MODELS = ("autoencoder",)


class BoundedCache:
    """A small LRU mapping limited by number of entries and total bytes (numpy arrays / bytes)."""

    def __init__(self, max_entries: int, max_bytes: int):
        self.max_entries = int(max_entries)
        self.max_bytes = int(max_bytes)
        self._data: OrderedDict[Hashable, object] = OrderedDict()
        self._sizes: dict[Hashable, int] = {}
        self.nbytes = 0

    @staticmethod
    def _size(value) -> int:
        if isinstance(value, np.ndarray):
            return int(value.nbytes)
        if isinstance(value, (bytes, bytearray)):
            return len(value)
        return 64

    def get(self, key, default=None):
        if key in self._data:
            self._data.move_to_end(key)
            return self._data[key]
        return default

    def __contains__(self, key) -> bool:
        return key in self._data

    def __len__(self) -> int:
        return len(self._data)

    def keys(self):
        return list(self._data)

    def put(self, key, value) -> None:
        if key in self._data:
            self.nbytes -= self._sizes.pop(key)
            del self._data[key]
        size = self._size(value)
        self._data[key] = value
        self._sizes[key] = size
        self.nbytes += size
        while len(self._data) > 1 and (len(self._data) > self.max_entries or self.nbytes > self.max_bytes):
            old, _ = self._data.popitem(last=False)
            self.nbytes -= self._sizes.pop(old)

    def get_or_put(self, key, make: Callable[[], object]):
        """The cached value of ``key``, computed by ``make()`` and kept on a miss."""
        value = self.get(key)
        if value is None:
            value = make()
            self.put(key, value)
        return value

    def discard_where(self, predicate: Callable[[Hashable], bool]) -> None:
        for k in [k for k in self._data if predicate(k)]:
            del self._data[k]
            self.nbytes -= self._sizes.pop(k)

    def clear(self) -> None:
        self._data.clear()
        self._sizes.clear()
        self.nbytes = 0


@dataclass
class Photo:
    """One photo of the current batch."""

    key: str                                # content hash of the grey input
    name: str                               # file name or sample title
    grey: np.ndarray                        # what the models colour (grey RGB)
    reference: np.ndarray | None = None     # the colour original, when there is one
    source: str = "upload"                  # "upload" or "sample"
    notes: list[str] = field(default_factory=list)

    @property
    def has_reference(self) -> bool:
        return self.reference is not None


def photo_from_rgb(name: str, rgb: np.ndarray, source: str) -> Photo:
    """A colour picture becomes a test (grey input + original kept); a grey one is used as is."""
    if is_grey(rgb):
        grey = np.ascontiguousarray(rgb)
        return Photo(views.image_key(grey), name, grey, None, source)
    grey = views.desaturate(rgb)
    return Photo(views.image_key(grey), name, grey, rgb, source)


def photo_from_upload(name: str, data: bytes) -> Photo:
    """Decode an uploaded file; raises ImageError (bad file) or MemoryError."""
    return photo_from_rgb(name, load_image(data), "upload")


def _ss():
    return st.session_state


def results() -> BoundedCache:
    ss = _ss()
    if "results_cache" not in ss:
        ss["results_cache"] = BoundedCache(MAX_RESULTS, MAX_RESULT_BYTES)
    return ss["results_cache"]


def downloads() -> BoundedCache:
    """Encoded files (PNG, ZIP) ready for the download buttons, bounded like the results."""
    ss = _ss()
    if "downloads_cache" not in ss:
        ss["downloads_cache"] = BoundedCache(MAX_RESULTS, MAX_DOWNLOAD_BYTES)
    return ss["downloads_cache"]


def download_png(photo_key: str, model: str, render_factor: int, img, stamp: bool) -> bytes:
    """The PNG bytes of one result, encoded once per session and kept with the results.

    The bytes (not a callable) go to st.download_button: Streamlit then ties the
    file to this session. A callable is only run at click time and its file is not
    tied to any session, so another session's rerun can delete it before the browser
    fetches it (a "canceled" download when a class works at once)."""
    key = (photo_key, "png", model, int(render_factor), bool(stamp))
    return downloads().get_or_put(key, lambda: views.png_bytes(img, stamp))


def download_zip(entries, render_factor: int, stamp: bool, readme: str) -> bytes:
    """The ZIP of all results of the batch, built once per (batch, settings); see :func:`download_png`."""
    key = ("zip", tuple(name for name, _ in entries), int(render_factor), bool(stamp))
    return downloads().get_or_put(key, lambda: views.build_zip(entries, stamp, readme))


def photos() -> list[Photo]:
    return list(_ss().get("photos", []))


def rejected() -> list[tuple[str, str]]:
    """(file name, friendly message) of files in the current batch that could not be used."""
    return list(_ss().get("rejected", []))


def batch_origin() -> str:
    return _ss().get("batch_origin", "")


def set_photos(new: Sequence[Photo], rejects: Sequence[tuple[str, str]] = (), origin: str = "") -> None:
    """Replace the batch. Results of photos that are no longer in it are dropped."""
    ss = _ss()
    ss["photos"] = list(new)[:MAX_PHOTOS]
    ss["rejected"] = list(rejects)
    ss["batch_origin"] = origin
    keep = {p.key for p in ss["photos"]}
    results().discard_where(lambda k: k[0] not in keep)
    downloads().discard_where(lambda k: k[0] not in keep)


def clear_photos() -> None:
    set_photos([], [], "")
    _ss().pop("upload_signature", None)


def sample_photo(name: str) -> Photo:
    s = views.SAMPLE_BY_NAME[name]
    return photo_from_rgb(s.title, load_sample_cached(name, sample_side()), "sample")


@st.cache_data(show_spinner=False, max_entries=16)
def load_sample_cached(name: str, max_side: int) -> np.ndarray:
    return views.load_sample(name, max_side)


@st.cache_data(show_spinner=False, max_entries=16)
def sample_thumbnail(name: str, side: int = 160) -> np.ndarray:
    return views.desaturate(views.fit_within(load_sample_cached(name, sample_side()), side))


def use_samples(names: Sequence[str]) -> None:
    set_photos([sample_photo(n) for n in names], [], "samples:" + ",".join(names))
    _ss().pop("upload_signature", None)


def take_uploads(files, progress: Callable[[float, str], None] | None = None) -> None:
    """Make the uploaded files the batch when they differ from the last upload seen.

    ``files`` are Streamlit UploadedFile objects (or anything with ``name``,
    ``file_id`` and ``getvalue()``). An empty uploader never clears the batch
    (it is also empty after a page switch); use :func:`clear_photos`.
    """
    files = list(files or [])
    if not files:
        return
    signature = tuple(getattr(f, "file_id", None) or f"{f.name}:{f.size}" for f in files)
    ss = _ss()
    if ss.get("upload_signature") == signature:
        return
    ss["upload_signature"] = signature
    good: list[Photo] = []
    bad: list[tuple[str, str]] = []
    seen: set[str] = set()
    pixels = 0
    for i, f in enumerate(files):
        if progress:
            progress(i / len(files), f"Reading {f.name} ({i + 1} of {len(files)})")
        if len(good) >= MAX_PHOTOS:
            bad.append((f.name, f"Only the first {MAX_PHOTOS} photos of an upload are used; this one was skipped."))
            continue
        try:
            photo = photo_from_upload(f.name, f.getvalue())
        except ImageError as e:
            bad.append((f.name, str(e)))
            continue
        except MemoryError:
            bad.append((f.name, "The image is too large for this computer's memory. Please resize it."))
            continue
        except ValueError as e:
            bad.append((f.name, f"The image could not be used: {e}"))
            continue
        if photo.key in seen:
            bad.append((f.name, "The same picture was uploaded twice; it is shown once."))
            continue
        size = photo.grey.shape[0] * photo.grey.shape[1]
        if good and pixels + size > MAX_BATCH_PIXELS:
            bad.append((f.name, f"Skipped: this upload already holds {pixels / 1e6:.0f} megapixels of photos. "
                                "Colorize this one in a second round."))
            continue
        pixels += size
        seen.add(photo.key)
        good.append(photo)
    set_photos(good, bad, "upload")


# --------------------------------------------------------------------------- results


@dataclass
class Outcome:
    """Results for one batch: images by (photo key, model) and friendly errors."""

    images: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    computed: int = 0
    seconds: float = 0.0

    def get(self, photo: Photo, model: str) -> np.ndarray | None:
        return self.images.get((photo.key, model))


def colorize_many(batch: Sequence[Photo], models: Sequence[str], render_factor: int,
                  colorize_fn: Callable[[str, np.ndarray, int], np.ndarray],
                  progress: Callable[[float, str], None] | None = None) -> Outcome:
    """Colorize every photo with every model, using and filling the session's result cache.

    ``colorize_fn(model, grey_rgb, render_factor)`` does the work. A failure
    (model missing, image too large ...) becomes a friendly message; the other
    results are still returned.
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
    return out


@st.cache_data(show_spinner=False, max_entries=256)
def metric_rows(photo: str, reference: np.ndarray, outputs: dict[str, np.ndarray]) -> list[dict]:
    """core.metrics.compare for each output (memoised: moving between pages stays instant)."""
    return views.metric_rows(photo, reference, outputs)


@st.cache_data(show_spinner=False, max_entries=256)
def colourfulness_rows(photo: str, outputs: dict[str, np.ndarray]) -> list[dict]:
    return views.colourfulness_rows(photo, outputs)


# --------------------------------------------------------------------------- settings shared by the pages


def models() -> list[str]:
    """Models chosen on the Colorize page (kept across pages)."""
    value = _ss().get("models")
    return list(DEFAULT_MODELS if value is None else value)


def render_factor() -> int:
    """The render factor set on the Colorize page; before that, the first chosen model's default."""
    value = _ss().get("render_factor")
    if value is not None:
        return int(value)
    infos = available_models()
    first = next((m for m in models() if m in infos), DEFAULT_MODELS[0])
    return infos[first].default_render_factor


def stamp_downloads() -> bool:
    return bool(_ss().get("stamp", False))


def focus_photo() -> Photo | None:
    """The photo the Compare/Channels pages open with: the chosen one, else the first."""
    batch = photos()
    if not batch:
        return None
    wanted = _ss().get("focus_photo")
    for p in batch:
        if p.key == wanted:
            return p
    return batch[0]
