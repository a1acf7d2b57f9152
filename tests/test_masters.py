"""Archival masters (issue 21): 16-bit in -> 16-bit out with the lightness kept, the source's metadata kept and
the IPTC "AI-made" mark in png, png16, tiff and jpeg; the colorize and batch --format paths; the app's download."""

from __future__ import annotations

import csv
import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from core import lab, metadata, outputs
from core.cli.batch import main as batch_main
from core.cli.colorize import main as colorize_main
from core.colorizers.base import Colorizer
from core.images import load_image, load_master
from core.metadata import DIGITAL_SOURCE_TYPE, Meta, read_xmp
from core.pipeline import colorize_photo, master_lightness

DATE, MAKE, MODEL = "1952:06:01 10:30:00", "Epson", "Perfection V850"


def ramp16(h: int = 64, w: int = 64) -> np.ndarray:
    """h x w uint16 grey with h * w distinct levels over the whole range (4096 for 64 x 64)."""
    return np.rint(np.linspace(0, 65535, h * w)).astype(np.uint16).reshape(h, w)


def rgb_icc() -> bytes:
    """An RGB profile that is not the fallback sRGB one byte for byte (another device maker)."""
    icc = bytearray(metadata.srgb_icc())
    icc[48:52] = b"TEST"
    return bytes(icc)


def source_png16(grey: np.ndarray, icc: bytes | None = None, orientation: int = 1) -> bytes:
    """A 16-bit grey PNG with DPI, EXIF date/camera and (optionally) a profile."""
    img = Image.fromarray(grey)
    exif = Image.Exif()
    exif[271], exif[272] = MAKE, MODEL
    exif.get_ifd(0x8769)[36867] = DATE
    if orientation != 1:
        exif[0x0112] = orientation
    buf = io.BytesIO()
    img.save(buf, format="PNG", dpi=(1200, 1200), exif=exif.tobytes(), **({"icc_profile": icc} if icc else {}))
    return buf.getvalue()


class Tinted(Colorizer):
    """A stand-in model that predicts one warm colour everywhere (no network to load)."""

    name = "tinted"
    render_factor_range = (1, 64)

    def predict_ab(self, L_small):
        return np.dstack([np.full_like(L_small, 12.0), np.full_like(L_small, 30.0)])


@pytest.fixture
def tinted(monkeypatch):
    import core

    model = Tinted()
    monkeypatch.setattr(core, "get_colorizer", lambda name: model)
    monkeypatch.setattr(core, "colorize", lambda rgb, model, render_factor=None, m=model:
                        m.colorize(rgb, render_factor))
    return model


def l_errors(model: str):
    """(max |L error| of the 16-bit result, of the 8-bit result) against the 16-bit input's L."""
    rgb16 = np.repeat(ramp16()[..., None], 3, axis=2)
    rgb = np.rint(rgb16 / 257.0).astype(np.uint8)
    truth = lab.lightness(rgb16)
    deep, flat = colorize_photo(rgb, model, 4, rgb16=rgb16), colorize_photo(rgb, model, 4)
    assert deep.dtype == np.uint16 and flat.dtype == np.uint8
    return float(np.abs(lab.lightness(deep) - truth).max()), float(np.abs(lab.lightness(flat) - truth).max())


def test_a_16_bit_ramp_keeps_its_lightness_finer_than_8_bit_rounding():
    deep, flat = l_errors("grayscale")
    assert flat > 0.1                       # 8 bits cannot hold 4096 levels
    assert deep < 0.02 and deep < flat / 10, (deep, flat)


def test_a_coloured_16_bit_ramp_keeps_its_lightness_too(tinted):
    deep, flat = l_errors("tinted")
    assert flat > 0.1                       # 8 bits cannot hold 4096 levels
    assert deep < 0.02 and deep < flat / 10, (deep, flat)


def test_guided_colour_on_a_16_bit_photo_keeps_the_16_bit_lightness():
    rgb16 = np.repeat(ramp16()[..., None], 3, axis=2)
    rgb = np.rint(rgb16 / 257.0).astype(np.uint8)
    out = colorize_photo(rgb, "grayscale", 4, vibrance=1.5, rgb16=rgb16)
    assert out.dtype == np.uint16
    assert np.abs(lab.lightness(out) - lab.lightness(rgb16)).max() < 0.02


