"""Safe image decoding: whatever a user drops in becomes RGB uint8 or a clear ImageError.

:func:`load_image` gives H x W x 3 uint8 RGB (what every model and page works on). :func:`load_master` gives a
:class:`Master`: the same uint8 picture, plus the full-precision uint16 RGB of a 16-bit source (grey PNG/TIFF
``I;16``, 48-bit RGB PNG/TIFF, read by OpenCV where Pillow would reduce it to 8 bits) and the source's
metadata (:class:`core.metadata.Meta`: DPI, ICC profile, EXIF date and camera, format). Both share the caps,
the EXIF orientation and the friendly :class:`ImageError`.
"""

from __future__ import annotations

import fnmatch
import hashlib
import io
import os
import stat
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from core.lab import resize_rgb
from core.metadata import Meta, read_meta
from core.rgb import is_grey  # noqa: F401  (the one grey test, core.rgb; imported from here by older callers)

DEFAULT_MAX_PIXELS = 40_000_000
DEFAULT_MAX_BYTES = 300 * 2**20
SUPPORTED = "JPEG, PNG, TIFF, BMP, WebP or GIF"

ImageFile.LOAD_TRUNCATED_IMAGES = False


class ImageError(ValueError):
    """A problem with an input image, worded for the person who supplied it."""


def max_pixels() -> int:
    """The pixel cap: ``COLORIZER_MAX_PIXELS`` or 40 megapixels."""
    try:
        return int(os.environ.get("COLORIZER_MAX_PIXELS", DEFAULT_MAX_PIXELS))
    except ValueError:
        return DEFAULT_MAX_PIXELS


def max_bytes() -> int:
    """The file size cap: ``COLORIZER_MAX_BYTES`` or 300 MB (checked before a byte is read)."""
    try:
        return int(os.environ.get("COLORIZER_MAX_BYTES", DEFAULT_MAX_BYTES))
    except ValueError:
        return DEFAULT_MAX_BYTES


def _mb(n: int) -> str:
    return f"{n / 2**20:.0f} MB" if n >= 2**20 else f"{n / 2**10:.0f} KB"


def _too_big(size: int, cap: int) -> ImageError:
    return ImageError(f"The file is too large: {_mb(size)} (the limit is {_mb(cap)}). "
                      "Please resize or recompress it and try again.")


