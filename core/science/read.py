"""Reading the channels scientists have: separate grey files, a multi-channel or multi-page TIFF (OME-TIFF too),
FITS images and cubes, or any picture Pillow or OpenCV reads (a colour one gives its three channels).

:func:`load_channels` (paths, ``(name, bytes)`` pairs or uploaded files) -> a list of :class:`Channel`, in
order; :func:`read_channels` reads one file's bytes. Every problem is a :class:`ChannelError` that names the
file. The data keep their type (uint8, uint16, float32 ...): nothing is rounded or scaled here.

* FITS (:mod:`astropy.io.fits`): the first HDU with an image (2-D: one channel; a cube N x H x W: N channels);
  BSCALE/BZERO applied by astropy; turned upside down, since FITS rows run from the bottom up (as ds9 and
  astropy show them); a channel is named by the header's FILTER card when there is one.
* TIFF (:mod:`tifffile`): the first series; its one axis besides Y and X (C, S, Z, T, I ...) gives the channels;
  OME-TIFF channel names are used.
* Anything else: OpenCV (16-bit PNG kept at 16 bits), its size checked with Pillow before decoding.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import numpy as np

from core import images
from core.rgb import is_grey
from core.science.channel import MAX_CHANNELS, Channel, ChannelError

FITS_EXTS = (".fits", ".fit", ".fts", ".fz", ".fits.gz")
TIFF_MAGIC = (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")
UPLOAD_TYPES = ["fits", "fit", "fts", "fz", "gz", "tif", "tiff", "png", "jpg", "jpeg", "bmp", "webp"]


def _check_pixels(name: str, shape) -> None:
    h, w = int(shape[-2]), int(shape[-1])
    if h * w > images.max_pixels():
        raise ChannelError(f"{name}: each plane is {w} x {h} = {w * h / 1e6:.1f} megapixels; the limit is "
                           f"{images.max_pixels() / 1e6:.0f} megapixels.")


def _planes(name: str, arr: np.ndarray, what: str) -> np.ndarray:
    """``arr`` squeezed to H x W or N x H x W; ChannelError for more dimensions or more than 7 planes."""
    arr = np.squeeze(arr)
    if arr.ndim < 2 or min(arr.shape[-2:]) < 1:
        raise ChannelError(f"{name}: holds no picture ({what} of shape {arr.shape}).")
    if arr.ndim > 3:
        raise ChannelError(f"{name}: {what} has {arr.ndim} dimensions {arr.shape}; only a stack of channels "
                           "(channels x height x width) can be combined. Save the planes to show as their own file.")
    if arr.ndim == 3 and arr.shape[0] > MAX_CHANNELS:
        raise ChannelError(f"{name}: holds {arr.shape[0]} planes ({what} of shape {arr.shape}); at most "
                           f"{MAX_CHANNELS} channels can be combined. Save the ones to show as their own file.")
    return arr


def _split(name: str, arr: np.ndarray, names=()) -> list[Channel]:
    stem = Path(name).name
    if arr.ndim == 2:
        return [Channel(arr, names[0] if names else stem, stem)]
    return [Channel(np.ascontiguousarray(plane), names[i] if i < len(names) and names[i] else f"{stem} [{i + 1}]",
                    stem) for i, plane in enumerate(arr)]


def _fits(name: str, data: bytes) -> list[Channel]:
    from astropy.io import fits

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with fits.open(io.BytesIO(data), memmap=False) as hdul:
                hdu = next((h for h in hdul if h.is_image and len(h.shape) >= 2 and 0 not in h.shape), None)
                if hdu is None:
                    raise ChannelError(f"{name}: this FITS file holds no image (only tables or empty headers).")
                _check_pixels(name, hdu.shape)
                if len(hdu.shape) == 3 and hdu.shape[0] > MAX_CHANNELS:
                    raise ChannelError(f"{name}: the FITS cube holds {hdu.shape[0]} planes; at most {MAX_CHANNELS} "
                                       "channels can be combined. Save the ones to show as their own file.")
                arr = np.asarray(hdu.data)
                band = hdu.header.get("FILTER")
    except ChannelError:
        raise
    except MemoryError:
        raise ChannelError(f"{name}: too large to read.") from None
    except Exception as e:  # noqa: BLE001 - astropy raises OSError, TypeError, ValueError ... for broken files
        raise ChannelError(f"{name}: not a FITS file that can be read ({e}). It may be damaged or incomplete.") \
            from None
    arr = _planes(name, arr, "the FITS image")
    if arr.dtype.byteorder not in ("=", "|"):
        arr = arr.astype(arr.dtype.newbyteorder("="))        # FITS is big-endian: native order for numpy's speed
    arr = np.ascontiguousarray(arr[..., ::-1, :])            # FITS row 1 is the bottom one
    band = [str(band).strip()] if arr.ndim == 2 and isinstance(band, str) and band.strip() else []
    return _split(name, arr, band)


def _ome_names(tif) -> list[str]:
    try:
        import tifffile

        image = tifffile.xml2dict(tif.ome_metadata)["OME"]["Image"]
        image = image[0] if isinstance(image, list) else image
        chans = image["Pixels"]["Channel"]
        chans = chans if isinstance(chans, list) else [chans]
        return [str(c.get("Name", "")).strip() for c in chans]
    except Exception:  # noqa: BLE001 - names are a nicety: a file without them still reads
        return []


def _tiff(name: str, data: bytes) -> list[Channel]:
    import tifffile

    try:
        with tifffile.TiffFile(io.BytesIO(data)) as tif:
            series = tif.series[0]
            shape, axes = series.shape, series.axes
            _check_pixels(name, shape[-3:-1] if axes.endswith("S") else shape)
            arr = series.asarray()
            names = _ome_names(tif) if tif.is_ome else []
    except ChannelError:
        raise
    except MemoryError:
        raise ChannelError(f"{name}: too large to read.") from None
    except Exception as e:  # noqa: BLE001 - tifffile raises many kinds for broken files
        raise ChannelError(f"{name}: not a TIFF file that can be read ({e}).") from None
    if axes.endswith("S") and arr.ndim >= 3:                 # interleaved samples (RGB): channels first
        arr, axes = np.moveaxis(arr, -1, 0), "S" + axes[:-1]
        if arr.shape[0] == 3 and not names:
            names = [f"{Path(name).name} ({c})" for c in ("red", "green", "blue")]
    keep = [i for i, n in enumerate(arr.shape) if n > 1 or axes[i] in "YX"]
    arr = _planes(name, arr.reshape([arr.shape[i] for i in keep]), f"the TIFF ({''.join(axes[i] for i in keep)})")
    return _split(name, arr, names if arr.ndim == 3 else names[:1])


def _picture(name: str, data: bytes) -> list[Channel]:
    import cv2
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            w, h = Image.open(io.BytesIO(data)).size
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning, OSError):
        raise ChannelError(f"{name}: not a picture that can be read. Use FITS, TIFF, PNG or JPEG.") from None
    _check_pixels(name, (h, w))
    arr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if arr is None:
        raise ChannelError(f"{name}: the picture could not be decoded (damaged or incomplete?).")
    if arr.ndim == 3:
        arr = arr[..., 2::-1] if arr.shape[2] >= 3 else arr[..., :1]      # BGR(A) -> RGB, alpha dropped
        if arr.shape[2] == 1 or is_grey(arr, tol=0):
            arr = arr[..., 0]                                             # a grey picture stored as colour
        else:
            stem = Path(name).name
            return [Channel(np.ascontiguousarray(arr[..., k]), f"{stem} ({c})", stem)
                    for k, c in enumerate(("red", "green", "blue"))]
    return _split(name, np.ascontiguousarray(arr))


def _too_large(name: str, size: int) -> ChannelError:
    return ChannelError(f"{name}: the file is too large ({size / 2**20:.0f} MB; the limit is "
                        f"{images.max_bytes() / 2**20:.0f} MB).")


def _gunzip(name: str, data: bytes) -> bytes:
    """A gzipped file (``.fits.gz``) unpacked, at most the byte cap of it (a small file cannot flood memory)."""
    import zlib

    unpack = zlib.decompressobj(wbits=31)
    try:
        out = unpack.decompress(data, images.max_bytes() + 1)
    except zlib.error as e:
        raise ChannelError(f"{name}: the gzip file is damaged ({e}).") from None
    if len(out) > images.max_bytes():
        raise ChannelError(f"{name}: unpacked, the file is larger than the limit of "
                           f"{images.max_bytes() / 2**20:.0f} MB.")
    return out


def read_channels(data: bytes, name: str) -> list[Channel]:
    """The channels of one file's bytes (``name``: its file name, for the channels and the messages); a gzipped
    file (``.fits.gz``) is unpacked first."""
    if not data:
        raise ChannelError(f"{name}: the file is empty (0 bytes).")
    if len(data) > images.max_bytes():
        raise _too_large(name, len(data))
    if data[:2] == b"\x1f\x8b":
        data = _gunzip(name, data)
    if data[:9] == b"SIMPLE  =" or name.lower().endswith(FITS_EXTS):
        return _fits(name, data)
    if data[:4] in TIFF_MAGIC:
        return _tiff(name, data)
    return _picture(name, data)


def _source(src) -> tuple[str, bytes]:
    if isinstance(src, (str, Path)):
        try:
            return Path(src).name, images.read_file_bytes(src)
        except images.ImageError as e:
            raise ChannelError(str(e)) from None
    if isinstance(src, tuple) and len(src) == 2:
        return str(src[0]), bytes(src[1])
    if hasattr(src, "getvalue"):                              # an uploaded file
        return str(getattr(src, "name", "upload")), src.getvalue()
    raise ChannelError(f"Not a file: {src!r}")


def load_channels(sources) -> list[Channel]:
    """Every channel of ``sources`` (paths, ``(name, bytes)`` or uploaded files), in order; ChannelError when
    one cannot be read or there are more than :data:`MAX_CHANNELS` in all (sizes are checked by
    :func:`core.science.falsecolour`)."""
    out: list[Channel] = []
    for src in sources:
        name, data = _source(src)
        out += read_channels(data, name)
        if len(out) > MAX_CHANNELS:
            raise ChannelError(f"Too many channels: {name} brings the count past {MAX_CHANNELS} (at most "
                               f"{MAX_CHANNELS} can be combined). Choose the ones to show.")
    return out