def test_repaired_pixels_keep_the_8_bit_lightness_the_model_saw():
    rgb16 = np.repeat(ramp16()[..., None], 3, axis=2)
    rgb = np.rint(rgb16 / 257.0).astype(np.uint8)
    rgb[10:14, 20:30] = 255                                   # a "repaired" patch, as --restore makes
    L = master_lightness(rgb, rgb16)
    assert np.allclose(L[10:14, 20:30], 100.0, atol=1e-3)
    untouched = np.ones(rgb.shape[:2], bool)
    untouched[10:14, 20:30] = False
    assert np.array_equal(L[untouched], lab.lightness(rgb16)[untouched])


def test_load_master_reads_16_bit_grey_and_48_bit_rgb_upright_with_metadata():
    import cv2

    grey = ramp16(48, 80)
    m = load_master(source_png16(grey, rgb_icc(), orientation=6))     # rotated a quarter turn by EXIF
    assert m.bits == 16 and m.rgb16.shape == (80, 48, 3) and m.rgb.shape == (80, 48, 3)
    assert np.array_equal(m.rgb16[..., 0], np.rot90(grey, -1))
    assert np.array_equal(m.rgb, load_image(source_png16(grey, orientation=6)))
    assert (m.meta.date, m.meta.make, m.meta.model, m.meta.source_format) == (DATE, MAKE, MODEL, "PNG")
    assert m.meta.icc == rgb_icc() and round(m.meta.dpi[0]) == 1200
    colour = np.random.default_rng(0).integers(0, 65536, (20, 30, 3)).astype(np.uint16)
    for ext in (".png", ".tiff"):
        ok, data = cv2.imencode(ext, colour[..., ::-1])
        m = load_master(data.tobytes())
        assert m.bits == 16 and np.array_equal(m.rgb16, colour), ext
        assert np.array_equal(m.rgb, load_image(data.tobytes())), ext
    plain = io.BytesIO()
    Image.fromarray((grey >> 8).astype(np.uint8)).save(plain, format="PNG")
    assert load_master(plain.getvalue()).bits == 8 and load_master(plain.getvalue()).rgb16 is None


def read_back(data: bytes, fmt: str) -> dict:
    """What a result file says: bits, dpi, icc, date/make/model, the XMP attributes."""
    img = Image.open(io.BytesIO(data))
    if fmt == "tiff":
        date, make, model = (img.tag_v2.get(t) for t in (306, 271, 272))
    else:
        exif = img.getexif()
        date, make, model = exif.get_ifd(0x8769).get(36867), exif.get(271), exif.get(272)
    return {"bits": load_master(data).bits, "dpi": round(img.info.get("dpi", (0,))[0]),
            "icc": img.info.get("icc_profile"), "exif": (date, make, model), "xmp": read_xmp(img.info.get("xmp"))}


@pytest.mark.parametrize("fmt, bits", [("png", 8), ("png16", 16), ("tiff", 16), ("jpeg", 8)])
def test_colorize_format_keeps_dpi_icc_exif_and_marks_the_result(tmp_path, fmt, bits, capsys):
    src = tmp_path / "scan.png"
    src.write_bytes(source_png16(ramp16(), rgb_icc()))
    out = tmp_path / "out"
    assert colorize_main([str(src), "--model", "grayscale", "--render-factor", "4", "--out", str(out),
                          "--format", fmt]) == 0
    (dest,) = out.iterdir()
    assert dest.name == f"scan_grayscale{outputs.extension(fmt)}"
    got = read_back(dest.read_bytes(), fmt)
    assert got["bits"] == bits and got["dpi"] == 1200 and got["icc"] == rgb_icc()
    assert got["exif"] == (DATE, MAKE, MODEL)
    xmp = got["xmp"]
    assert xmp["Iptc4xmpExt:DigitalSourceType"] == DIGITAL_SOURCE_TYPE
    assert (xmp["cs:Model"], xmp["cs:RenderFactor"]) == ("grayscale", "4")
    assert (xmp["cs:Hints"], xmp["cs:Repair"]) == ("no", "no")
    if bits == 16:
        deep = load_master(dest.read_bytes()).rgb16
        assert np.abs(lab.lightness(deep) - lab.lightness(np.repeat(ramp16()[..., None], 3, 2))).max() < 0.02


