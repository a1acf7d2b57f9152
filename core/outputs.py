"""Result files: PNG (8-bit), PNG16 (16-bit RGB), TIFF (8- or 16-bit) and JPEG, each with the source's
metadata and the "AI-coloured" XMP mark (:mod:`core.metadata`).

* :data:`FORMATS`, :func:`resolve` (``None`` / ``"auto"``: png16 for a 16-bit source, png for an 8-bit one),
  :func:`extension`.
* :func:`encode`: the bytes of one result. PNG and JPEG through Pillow (XMP as PNG iTXt
  ``XML:com.adobe.xmp`` / JPEG APP1); 16-bit RGB PNG through OpenCV (Pillow cannot write 48-bit RGB PNG),
  its chunks added by :func:`core.metadata.add_png_chunks`; TIFF through tifffile (Pillow cannot write
  48-bit RGB TIFF, OpenCV writes no ICC or XMP tags), XMP in tag 700, deflate compressed; then, when asked,
  signed with Content Credentials (:mod:`core.credentials`).
* :func:`to_bits`: a uint8 or uint16 picture at the other depth (x 257, or rounded / 257).
"""

from __future__ import annotations

import io

import numpy as np

from core import metadata
from core.credentials import Request, sign_result
from core.metadata import Meta

FORMATS = ("png", "png16", "tiff", "jpeg")
EXTENSIONS = {"png": ".png", "png16": ".png", "tiff": ".tif", "jpeg": ".jpg"}
MIME = {"png": "image/png", "png16": "image/png", "tiff": "image/tiff", "jpeg": "image/jpeg"}
JPEG_QUALITY = 95


def resolve(fmt: str | None, bits: int) -> str:
    """The format to write: ``fmt`` itself, or (None / "auto") png16 for a 16-bit source, png otherwise;
    ValueError for an unknown name."""
    if fmt in (None, "", "auto"):
        return "png16" if bits == 16 else "png"
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    return fmt


def extension(fmt: str | None) -> str:
    """The file extension of a format (".png" for auto)."""
    return EXTENSIONS.get(resolve(fmt, 8), ".png")


def to_bits(rgb: np.ndarray, bits: int) -> np.ndarray:
    """``rgb`` (uint8 or uint16) as uint8 (``bits`` 8: rounded from 16 bits) or uint16 (16: v x 257)."""
    rgb = np.asarray(rgb)
    if bits == 16:
        return rgb if rgb.dtype == np.uint16 else rgb.astype(np.uint16) * np.uint16(257)
    if rgb.dtype == np.uint8:
        return rgb
    return ((rgb.astype(np.uint32) + 128) // 257).astype(np.uint8)


def encode(rgb: np.ndarray, fmt: str, meta: Meta | None = None, facts: dict | None = None,
           text: dict[str, str] | None = None, compress_level: int = 1, guessed: bool = True,
           credentials: Request | None = None) -> bytes:
    """The file of one result ``rgb`` (H x W x 3, uint8 or uint16) in ``fmt`` (:data:`FORMATS`).

    ``meta``: the source's DPI, ICC profile and EXIF date/camera, kept (an RGB profile, else the file is
    tagged sRGB); ``facts``: how it was made (model, render_factor, hints, restore ...), written with the
    IPTC "AI-made" marker in XMP (:func:`core.metadata.xmp_packet`); ``text``: PNG text chunks (the batch's
    provenance; PNG only). png and jpeg are 8-bit, png16 16-bit, tiff keeps the depth of ``rgb``.
    ``guessed=False``: false colour of measured data, not AI-made (:func:`core.metadata.xmp_packet`).
    ``credentials``: sign the file with Content Credentials (:mod:`core.credentials`); when that fails the
    file is returned unsigned and ``credentials.problem`` says why."""
    fmt = resolve(fmt, 16 if np.asarray(rgb).dtype == np.uint16 else 8)
    data = _encode(rgb, fmt, meta or Meta(), facts, text, compress_level, guessed)
    return sign_result(data, fmt, dict(facts or {}), credentials, guessed)


def _encode(rgb, fmt: str, meta: Meta, facts, text, compress_level: int, guessed: bool) -> bytes:
    xmp = metadata.xmp_packet(dict(facts or {}), meta, guessed=guessed)
    if fmt == "png16":
        return _png16(to_bits(rgb, 16), meta, xmp, text, compress_level)
    if fmt == "tiff":
        return _tiff(rgb, meta, xmp)
    from PIL import Image

    img = Image.fromarray(np.ascontiguousarray(to_bits(rgb, 8)))
    icc = meta.rgb_icc
    kw = {"dpi": meta.dpi} if meta.dpi else {}
    if icc:
        kw["icc_profile"] = icc
    buf = io.BytesIO()
    if fmt == "jpeg":
        exif = metadata.exif_bytes(meta, srgb=not icc)
        img.save(buf, format="JPEG", quality=JPEG_QUALITY, xmp=xmp, **({"exif": exif} if exif else {}), **kw)
        return buf.getvalue()
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    if not icc:
        info.add(b"sRGB", b"\x00")                    # rendering intent: perceptual
    info.add_itxt(metadata.XMP_KEY, xmp.decode("utf-8"))
    for key, value in (text or {}).items():
        info.add_text(key, value)
    exif = metadata.exif_bytes(meta)
    if exif:
        kw["exif"] = exif
    img.save(buf, format="PNG", optimize=False, compress_level=compress_level, pnginfo=info, **kw)
    return buf.getvalue()


def _png16(rgb16: np.ndarray, meta: Meta, xmp: bytes, text, compress_level: int) -> bytes:
    import cv2

    ok, buf = cv2.imencode(".png", np.ascontiguousarray(rgb16[..., ::-1]),     # OpenCV wants BGR
                           [cv2.IMWRITE_PNG_COMPRESSION, int(compress_level)])
    if not ok:                                          # pragma: no cover - OpenCV always writes uint16
        raise ValueError("OpenCV could not write the 16-bit PNG")
    return metadata.add_png_chunks(buf.tobytes(), metadata.png_text_chunks(meta, xmp, text))


def _tiff(rgb: np.ndarray, meta: Meta, xmp: bytes) -> bytes:
    import tifffile

    icc = meta.rgb_icc or metadata.srgb_icc()
    tags = [(700, "B", len(xmp), xmp, True), (34675, "B", len(icc), icc, True)]
    for code, name in ((271, "make"), (272, "model"), (306, "date")):
        value = meta.ascii(name)
        if value:
            tags.append((code, "s", 0, value, True))                      # TIFF text is 7-bit ASCII
    kw = {"resolution": meta.dpi, "resolutionunit": "INCH"} if meta.dpi else {}
    buf = io.BytesIO()
    tifffile.imwrite(buf, np.ascontiguousarray(rgb), photometric="rgb", compression="zlib", metadata=None,
                     software=metadata.SOFTWARE, extratags=tags, **kw)
    return buf.getvalue()
