"""What a photo's file says about it, kept on the result, and the machine-readable "AI-coloured" mark.

* :class:`Meta` and :func:`read_meta`: DPI, ICC profile, EXIF date and camera, the source format of a decoded
  file (orientation is applied by :mod:`core.images`, so it is not kept).
* :func:`xmp_packet`: an XMP packet with the IPTC ``Iptc4xmpExt:DigitalSourceType`` of AI-made colour
  (:data:`DIGITAL_SOURCE_TYPE`) and how it was made (model, render factor, hints, repair);
  :func:`read_xmp_facts` reads ours back. With ``guessed=False`` (false colour of measured channels,
  :mod:`core.science`) the type is :data:`DATA_SOURCE_TYPE` instead, never the AI-made one.
* :func:`exif_bytes`: the EXIF block of the kept date and camera (with ColorSpace sRGB when no profile).
* :func:`add_png_chunks`: ancillary chunks put into a PNG that OpenCV wrote (16-bit RGB, which Pillow
  cannot write), each with its CRC.

An ICC profile of another colour space than RGB (a scanner's grey profile) cannot describe an RGB result:
such a result is tagged sRGB instead, like one from a file without a profile.
"""

from __future__ import annotations

import functools
import io
import json
import struct
import unicodedata
import zlib
from dataclasses import dataclass, field
from xml.sax.saxutils import quoteattr

DIGITAL_SOURCE_TYPE = "http://cv.iptc.org/newscodes/digitalsourcetype/compositeWithTrainedAlgorithmicMedia"
# false colour: a picture of measured data made by a program a person set up (IPTC "data-driven media")
DATA_SOURCE_TYPE = "http://cv.iptc.org/newscodes/digitalsourcetype/dataDrivenMedia"
XMP_KEY = "XML:com.adobe.xmp"            # the PNG iTXt keyword of XMP
NS = "urn:colorization-studio:ns:1.0/"  # our own XMP properties (cs:Model, cs:Settings ...)
SOFTWARE = "Colorization Studio"
_EXIF_IFD, _DATE_ORIGINAL, _MAKE, _MODEL, _DATETIME, _COLOR_SPACE = 0x8769, 36867, 271, 272, 306, 0xA001


DPI_RANGE = (1.0, 65535.0)       # a DPI outside is dropped (JPEG stores 1 to 65535; scanners give 50 to 12,800)
MAX_TEXT = 200                   # characters kept of a copied text (camera, date)
MAX_ICC_BYTES = 2**20            # a larger profile is dropped (Pillow reads at most 1 MiB back from a PNG's iCCP)


@dataclass(frozen=True)
class Meta:
    """The facts of a source file that its result keeps (all optional).

    Whoever makes one, what it holds is safe to write into any result: an impossible DPI (inf, 1e300,
    4294967295, 0) is dropped, each text made clean (:func:`clean_text`), and an ICC profile kept only when it
    is at most :data:`MAX_ICC_BYTES` and LittleCMS (``PIL.ImageCms``) can read it."""

    dpi: tuple[float, float] | None = None
    icc: bytes | None = field(default=None, repr=False)    # the ICC profile as stored (only RGB ones written)
    date: str | None = None                # EXIF DateTimeOriginal ("YYYY:MM:DD HH:MM:SS")
    make: str | None = None                # EXIF camera or scanner maker
    model: str | None = None               # ... and model
    source_format: str | None = None       # Pillow's name: "PNG", "TIFF", "JPEG" ...

    def __post_init__(self):
        checked = {"dpi": _dpi(self.dpi), "icc": _icc(self.icc), "date": clean_text(self.date),
                   "make": clean_text(self.make), "model": clean_text(self.model)}
        for name, value in checked.items():
            object.__setattr__(self, name, value)

    @property
    def rgb_icc(self) -> bytes | None:
        """The ICC profile when it describes RGB data (a result can carry it), else None."""
        icc = self.icc
        return icc if icc and len(icc) >= 20 and icc[16:20] == b"RGB " else None

    def ascii(self, name: str) -> str | None:
        """The text ``name`` ("date", "make" or "model") as EXIF and TIFF store text, 7-bit ASCII: accents
        dropped ("Café" -> "Cafe"), any other character a "?"."""
        text = getattr(self, name)
        if text is None:
            return None
        folded = unicodedata.normalize("NFKD", text)
        return "".join(c if ord(c) < 128 else "?" for c in folded if not unicodedata.combining(c)) or None


def clean_text(value, limit: int = MAX_TEXT) -> str | None:
    """A text copied from a file, safe to write into EXIF, XMP and TIFF: bytes read as Latin-1 (as Pillow reads
    EXIF), every control or format character (NUL, escape sequences, bell, form feed, bidi overrides, lone
    surrogates) and every run of spaces made one space, at most ``limit`` characters; None when nothing is
    left."""
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    if not isinstance(value, str):
        return None
    kept = "".join(" " if unicodedata.category(c)[0] == "C" or unicodedata.category(c) in ("Zl", "Zp") else c
                   for c in value[:4 * limit])
    return " ".join(kept.split())[:limit].strip() or None