def check_regular_file(path, cap: int | None = None) -> os.stat_result:
    """``os.stat`` of ``path`` (a link: of its target) when it is a regular file within the byte cap;
    ImageError otherwise. Nothing is opened, so a FIFO or a device cannot block or flood the reader."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise ImageError(f"File not found: {path}") from None
    except OSError as e:
        raise ImageError(f"Could not read {path}: {e.strerror or e}") from None
    if stat.S_ISDIR(st.st_mode):
        raise ImageError(f"{path} is a folder, not an image file")
    if not stat.S_ISREG(st.st_mode):
        raise ImageError(f"{path} is not a regular file (a pipe, a device or a socket), so it is not read")
    cap = max_bytes() if cap is None else cap
    if st.st_size > cap:
        raise _too_big(st.st_size, cap)
    return st


def read_file_bytes(path, cap: int | None = None) -> bytes:
    """The bytes of a regular file of at most ``cap`` bytes (see :func:`check_regular_file`); ImageError
    otherwise. Opened without blocking and checked again on the open file (it may have been swapped)."""
    cap = max_bytes() if cap is None else cap
    check_regular_file(path, cap)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise ImageError(f"File not found: {path}") from None
    except IsADirectoryError:
        raise ImageError(f"{path} is a folder, not an image file") from None
    except OSError as e:
        raise ImageError(f"Could not read {path}: {e.strerror or e}") from None
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fh.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise ImageError(f"{path} is not a regular file (a pipe, a device or a socket), so it is not read")
        try:
            data = fh.read(cap + 1)
        except OSError as e:
            raise ImageError(f"Could not read {path}: {e.strerror or e}") from None
    if len(data) > cap:
        raise _too_big(len(data), cap)
    return data


def _flatten_alpha(img: Image.Image) -> Image.Image:
    rgba = img.convert("RGBA")
    background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    return Image.alpha_composite(background, rgba).convert("RGB")


def _high_bit_depth_to_rgb(img: Image.Image) -> np.ndarray:
    arr = np.asarray(img)
    if arr.ndim == 3:
        arr = arr[..., 0]
    arr = arr.astype(np.float64)
    if img.mode == "F":
        finite = np.isfinite(arr)
        if not finite.any():
            raise ImageError("The image has no usable pixel values (every pixel is NaN or infinite). "
                             "Please export it again as an ordinary 8- or 16-bit image.")
        lo, hi = float(arr[finite].min()), float(arr[finite].max())
        # NaN and -inf as the darkest finite value, +inf as the lightest
        arr = np.where(finite, arr, np.where(np.isposinf(arr), hi, lo))
        scale = 255.0 / (hi - lo) if hi > lo else 0.0
        grey = (arr - lo) * scale
    elif img.mode.startswith("I;16") or arr.max() > 255:
        grey = arr / 257.0
    else:
        grey = arr
    grey = np.clip(np.rint(grey), 0, 255).astype(np.uint8)
    return np.repeat(grey[..., None], 3, axis=2)


def _read_source(src, byte_cap: int) -> bytes:
    if isinstance(src, (str, Path)):
        data = read_file_bytes(src, byte_cap)
    elif isinstance(src, (bytes, bytearray, memoryview)):
        data = bytes(src)
    elif hasattr(src, "read"):
        data = src.read(byte_cap + 1)
    else:
        raise ImageError("Unsupported input: give a file path, bytes or an uploaded file")
    if len(data) > byte_cap:
        raise _too_big(len(data), byte_cap)
    if not data:
        raise ImageError("The file is empty (0 bytes)")
    return data


def _open(data: bytes, cap: int, before_turn=None) -> Image.Image:
    """The first frame of ``data``, decoded within the pixel cap and turned upright (EXIF orientation);
    ``before_turn(img, rawmode)`` sees the image as stored, before it is turned. ImageError for every problem."""
    if Image.MAX_IMAGE_PIXELS is not None and cap > Image.MAX_IMAGE_PIXELS:
        # a cap set above Pillow's own bomb guard (~89 MP) must not be refused by Pillow first
        Image.MAX_IMAGE_PIXELS = cap
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            # a broken EXIF block only loses its facts (core.metadata): its warnings, one per bad entry (130,970
            # for a 65,535-entry block), are not printed
            warnings.filterwarnings("ignore", category=UserWarning, module=r"PIL\.TiffImagePlugin")
            warnings.filterwarnings("ignore", message="Possibly corrupt EXIF", category=UserWarning)
            img = Image.open(io.BytesIO(data))
            w, h = img.size
            if w < 1 or h < 1:
                raise ImageError("The image has no pixels")
            if w * h > cap:
                raise ImageError(
                    f"The image is too large: {w} x {h} = {w * h / 1e6:.1f} megapixels "
                    f"(the limit is {cap / 1e6:.0f} megapixels). Please resize it and try again."
                )
            # a file opens on its first page or frame; n_frames is never asked for, as counting the pages of
            # a TIFF walks every one of them (200,000 tiny pages: minutes)
            raw = str(img.tile[0].args) if img.tile else ""       # the stored layout, e.g. 'RGB;16B'
            img.load()
            if before_turn is not None:
                before_turn(img, raw)
            return ImageOps.exif_transpose(img)
    except ImageError:
        raise
    except UnidentifiedImageError:
        raise ImageError(f"This is not an image file we can read. Please use {SUPPORTED}.") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageError(f"The image is too large (more than {cap / 1e6:.0f} megapixels)") from None
    except (OSError, SyntaxError, ValueError, EOFError) as e:
        msg = str(e).lower()
        if "truncated" in msg or "broken" in msg or "eof" in msg or isinstance(e, EOFError):
            raise ImageError("The image file is damaged or incomplete (truncated). Please upload it again.") from None
        raise ImageError(f"The image could not be decoded ({e}). Please use {SUPPORTED}.") from None
    except MemoryError:
        raise ImageError("The image is too large to decode") from None


def _to_rgb8(img: Image.Image) -> np.ndarray:
    mode = img.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        return _high_bit_depth_to_rgb(img)
    if mode in ("RGBA", "LA", "PA", "RGBa", "La") or (mode == "P" and "transparency" in img.info):
        return np.asarray(_flatten_alpha(img), dtype=np.uint8)
    if mode != "RGB":
        img = img.convert("RGB")
    arr = np.asarray(img, dtype=np.uint8)
    if arr.ndim != 3 or arr.shape[2] != 3:  # pragma: no cover - defensive
        raise ImageError("The image could not be converted to RGB")
    return np.ascontiguousarray(arr)


def load_image(src, max_pixels_: int | None = None, max_bytes_: int | None = None) -> np.ndarray:
    """Decode ``src`` (a path, bytes, or a binary file object) into H x W x 3 uint8 RGB.

    EXIF orientation is applied; alpha is flattened on white; grey, palette,
    CMYK and 16-bit images are converted; animated/multi-page files give their
    first frame. Raises :class:`ImageError` with a readable message for empty,
    truncated, non-image or oversized (decompression-bomb) files, for files over the byte cap
    (:func:`max_bytes`, checked before reading) and for paths that are not regular files (a FIFO, a
    device: never opened for reading, so they cannot block or flood memory).
    """
    data = _read_source(src, max_bytes_ or max_bytes())
    return _to_rgb8(_open(data, max_pixels_ or max_pixels()))


@dataclass(frozen=True)
class Master:
    """A decoded source file: ``rgb`` (uint8, exactly :func:`load_image`'s), ``rgb16`` (H x W x 3 uint16
    of a 16-bit source, None for an 8-bit one) and ``meta`` (what the file says about itself)."""

    rgb: np.ndarray
    rgb16: np.ndarray | None = None
    meta: Meta = Meta()

    @property
    def bits(self) -> int:
        """16 for a 16-bit source (``rgb16`` is set), else 8."""
        return 16 if self.rgb16 is not None else 8


_TURNS = {2: lambda a: a[:, ::-1], 3: lambda a: a[::-1, ::-1], 4: lambda a: a[::-1],
          5: lambda a: a.swapaxes(0, 1), 6: lambda a: np.rot90(a, -1), 7: lambda a: a.swapaxes(0, 1)[::-1, ::-1],
          8: lambda a: np.rot90(a, 1)}          # EXIF orientation -> the turn of ImageOps.exif_transpose


def _flatten16(arr: np.ndarray) -> np.ndarray:
    """uint16 BGR/BGRA/grey from OpenCV -> uint16 RGB, alpha flattened on white."""
    if arr.ndim == 2:
        return np.repeat(arr[..., None], 3, axis=2)
    rgb = arr[..., 2::-1] if arr.shape[2] >= 3 else np.repeat(arr[..., :1], 3, axis=2)
    if arr.shape[2] in (2, 4):
        a = arr[..., -1:].astype(np.float32) / 65535.0
        rgb = np.rint(rgb * a + 65535.0 * (1.0 - a)).astype(np.uint16)
    return np.ascontiguousarray(rgb)


def _rgb16(img: Image.Image, data: bytes, seen: dict, shape) -> np.ndarray | None:
    """The uint16 RGB of a 16-bit source (None when it is not one, or cannot be read at 16 bits)."""
    if img.mode.startswith("I;16") or (img.mode == "I" and np.asarray(img).max() > 255):
        grey = np.clip(np.asarray(img), 0, 65535).astype(np.uint16)
        return np.repeat((grey[..., 0] if grey.ndim == 3 else grey)[..., None], 3, axis=2)
    if ";16" not in seen["raw"] or seen["meta"].source_format not in ("PNG", "TIFF"):
        return None
    import cv2

    arr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if arr is None or arr.dtype != np.uint16:
        return None
    rgb = _flatten16(_TURNS.get(seen["orientation"], lambda a: a)(arr))
    return rgb if rgb.shape[:2] == tuple(shape[:2]) else None


def load_master(src, max_pixels_: int | None = None, max_bytes_: int | None = None) -> Master:
    """Decode ``src`` like :func:`load_image` into a :class:`Master`: the uint8 RGB, the uint16 RGB of a
    16-bit source (else None) and the file's :class:`core.metadata.Meta`. Same caps and ImageError."""
    data = _read_source(src, max_bytes_ or max_bytes())
    seen = {}

    def before_turn(img, raw):
        seen.update(meta=read_meta(img), raw=raw, orientation=img.getexif().get(0x0112, 1))

    img = _open(data, max_pixels_ or max_pixels(), before_turn)
    rgb = _to_rgb8(img)
    try:
        rgb16 = _rgb16(img, data, seen, rgb.shape)
    except MemoryError:
        raise ImageError("The image is too large to decode") from None
    return Master(rgb, rgb16, seen["meta"])


