"""A trained colorizer as a ``.keras`` file and back, for the download and upload buttons of the app.

A downloaded file is an ordinary Keras model file (``keras.models.load_model`` opens it, and so does
``AutoencoderColorizer(path)`` or ``python -m core colorize`` with ``COLORIZER_AUTOENCODER=path``), with one
extra member, ``classroom.json``: how it was trained (the settings and the per-epoch numbers), so that an
upload gets its name and its curves back. Keras ignores the extra member.

Uploads are untrusted: the size is capped, the zip is checked before anything is unpacked, the weights its
config asks for are counted before any is made (:mod:`core.training.modelsize`), the model is
loaded with only the project's own layers (``custom_objects``) and ``safe_mode=True`` (no Python code
from the file is ever run), and it must behave as a colorizer (L in, ab at a quarter of the size out).
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import zipfile

import numpy as np

from core.training import modelsize

MAX_BYTES = 64 * 2**20          # an upload larger than this is refused (the shipped model is 23 MB)
MAX_UNPACKED = 256 * 2**20      # ... and so is one that would unpack to more than this
INFO_MEMBER = "classroom.json"
MAX_INFO_BYTES = 256 * 2**10


def _size(n: int) -> str:
    return f"{n / 2**20:.0f} MB" if n >= 2**20 else f"{max(1, round(n / 2**10))} KB"


class ModelFileError(ValueError):
    """A file that is not a usable colorizer; the message says why, in plain words."""


def to_bytes(model, info: dict | None = None) -> bytes:
    """The ``.keras`` file of ``model`` (with ``info`` as ``classroom.json`` when given)."""
    with tempfile.TemporaryDirectory(prefix="colorizer-") as tmp:
        path = os.path.join(tmp, "model.keras")
        model.save(path)
        if info is not None:
            with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as zf:
                zf.writestr(INFO_MEMBER, json.dumps(info, indent=1))
        with open(path, "rb") as fh:
            return fh.read()


def _check_zip(data: bytes, name: str) -> dict | None:
    if not data.startswith(b"PK"):
        raise ModelFileError(f"{name} is not a Keras model file (a .keras file is a zip archive; this one is not). "
                             "Upload a file that this page let you download.")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            members = {i.filename: i for i in zf.infolist()}
            if "config.json" not in members or "model.weights.h5" not in members:
                raise ModelFileError(f"{name} is a zip archive but not a Keras model file "
                                     "(it has no config.json and model.weights.h5).")
            if sum(i.file_size for i in members.values()) > MAX_UNPACKED:
                raise ModelFileError(f"{name} would unpack to more than {MAX_UNPACKED // 2**20} MB; it is refused.")
            info = None
            if INFO_MEMBER in members and members[INFO_MEMBER].file_size <= MAX_INFO_BYTES:
                try:
                    info = json.loads(zf.read(INFO_MEMBER))
                except ValueError:
                    info = None
            return info if isinstance(info, dict) else None
    except zipfile.BadZipFile:
        raise ModelFileError(f"{name} is damaged: it is not a complete zip archive (was the download cut "
                             "short?).") from None


def check_colorizer(model) -> None:
    """Raise ModelFileError unless ``model`` maps normalised L (B, H, W, 1) to ab (B, H/4, W/4, 2)."""
    from core.colorizers.autoencoder import _stride

    why = ("it is a Keras model, but not a colorizer of this app: it must take the lightness L (one channel) "
           "and give the two colour channels a and b")
    inputs = getattr(model, "inputs", None) or []
    if len(inputs) != 1 or tuple(inputs[0].shape)[-1] != 1:
        raise ModelFileError(why + ".")
    side = 2 * _stride(model)
    try:
        out = np.asarray(model(np.zeros((1, side, side, 1), np.float32), training=False))
    except Exception:  # noqa: BLE001 - whatever the graph does wrong, the file is not usable
        raise ModelFileError(why + " (it failed on a test picture).") from None
    if out.shape != (1, side // 4, side // 4, 2) or not np.all(np.isfinite(out)):
        raise ModelFileError(why + f" (on a {side} x {side} test picture it gave shape {out.shape}).")


def from_bytes(data: bytes, name: str = "the file", max_bytes: int = MAX_BYTES):
    """(model, info) from the bytes of an uploaded ``.keras`` file; ModelFileError when it is not usable.
    ``info`` is the file's ``classroom.json`` (a dict) or None."""
    import keras

    from core.training import network

    if len(data) > max_bytes:
        raise ModelFileError(f"{name} is {_size(len(data))}; models up to {_size(max_bytes)} can be uploaded.")
    if not data:
        raise ModelFileError(f"{name} is empty.")
    info = _check_zip(data, name)
    try:
        modelsize.check(data)               # the weights its config asks for, counted before Keras makes them
    except ValueError as e:
        raise ModelFileError(f"{name} could not be opened as a colorization model ({e}).") from None
    with tempfile.TemporaryDirectory(prefix="colorizer-upload-") as tmp:
        path = os.path.join(tmp, "upload.keras")
        with open(path, "wb") as fh:
            fh.write(data)
        try:
            model = keras.models.load_model(path, custom_objects=network.CUSTOM_OBJECTS, compile=False,
                                            safe_mode=True)
        except Exception as e:  # noqa: BLE001 - Keras raises many kinds; all mean "not our model"
            reason = str(e).strip().splitlines()[0][:160] if str(e).strip() else type(e).__name__
            raise ModelFileError(f"{name} could not be opened as a colorization model ({reason}).") from None
    check_colorizer(model)
    return model, info


def save(model, path, info: dict | None = None) -> None:
    """Write ``model`` (with ``info``) to ``path`` as a ``.keras`` file, atomically."""
    from core.files import write_atomically

    write_atomically(path, to_bytes(model, info))


def load_path(path, max_bytes: int = MAX_BYTES):
    """(model, info) of a ``.keras`` file on disk, with every check of :func:`from_bytes` (a file that is not
    ours is refused without running any code from it); ModelFileError with a plain message otherwise."""
    from core.images import ImageError, read_file_bytes

    name = os.path.basename(str(path))
    try:
        data = read_file_bytes(path, max_bytes)
    except ImageError as e:
        raise ModelFileError(str(e)) from None
    except OSError as e:
        raise ModelFileError(f"{name} could not be read ({e.strerror or type(e).__name__}).") from None
    return from_bytes(data, name, max_bytes)
