"""A corpus of hostile and odd input files, generated on the fly (no binary fixtures).

``write_corpus(folder)`` writes every case into ``folder`` and returns
``{filename: Case}``; ``Case.ok`` says whether the file must colorize (True)
or be refused with an ImageError whose message contains ``Case.message``.
The pixel cap used for the "just under the cap" case is :data:`CORPUS_CAP`
(tests set ``COLORIZER_MAX_PIXELS`` to it so the case stays quick).
"""

from __future__ import annotations

import io
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, features

CORPUS_CAP = 2_000_000
# an ICC header that says RGB, followed by bytes no colour engine can read
MALFORMED_ICC = struct.pack(">I", 600) + b"lcms" + b"\x02\x10\x00\x00" + b"mntrRGB XYZ " + b"\xff" * 580


@dataclass(frozen=True)
class Case:
    ok: bool
    message: str = ""               # a word the refusal message must contain (lower case)
    shape: tuple | None = None      # expected (H, W) of the decoded image when ok


def _photo(h=96, w=128, seed=0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w]
    img = np.stack([xx * 255 // max(w - 1, 1), yy * 255 // max(h - 1, 1), 255 - xx * 255 // max(w - 1, 1)], -1)
    img = img + rng.integers(-10, 10, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


def _save(img: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format=fmt, **kw)
    return buf.getvalue()


def _png_header_only(width: int, height: int) -> bytes:
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) \
        + chunk(b"IEND", b"")


def many_pages_tiff(pages: int) -> bytes:
    """A TIFF of one 96 x 128 page and then ``pages`` pages of 1 x 1 pixel (counting its pages walks them all)."""
    import tifffile

    buf = io.BytesIO()
    with tifffile.TiffWriter(buf) as tw:
        tw.write(_photo(), photometric="rgb")
        for _ in range(pages):
            tw.write(np.zeros((1, 1), np.uint8), contiguous=False)
    return buf.getvalue()


def dpi_tiff(dpi: float, as_double: bool = False) -> bytes:
    """A TIFF whose resolution is ``dpi`` per inch: a rational dpi / 1, or (``as_double``) an 8-byte float, as
    TIFF allows, so that inf and 1e300 can be stored."""
    import tifffile

    buf = io.BytesIO()
    tifffile.imwrite(buf, _photo(), photometric="rgb", resolution=(dpi if not as_double else 300, 1),
                     resolutionunit="INCH")
    data = bytearray(buf.getvalue())
    if as_double:
        with tifffile.TiffFile(io.BytesIO(bytes(data))) as tf:
            for code in (282, 283):                      # XResolution, YResolution: RATIONAL -> DOUBLE
                tag = tf.pages[0].tags[code]
                struct.pack_into("<H", data, tag.offset + 2, 12)
                struct.pack_into("<d", data, tag.valueoffset, dpi)
    return bytes(data)


def exif_jpeg(make=None, model=None, date=None, icc: bytes | None = None) -> bytes:
    """A JPEG with these EXIF texts (str, or bytes stored as they are) and ICC profile."""
    exif = Image.Exif()
    for tag, value in ((271, make), (272, model)):
        if value is not None:
            exif[tag] = value
    if date is not None:
        exif.get_ifd(0x8769)[36867] = date
    return _save(Image.fromarray(_photo()), "JPEG", exif=exif.tobytes(), **({"icc_profile": icc} if icc else {}))


def exif_flood_png(tags: int = 65535) -> bytes:
    """A PNG whose eXIf block declares ``tags`` entries, each claiming more data than the file has (Pillow
    warns once per entry)."""
    entries = b"".join(struct.pack("<HHII", 0x1000 + i % 60000, 2, 0x7FFFFFFF, 0) for i in range(tags))
    ifd = b"II" + struct.pack("<HIH", 42, 8, tags) + entries + b"\0\0\0\0"
    png = _save(Image.fromarray(_photo()), "PNG")
    body = ifd
    chunk = struct.pack(">I", len(body)) + b"eXIf" + body + struct.pack(">I", zlib.crc32(b"eXIf" + body) & 0xFFFFFFFF)
    return png[:33] + chunk + png[33:]                  # after the signature and IHDR


def write_corpus(folder) -> dict[str, Case]:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    photo = _photo()
    cases: dict[str, tuple[bytes, Case]] = {}

    cases["zero_bytes.jpg"] = (b"", Case(False, "empty"))
    jpeg = _save(Image.fromarray(photo), "JPEG", quality=90)
    cases["truncated.jpg"] = (jpeg[: len(jpeg) // 2], Case(False, "truncated"))
    png = _save(Image.fromarray(photo), "PNG")
    cases["truncated.png"] = (png[: len(png) // 2], Case(False, "truncated"))
    cases["text_renamed.png"] = (b"hello, this is not an image\n" * 20, Case(False, "not an image"))
    cases["page_renamed.png"] = (b"<!doctype html><html><body><h1>hi</h1></body></html>", Case(False, "not an image"))
    cases["drawing_renamed.png"] = (
        b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>',
        Case(False, "not an image"))
    cases["bomb_50000x50000.png"] = (_png_header_only(50000, 50000), Case(False, "too large"))
    cases["one_pixel.png"] = (_save(Image.fromarray(photo[:1, :1]), "PNG"), Case(True, shape=(1, 1)))
    tall = np.repeat(photo[:1, :1], 5000, axis=0)
    cases["one_by_5000.png"] = (_save(Image.fromarray(tall), "PNG"), Case(True, shape=(5000, 1)))
    grey16 = (np.linspace(0, 65535, 64 * 80).reshape(64, 80)).astype(np.uint16)
    cases["grey_16bit.png"] = (_save(Image.fromarray(grey16), "PNG"), Case(True, shape=(64, 80)))
    cases["cmyk.jpg"] = (_save(Image.fromarray(photo).convert("CMYK"), "JPEG"), Case(True, shape=(96, 128)))
    rgba = np.dstack([photo, np.where(np.arange(128)[None, :] < 64, 0, 255).repeat(96, 0).astype(np.uint8)])
    cases["rgba_transparent.png"] = (_save(Image.fromarray(rgba, "RGBA"), "PNG"), Case(True, shape=(96, 128)))
    cases["palette.gif"] = (_save(Image.fromarray(photo).convert("P", palette=Image.Palette.ADAPTIVE), "GIF"),
                            Case(True, shape=(96, 128)))
    frames = [Image.fromarray(_photo(seed=s)).convert("P", palette=Image.Palette.ADAPTIVE) for s in range(3)]
    buf = io.BytesIO()
    frames[0].save(buf, format="GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    cases["animated.gif"] = (buf.getvalue(), Case(True, shape=(96, 128)))
    pages = [Image.fromarray(_photo(64, 48, seed=s)) for s in range(3)]
    buf = io.BytesIO()
    pages[0].save(buf, format="TIFF", save_all=True, append_images=pages[1:])
    cases["multipage.tiff"] = (buf.getvalue(), Case(True, shape=(64, 48)))
    if features.check("webp"):
        cases["photo.webp"] = (_save(Image.fromarray(photo), "WEBP", quality=80), Case(True, shape=(96, 128)))
    exif = Image.Exif()
    exif[0x0112] = 6                # rotate 90 degrees clockwise to display
    cases["exif_rotated.jpg"] = (_save(Image.fromarray(photo), "JPEG", exif=exif.tobytes()),
                                 Case(True, shape=(128, 96)))
    cases["colour_photo.jpg"] = (jpeg, Case(True, shape=(96, 128)))
    grey_rgb = np.repeat(photo.mean(-1, keepdims=True).astype(np.uint8), 3, -1)
    cases["grey_rgb.png"] = (_save(Image.fromarray(grey_rgb), "PNG"), Case(True, shape=(96, 128)))
    side_w, side_h = 1730, 1150     # 1,989,500 px: just under CORPUS_CAP
    big = np.asarray(Image.fromarray(photo).resize((side_w, side_h)))
    cases["just_under_cap.jpg"] = (_save(Image.fromarray(big), "JPEG", quality=80), Case(True, shape=(side_h, side_w)))
    over = np.asarray(Image.fromarray(photo).resize((1800, 1200)))
    cases["just_over_cap.png"] = (_save(Image.fromarray(over), "PNG", compress_level=1), Case(False, "too large"))

    # the attack pass of issue 34: accepted files whose pages or metadata are hostile
    cases["many_pages_2000.tiff"] = (many_pages_tiff(2000), Case(True, shape=(96, 128)))
    cases["dpi_4294967295.tiff"] = (dpi_tiff(4294967295), Case(True, shape=(96, 128)))
    cases["dpi_inf.tiff"] = (dpi_tiff(float("inf"), as_double=True), Case(True, shape=(96, 128)))
    cases["exif_not_ascii.jpg"] = (exif_jpeg(make=b"Caf\xe9 \xff\xfe"), Case(True, shape=(96, 128)))
    cases["exif_control_chars.jpg"] = (exif_jpeg("Evil\x01\x02\x1b[31mRED\x07", '"/><x:inj a="]]>&amp;',
                                                 "1952:06:01\x0c10:30:00"), Case(True, shape=(96, 128)))
    cases["exif_65535_tags.png"] = (exif_flood_png(), Case(True, shape=(96, 128)))
    cases["icc_malformed.jpg"] = (exif_jpeg(icc=MALFORMED_ICC), Case(True, shape=(96, 128)))

    for name, (data, _) in cases.items():
        (folder / name).write_bytes(data)
    return {name: case for name, (_, case) in cases.items()}