def test_the_output_follows_the_input_and_8_bit_pixels_are_unchanged(tmp_path, photos, capsys):
    from core import colorize

    src = tmp_path / "in"
    src.mkdir()
    Image.fromarray(photos["coffee"]).save(src / "camera.jpg", quality=90)
    (src / "scan.png").write_bytes(source_png16(ramp16()))
    out = tmp_path / "out"
    assert colorize_main([str(src), "--model", "grayscale", "--out", str(out)]) == 0
    flat, deep = (out / "camera_grayscale.png").read_bytes(), (out / "scan_grayscale.png").read_bytes()
    assert Image.open(io.BytesIO(flat)).mode == "RGB" and load_master(flat).bits == 8
    assert np.array_equal(load_image(flat), colorize(load_image(src / "camera.jpg"), model="grayscale"))
    assert load_master(deep).bits == 16
    info = Image.open(io.BytesIO(flat)).info            # no profile in the JPEG: tagged sRGB
    assert "srgb" in info and read_xmp(info["xmp"])["Iptc4xmpExt:DigitalSourceType"] == DIGITAL_SOURCE_TYPE


def test_without_a_profile_each_format_says_srgb_and_a_grey_profile_is_not_put_on_rgb():
    grey_icc = bytearray(metadata.srgb_icc())
    grey_icc[16:20] = b"GRAY"
    rgb = np.zeros((8, 8, 3), np.uint8)
    for meta in (Meta(), Meta(icc=bytes(grey_icc))):
        assert "srgb" in Image.open(io.BytesIO(outputs.encode(rgb, "png", meta))).info
        assert Image.open(io.BytesIO(outputs.encode(rgb, "png16", meta))).info.get("srgb") == 0
        assert Image.open(io.BytesIO(outputs.encode(rgb, "tiff", meta))).info["icc_profile"] == metadata.srgb_icc()
        jpeg = Image.open(io.BytesIO(outputs.encode(rgb, "jpeg", meta)))
        assert "icc_profile" not in jpeg.info and jpeg.getexif().get_ifd(0x8769)[0xA001] == 1


def test_png_chunks_added_to_an_opencv_png_have_valid_crcs():
    png = outputs.encode(np.full((4, 5, 3), 40000, np.uint16), "png16", Meta(dpi=(300, 300)), {"model": "m"},
                         text={"colorization-studio": "{}"})
    pos, kinds = 8, []
    while pos < len(png):
        n, kind = struct.unpack(">I4s", png[pos:pos + 8])
        body = png[pos + 8:pos + 8 + n]
        assert struct.unpack(">I", png[pos + 8 + n:pos + 12 + n])[0] == zlib.crc32(kind + body), kind
        kinds.append(kind)
        pos += 12 + n
    assert kinds[0] == b"IHDR" and kinds[-1] == b"IEND"
    assert {b"pHYs", b"sRGB", b"iTXt", b"tEXt"} <= set(kinds[:kinds.index(b"IDAT")])
    img = Image.open(io.BytesIO(png))
    img.load()                                              # Pillow checks the CRCs too
    assert img.info["colorization-studio"] == "{}" and metadata.read_xmp_facts(img.info["xmp"]) == {"model": "m"}
    with pytest.raises(ValueError):
        metadata.add_png_chunks(b"not a png", [])


def test_xmp_with_entities_is_not_read():
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x:xmpmeta xmlns:x="adobe:ns:meta/"/>'
    assert read_xmp(bomb) == {} and metadata.read_xmp_facts(bomb) is None
    assert read_xmp(metadata.xmp_packet({"model": "m", "hints": True}))["cs:Hints"] == "yes"


def test_batch_format_tiff_names_records_and_recovers(tmp_path, photos, capsys):
    from core.batch import worker

    src, dst = tmp_path / "archive", tmp_path / "out"
    src.mkdir()
    (src / "scan.png").write_bytes(source_png16(ramp16(), rgb_icc()))
    Image.fromarray(lab.to_grey_rgb(photos["coffee"])).save(src / "camera.jpg", quality=90)
    args = [str(src), str(dst), "--model", "grayscale", "--workers", "1", "--format", "tiff"]
    assert batch_main(args) == 0
    with open(dst / "manifest.csv", newline="", encoding="utf-8") as fh:
        rows = {r["source"]: r for r in csv.DictReader(fh)}
    assert {r["format"] for r in rows.values()} == {"tiff"}
    assert rows["scan.png"]["output"] == "scan_grayscale.tif" and rows["camera.jpg"]["output"] == "camera_grayscale.tif"
    scan = read_back((dst / "scan_grayscale.tif").read_bytes(), "tiff")
    assert scan["bits"] == 16 and scan["icc"] == rgb_icc() and scan["exif"] == (DATE, MAKE, MODEL)
    assert scan["xmp"]["Iptc4xmpExt:DigitalSourceType"] == DIGITAL_SOURCE_TYPE
    assert read_back((dst / "camera_grayscale.tif").read_bytes(), "tiff")["bits"] == 8
    facts = worker.read_provenance(dst / "scan_grayscale.tif")              # from the XMP: a TIFF has no text chunk
    assert facts["source"] == "scan.png" and facts["format"] == "tiff"
    capsys.readouterr()
    assert batch_main([*args[:-1], "png"]) == 2                        # one DST, one setting
    assert "format tiff" in capsys.readouterr().err