def _dpi(value) -> tuple[float, float] | None:
    try:
        dpi = (float(value[0]), float(value[1])) if value is not None and len(value) == 2 else None
    except (TypeError, ValueError, OverflowError, ZeroDivisionError):
        return None
    lo, hi = DPI_RANGE
    return dpi if dpi and all(lo <= d <= hi for d in dpi) else None         # NaN fails both comparisons


def _icc(value) -> bytes | None:
    if not isinstance(value, (bytes, bytearray)) or not value or len(value) > MAX_ICC_BYTES:
        return None
    from PIL import ImageCms

    try:
        ImageCms.ImageCmsProfile(io.BytesIO(value))
    except (OSError, ValueError, TypeError):
        return None
    return bytes(value)


def read_meta(img) -> Meta:
    """The :class:`Meta` of an opened PIL image (call before it is transposed or converted)."""
    info = img.info
    date = make = model = None
    try:
        exif = img.getexif()
        make, model = exif.get(_MAKE), exif.get(_MODEL)
        date = clean_text(exif.get_ifd(_EXIF_IFD).get(_DATE_ORIGINAL)) or exif.get(_DATETIME)
    except Exception:  # noqa: BLE001 - a broken EXIF block only loses its facts, never the photo
        pass
    return Meta(info.get("dpi"), info.get("icc_profile"), date, make, model, img.format)


def exif_bytes(meta: Meta | None, srgb: bool = False) -> bytes | None:
    """The EXIF block (``b"Exif\\0\\0"`` + TIFF data) of the date and camera, with ColorSpace = sRGB when
    ``srgb``; None when there is nothing to write."""
    from PIL import Image

    meta = meta or Meta()
    if not (meta.date or meta.make or meta.model or srgb):
        return None
    exif = Image.Exif()
    make, model, date = meta.ascii("make"), meta.ascii("model"), meta.ascii("date")    # EXIF text is ASCII
    if make:
        exif[_MAKE] = make
    if model:
        exif[_MODEL] = model
    sub = exif.get_ifd(_EXIF_IFD)
    if date:
        sub[_DATE_ORIGINAL] = date
    if srgb:
        sub[_COLOR_SPACE] = 1
    return exif.tobytes()


@functools.cache
def srgb_icc() -> bytes:
    """A small sRGB ICC profile (LittleCMS's), for formats that have no plain "this is sRGB" tag. Its creation
    date is set to 2000-01-01, so that the same result gives the same file whenever it is made."""
    from PIL import ImageCms

    icc = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    icc[24:36] = struct.pack(">6H", 2000, 1, 1, 0, 0, 0)      # the header's date (no profile ID to update)
    return bytes(icc)


def _xmp_date(date: str) -> str:
    """EXIF "YYYY:MM:DD HH:MM:SS" -> XMP "YYYY-MM-DDTHH:MM:SS" (as given when it is not that shape)."""
    day, _, time = date.partition(" ")
    parts = day.split(":")
    if len(parts) == 3 and all(p.isdigit() for p in parts):
        return "-".join(parts) + (f"T{time}" if time else "")
    return date


FALSE_COLOUR_NOTE = ("False colour (Colorization Studio): each colour stands for a measured channel, as cs:Legend "
                     "says; nothing was guessed.")


def xmp_packet(facts: dict, meta: Meta | None = None, guessed: bool = True) -> bytes:
    """The XMP packet (UTF-8) marking a result as AI-coloured: IPTC DigitalSourceType, the tool, and
    ``facts`` (model, render_factor, hints, repair ... : ``cs:Model``, ``cs:RenderFactor``, ``cs:Hints``,
    ``cs:Repair`` and all of them as JSON in ``cs:Settings``); the source's date and camera when known.

    ``guessed=False``: false colour, nothing guessed: DigitalSourceType :data:`DATA_SOURCE_TYPE`, a note that
    says so, ``facts["legend"]`` (which channel became which colour) as ``cs:Legend``, no model or hints."""
    meta = meta or Meta()
    if guessed:
        attrs = {"Iptc4xmpExt:DigitalSourceType": DIGITAL_SOURCE_TYPE, "xmp:CreatorTool": SOFTWARE,
                 "cs:Note": "Colours added by a neural network (Colorization Studio); they are not the real "
                                   "colours."}
        for key, name in (("model", "cs:Model"), ("render_factor", "cs:RenderFactor")):
            if key in facts:
                attrs[name] = str(facts[key])
        for key, name in (("hints", "cs:Hints"), ("restore", "cs:Repair")):
            attrs[name] = "yes" if facts.get(key) else "no"
    else:
        attrs = {"Iptc4xmpExt:DigitalSourceType": DATA_SOURCE_TYPE, "xmp:CreatorTool": SOFTWARE,
                 "cs:Note": FALSE_COLOUR_NOTE, "cs:Legend": str(facts.get("legend", ""))}
    attrs["cs:Settings"] = json.dumps(facts, sort_keys=True)
    if meta.date:
        attrs["exif:DateTimeOriginal"] = _xmp_date(meta.date)
    if meta.make:
        attrs["tiff:Make"] = meta.make
    if meta.model:
        attrs["tiff:Model"] = meta.model
    body = "\n    ".join(f"{k}={quoteattr(v)}" for k, v in attrs.items())
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
        ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
        '  <rdf:Description rdf:about=""\n'
        '    xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/"\n'
        '    xmlns:xmp="http://ns.adobe.com/xap/1.0/"\n'
        '    xmlns:exif="http://ns.adobe.com/exif/1.0/"\n'
        '    xmlns:tiff="http://ns.adobe.com/tiff/1.0/"\n'
        f'    xmlns:cs="{NS}"\n'
        f'    {body}/>\n'
        ' </rdf:RDF>\n'
        '</x:xmpmeta>\n'
        '<?xpacket end="w"?>').encode()


