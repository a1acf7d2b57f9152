"""The session's photo batch: uploads and samples taken in, bounded, and the photo the pages focus on.

Each photo is the grey input the models colour, plus its colour original when there is one.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import streamlit as st

from core import ImageError, images, lab, pipeline
from core.credentials import Source
from core.figures import samples
from core.images import is_grey
from core.kind import PhotoKind, classify
from core.metadata import Meta
from ui import address, results, state

MAX_PHOTOS = 24                   # photos kept from one upload
MAX_BATCH_PIXELS = 120_000_000    # ... and at most this many pixels in all (3 photos at the 40 MP cap)
MAX_UPLOAD_BYTES = 200 * 2**20    # ... and of files: the server holds an upload's files while they are in the box
DEFAULT_SAMPLE_SIDE = 512
def sample_side() -> int:
    """Long side of the built-in samples: ``STUDIO_SAMPLE_SIDE`` (smaller = faster, e.g. for tests) or 512."""
    try:
        return max(16, int(os.environ.get("STUDIO_SAMPLE_SIDE", DEFAULT_SAMPLE_SIDE)))
    except ValueError:
        return DEFAULT_SAMPLE_SIDE


ROLES = {"bw": "Treat as black-and-white", "test": "Treat as a colour test"}


@dataclass
class Photo:
    """One photo of the current batch.

    A black-and-white photo (grey, or toned: sepia, cyanotype, yellowed paper) is coloured from its
    lightness and never scored; a colour photo is a *test*: made grey, coloured, and scored against
    its original. :func:`core.kind.classify` decides, and the user may override it (``role``)."""

    key: str                                # content hash of the grey input
    name: str                               # file name or sample title
    grey: np.ndarray                        # what the models colour: the photo's lightness, as grey RGB
    original: np.ndarray | None = None      # the photo as given, when it carries any colour at all
    kind: PhotoKind = field(default_factory=lambda: PhotoKind("grey", 0.0, 0.0, 0.0))
    role: str | None = None                 # the user's choice ("bw" or "test"); None = follow ``kind``
    grey16: np.ndarray | None = None        # a 16-bit upload's grey (H, W) uint16, for its 16-bit download
    meta: Meta | None = None                # what the uploaded file said (DPI, ICC, EXIF), kept on downloads
    source: Source | None = None            # the uploaded file: the downloads' parent ingredient (core.credentials)
    repaired: float | None = None           # share of pixels repaired (ui.restore), said by the downloads
    repair_marks: int = 0                   # ... of which this many strokes were painted by hand
    upload_key: str | None = None           # a repaired photo's: the key of the photo as uploaded

    @property
    def is_test(self) -> bool:
        if self.original is None:
            return False
        return self.role == "test" if self.role else self.kind.kind == "colour"

    @property
    def reference(self) -> np.ndarray | None:
        """The colour original the results are scored against (only for a test)."""
        return self.original if self.is_test else None

    @property
    def has_reference(self) -> bool:
        return self.reference is not None

    @property
    def overridden(self) -> bool:
        return self.role is not None and self.role != ("test" if self.kind.kind == "colour" else "bw")


def photo_from_rgb(name: str, rgb: np.ndarray, role: str | None = None) -> Photo:
    """Classify a picture (grey, toned or colour, :func:`core.kind.classify`) and make it a Photo:
    the models always colour its lightness; a colour one keeps its original to be scored."""
    if is_grey(rgb):               # no colour at all: used exactly as it is
        grey = np.ascontiguousarray(rgb)
        return Photo(images.image_key(grey), name, grey, None, PhotoKind("grey", 0.0, 0.0, 0.0), None)
    grey = lab.to_grey_rgb(rgb)
    return Photo(images.image_key(grey), name, grey, rgb, classify(rgb), role)


def photo_from_upload(name: str, data: bytes) -> Photo:
    """Decode an uploaded file (a 16-bit one keeps its 16-bit grey); raises ImageError (bad file) or MemoryError."""
    master = images.load_master(data)
    photo = photo_from_rgb(name, master.rgb)
    grey16 = None if master.rgb16 is None else pipeline.grey_master(master.rgb16)
    return replace(photo, grey16=grey16, meta=master.meta, source=Source.from_bytes(name, data))


def set_role(key: str, role: str | None) -> None:
    """The user's choice for the photo ``key``: "bw", "test", or None (the app's own guess)."""
    state.PHOTOS.set([replace(p, role=role) if p.key == key else p for p in state.PHOTOS.get([])])


def photos() -> list[Photo]:
    return list(state.PHOTOS.get([]))


def rejected() -> list[tuple[str, str]]:
    """(file name, friendly message) of files in the current batch that could not be used."""
    return list(state.REJECTED.get([]))


def set_photos(new: Sequence[Photo], rejects: Sequence[tuple[str, str]] = (), sample_names: Sequence[str] = ()) -> None:
    """Replace the batch (``sample_names``: the built-in samples it is made of, kept in the address).
    Results of photos that are no longer in it are dropped."""
    batch = list(new)[:MAX_PHOTOS]
    state.PHOTOS.set(batch)
    state.BATCH_SAMPLES.set(list(sample_names))
    address.sync()
    state.REJECTED.set(list(rejects))
    keep = {p.key for p in batch}
    results.results().discard_where(lambda k: k[0] not in keep)
    results.downloads().discard_where(lambda k: k[0] not in keep)


def uploader_key() -> str:
    """The key of the Colorize page's upload box. Streamlit cannot empty an upload box from the
    server, so emptying it means showing a new one under a new key (:func:`empty_upload_box`)."""
    return state.PHOTO_UPLOADS.key()


def empty_upload_box() -> None:
    """Empty the upload box, so that its files do not come back as the batch on the next rerun."""
    state.PHOTO_UPLOADS.empty()
    state.UPLOAD_SIGNATURE.clear()


def upload_box_emptied() -> bool:
    """Called when the Colorize page's upload box is empty. The box empties itself when the person visits
    another page (Streamlit forgets a widget that is not drawn) or removes its files; the photos stay (every
    page uses them) but the messages about that upload's files go with it. True when the photos shown came from
    an upload that is no longer in the box (the page says so)."""
    if state.UPLOAD_SIGNATURE.get():
        state.UPLOAD_SIGNATURE.set(())
        state.REJECTED.set([])
    return bool(photos()) and not batch_samples()


def clear_photos() -> None:
    """Clear everything: the batch, the rejected files and the upload box."""
    set_photos([], [])
    empty_upload_box()


def sample_photo(name: str) -> Photo:
    s = samples.SAMPLE_BY_NAME[name]
    return photo_from_rgb(s.title, load_sample_cached(name, sample_side()), role="test" if s.colour else "bw")


@st.cache_data(show_spinner=False, max_entries=16)
def load_sample_cached(name: str, max_side: int) -> np.ndarray:
    return samples.load_sample(name, max_side)


@st.cache_data(show_spinner=False, max_entries=16)
def sample_thumbnail(name: str, side: int = 160) -> np.ndarray:
    return lab.to_grey_rgb(images.fit_within(load_sample_cached(name, sample_side()), side))


def use_samples(names: Sequence[str]) -> None:
    """Make these samples the batch, and empty the upload box (its files would come back otherwise)."""
    set_photos([sample_photo(n) for n in names], [], names)
    empty_upload_box()


def batch_samples() -> list[str]:
    """The names of the built-in samples the batch is made of (none when it holds uploads)."""
    return list(state.BATCH_SAMPLES.get([]))


def restore_from_address() -> None:
    """A new session (a reload, a bookmark) starts with the samples named in ``?samples=``."""
    if state.PHOTOS.is_set():
        return
    wanted = [n for n in address.wanted_samples() if n in samples.SAMPLE_BY_NAME]
    if wanted:
        set_photos([sample_photo(n) for n in wanted], [], wanted)


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
    if state.UPLOAD_SIGNATURE.get() == signature:
        return
    state.UPLOAD_SIGNATURE.set(signature)
    total = sum(int(f.size) for f in files)
    if total > MAX_UPLOAD_BYTES:           # nothing is decoded, and the server lets go of the files at once
        _release(files)
        empty_upload_box()                 # forgets the signature too: the new, empty box keeps the message
        set_photos([], [("This upload", f"its {len(files)} files are {total / 2**20:.1f} MB in all; at most "
                                        f"{MAX_UPLOAD_BYTES / 2**20:.0f} MB can be uploaded at once. Please "
                                        "upload fewer or smaller files.")])
        st.rerun()                         # shows the new, empty box
    good: list[Photo] = []
    bad: list[tuple[str, str]] = []
    seen: dict[str, str] = {}             # photo key -> the file name it came in first
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
            bad.append((f.name, f"The same picture as {seen[photo.key]} (the same pixels, maybe in another file "
                                "format); it is shown once."))
            continue
        size = photo.grey.shape[0] * photo.grey.shape[1]
        if good and pixels + size > MAX_BATCH_PIXELS:
            bad.append((f.name, f"Skipped: this upload already holds {pixels / 1e6:.0f} megapixels of photos. "
                                "Colorize this one in a second round."))
            continue
        pixels += size
        seen[photo.key] = f.name
        good.append(photo)
    set_photos(good, bad)


def _release(files) -> None:
    """Drop uploaded files from the server's memory now (Streamlit keeps each one until the browser says it is
    removed, or the session ends)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    manager = getattr(ctx, "uploaded_file_mgr", None)
    for f in files:
        if manager is not None and getattr(f, "file_id", None):
            manager.remove_file(ctx.session_id, f.file_id)


def focus_photo() -> Photo | None:
    """The photo the Compare/Channels pages open with: the chosen one, else the first."""
    batch = photos()
    if not batch:
        return None
    wanted = state.FOCUS_PHOTO.get()
    for p in batch:
        if p.key == wanted:
            return p
    return batch[0]


def set_focus(key: str) -> None:
    """The photo the pages open with from now on (chosen on one of them)."""
    state.FOCUS_PHOTO.set(key)