def encode_png(rgb: np.ndarray, compress_level: int = 1, text: dict[str, str] | None = None) -> bytes:
    """PNG bytes; ``compress_level`` 1 (the default) is about four times faster than 6, files about as large.

    ``text``: key/value pairs stored as PNG text chunks before the pixels (read back from ``Image.open().info``
    without decoding the pixels)."""
    info = None
    if text:
        from PIL import PngImagePlugin

        info = PngImagePlugin.PngInfo()
        for key, value in text.items():
            info.add_text(key, value)
    buf = io.BytesIO()
    Image.fromarray(np.asarray(rgb, np.uint8)).save(buf, format="PNG", optimize=False, compress_level=compress_level,
                                                    pnginfo=info)
    return buf.getvalue()


def fit_within(rgb: np.ndarray, max_side: int) -> np.ndarray:
    """Shrink (never enlarge) so that the long side is at most ``max_side`` pixels."""
    h, w = rgb.shape[:2]
    if max(h, w) <= max_side:
        return rgb
    scale = max_side / float(max(h, w))
    return resize_rgb(rgb, max(1, round(h * scale)), max(1, round(w * scale)))


def image_key(rgb: np.ndarray) -> str:
    """A short content hash of an image (shape and pixels): the cache key of its results."""
    arr = np.ascontiguousarray(rgb)
    h = hashlib.sha1(repr((arr.shape, str(arr.dtype))).encode())
    h.update(arr.tobytes())
    return h.hexdigest()[:16]



IMAGE_EXTS = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff", ".gif")


def list_images(folders, exclude=()) -> list[str]:
    """Every image file (by extension) under ``folders``, sorted; names matching an ``exclude``
    pattern (fnmatch, on the file name) are left out."""
    files = []
    for d in folders:
        for root, _, names in os.walk(d):
            for n in sorted(names):
                if n.lower().endswith(IMAGE_EXTS) and not any(fnmatch.fnmatch(n, p) for p in exclude):
                    files.append(os.path.join(root, n))
    return sorted(files)