def test_the_apps_download_of_a_16_bit_upload_is_a_16_bit_png():
    from core import colorize
    from ui.photos import photo_from_upload
    from ui.results import png_file

    photo = photo_from_upload("scan.png", source_png16(ramp16(), rgb_icc()))
    assert photo.grey16 is not None and photo.grey16.dtype == np.uint16
    img = colorize(photo.grey, model="grayscale", render_factor=4)
    data = png_file(img, "grayscale", 4, False, photo)
    assert Image.open(io.BytesIO(data)).tile[0].args == "RGB;16B"        # 16 bits a channel
    deep = load_master(data)
    assert deep.bits == 16 and deep.meta.icc == rgb_icc() and deep.meta.date == DATE
    assert np.abs(lab.lightness(deep.rgb16) - lab.lightness(np.repeat(ramp16()[..., None], 3, 2))).max() < 0.02
    stamped = load_master(png_file(img, "grayscale", 4, True, photo))
    assert not np.array_equal(stamped.rgb16, deep.rgb16)                    # the label is there
    flat = photo_from_upload("flat.png", load_bytes_8bit(ramp16()))
    small = png_file(colorize(flat.grey, model="grayscale", render_factor=4), "grayscale", 4, False, flat)
    assert load_master(small).bits == 8 and "xmp" in Image.open(io.BytesIO(small)).info


def load_bytes_8bit(grey16: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.rint(grey16 / 257.0).astype(np.uint8)).save(buf, format="PNG")
    return buf.getvalue()


def test_unknown_formats_are_refused():
    with pytest.raises(ValueError):
        outputs.resolve("webp", 8)
    assert outputs.resolve(None, 16) == "png16" and outputs.resolve("auto", 8) == "png"


def test_load_master_is_as_safe_as_load_image_on_the_hostile_corpus(tmp_path, monkeypatch):
    from hostile_corpus import CORPUS_CAP, write_corpus

    from core import ImageError

    monkeypatch.setenv("COLORIZER_MAX_PIXELS", str(CORPUS_CAP))
    for name, case in write_corpus(tmp_path / "corpus").items():
        path = tmp_path / "corpus" / name
        if case.ok:
            m = load_master(path)
            assert np.array_equal(m.rgb, load_image(path)), name
            assert m.rgb16 is None or m.rgb16.shape == m.rgb.shape, name
        else:
            with pytest.raises(ImageError) as e:
                load_master(path)
            assert case.message in str(e.value).lower(), name


def test_a_16_bit_upload_on_the_colorize_page_downloads_a_16_bit_png(app_env):
    from app_util import GREY_MODEL, assert_clean, open_page, upload, use_models

    at = open_page()
    use_models(at, [GREY_MODEL], render_factor=4)
    upload(at, [("scan.png", source_png16(ramp16()))])
    assert_clean(at)
    cache = at.session_state["downloads_cache"]
    pngs = [cache.get(k) for k in cache.keys() if k[1] == "png"]
    assert pngs and all(Image.open(io.BytesIO(d)).tile[0].args == "RGB;16B" for d in pngs)   # 16 bits a channel
    assert all(load_master(d).meta.date == DATE for d in pngs)


def test_a_manifest_from_before_the_format_column_is_read_as_auto(tmp_path):
    from core.batch import manifest

    old = tmp_path / "manifest.csv"
    old.write_text(",".join(manifest.FIELDS[:-1]) + "\na.png,a.png.png,done,grey,grayscale,16,1,0.1,,no,\n")
    assert manifest.read(old)[0]["format"] == "auto"
    assert old.read_text().splitlines()[0] == ",".join(manifest.FIELDS)          # upgraded in place