def read_xmp(packet) -> dict[str, str]:
    """The attributes of the first ``rdf:Description`` of an XMP packet, by ``prefix:name`` of the known
    namespaces ({} when it is not XMP we can read)."""
    import xml.etree.ElementTree as ET

    if isinstance(packet, bytes):
        packet = packet.decode("utf-8", "replace")
    if not isinstance(packet, str) or "<!DOCTYPE" in packet or "<!ENTITY" in packet:
        return {}                                  # no entities: nothing can expand
    start, end = packet.find("<x:xmpmeta"), packet.rfind("</x:xmpmeta>")
    if start < 0 or end < 0:
        return {}
    try:
        root = ET.fromstring(packet[start:end + len("</x:xmpmeta>")])
    except ET.ParseError:
        return {}
    prefixes = {"http://iptc.org/std/Iptc4xmpExt/2008-02-29/": "Iptc4xmpExt", "http://ns.adobe.com/xap/1.0/": "xmp",
                "http://ns.adobe.com/exif/1.0/": "exif", "http://ns.adobe.com/tiff/1.0/": "tiff", NS: "cs"}
    desc = root.find(".//{http://www.w3.org/1999/02/22-rdf-syntax-ns#}Description")
    out = {}
    for key, value in ({} if desc is None else desc.attrib).items():
        uri, _, name = key[1:].partition("}") if key.startswith("{") else ("", "", key)
        if uri in prefixes:
            out[f"{prefixes[uri]}:{name}"] = value
    return out


def read_xmp_facts(packet) -> dict | None:
    """The ``facts`` that :func:`xmp_packet` stored (None when the packet holds none of ours)."""
    text = read_xmp(packet).get("cs:Settings")
    try:
        facts = json.loads(text) if text else None
    except ValueError:
        return None
    return facts if isinstance(facts, dict) else None


def png_chunk(kind: bytes, data: bytes) -> bytes:
    """One PNG chunk: length, type, data, CRC-32 of type and data."""
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_text_chunks(meta: Meta | None, xmp: bytes | None, text: dict[str, str] | None = None) -> list[bytes]:
    """The chunks of a PNG that OpenCV wrote: pHYs (DPI), iCCP (an RGB profile) or sRGB, eXIf, the XMP
    (iTXt ``XML:com.adobe.xmp``) and ``text`` (tEXt, Latin-1)."""
    meta = meta or Meta()
    chunks = []
    if meta.dpi:
        ppm = [max(1, int(d / 0.0254 + 0.5)) for d in meta.dpi]
        chunks.append(png_chunk(b"pHYs", struct.pack(">IIB", ppm[0], ppm[1], 1)))
    icc = meta.rgb_icc
    chunks.append(png_chunk(b"iCCP", b"ICC Profile\x00\x00" + zlib.compress(icc)) if icc
                  else png_chunk(b"sRGB", b"\x00"))
    exif = exif_bytes(meta)
    if exif:
        chunks.append(png_chunk(b"eXIf", exif[6:]))            # PNG holds the TIFF data without "Exif\0\0"
    if xmp:
        chunks.append(png_chunk(b"iTXt", XMP_KEY.encode() + b"\x00\x00\x00\x00\x00" + xmp))
    for key, value in (text or {}).items():
        chunks.append(png_chunk(b"tEXt", key.encode("latin-1") + b"\x00" + value.encode("latin-1", "replace")))
    return chunks


def add_png_chunks(png: bytes, chunks: list[bytes]) -> bytes:
    """``png`` with ``chunks`` placed right after its IHDR (before any image data); ValueError when ``png`` is
    not a PNG that starts with IHDR."""
    if png[:8] != b"\x89PNG\r\n\x1a\n" or png[12:16] != b"IHDR":
        raise ValueError("not a PNG file starting with its IHDR chunk")
    end = 8 + 12 + struct.unpack(">I", png[8:12])[0]
    return png[:end] + b"".join(chunks) + png[end:]
