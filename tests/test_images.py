"""Safe input: core.load_image turns every reasonable file into RGB uint8, and refuses the rest
with an ImageError a person can read. Every file is made here, in memory or in tmp_path."""

from __future__ import annotations

import io
import struct
import time
import zlib

import numpy as np
import pytest
from PIL import Image, features

from core import ImageError, colorize, load_image
from core.images import DEFAULT_MAX_PIXELS, encode_png, is_grey, max_pixels


def _encode(img: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format=fmt, **kw)
    return buf.getvalue()


def _colour_blocks(h=24, w=32) -> np.ndarray:
    """Four flat quadrants: red, green, blue, yellow (robust to JPEG)."""
    img = np.zeros((h, w, 3), np.uint8)
    img[: h // 2, : w // 2] = (255, 0, 0)
    img[: h // 2, w // 2:] = (0, 255, 0)
    img[h // 2:, : w // 2] = (0, 0, 255)
    img[h // 2:, w // 2:] = (255, 255, 0)
    return img


def _check_rgb(arr, shape):
    assert isinstance(arr, np.ndarray)
    assert arr.dtype == np.uint8
    assert arr.shape == shape
    assert arr.flags.c_contiguous


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def _png_with_header(width: int, height: int) -> bytes:
    """A PNG whose IHDR (valid CRC) claims width x height 8-bit RGB pixels, with a tiny IDAT."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", idat) + _png_chunk(b"IEND", b"")


# --- modes ----------------------------------------------------------------------------------------

def test_rgb_png_exact():
    rgb = np.random.default_rng(0).integers(0, 256, (17, 23, 3), dtype=np.uint8)
    out = load_image(_encode(Image.fromarray(rgb), "PNG"))
    _check_rgb(out, (17, 23, 3))
    assert np.array_equal(out, rgb)


def test_grey_l_png():
    grey = np.random.default_rng(1).integers(0, 256, (9, 14), dtype=np.uint8)
    out = load_image(_encode(Image.fromarray(grey, "L"), "PNG"))
    _check_rgb(out, (9, 14, 3))
    for c in range(3):
        assert np.array_equal(out[..., c], grey)
    assert is_grey(out)


def test_la_png_flattened_on_white():
    la = np.zeros((6, 8, 2), np.uint8)
    la[..., 0] = 40
    la[:, :4, 1] = 255        # left: opaque dark grey
    la[:, 4:, 1] = 0          # right: fully transparent
    out = load_image(_encode(Image.fromarray(la, "LA"), "PNG"))
    _check_rgb(out, (6, 8, 3))
    assert (out[:, :4] == 40).all()
    assert (out[:, 4:] == 255).all()


def test_rgba_png_transparent_background_becomes_white():
    rgba = np.zeros((10, 12, 4), np.uint8)
    rgba[..., :3] = (0, 0, 0)                 # the colour under transparent pixels is black...
    rgba[..., 3] = 0                          # ...but they are transparent: white
    rgba[2:5, 2:5] = (200, 30, 40, 255)       # opaque red patch
    rgba[6:8, 6:10] = (255, 0, 0, 128)        # half-transparent red over white
    out = load_image(_encode(Image.fromarray(rgba, "RGBA"), "PNG"))
    _check_rgb(out, (10, 12, 3))
    assert (out[0, 0] == 255).all() and (out[9, 11] == 255).all()
    assert tuple(out[3, 3]) == (200, 30, 40)
    assert tuple(int(v) for v in out[7, 7]) == pytest.approx((255, 127, 127), abs=1)


def _palette_image(transparent: bool) -> Image.Image:
    idx = np.zeros((8, 10), np.uint8)
    idx[:, 5:] = 1
    img = Image.fromarray(idx, "P")
    img.putpalette([10, 200, 30, 0, 0, 0] + [0, 0, 0] * 254)
    if transparent:
        img.info["transparency"] = 1
    return img


def test_palette_png_without_transparency():
    out = load_image(_encode(_palette_image(False), "PNG"))
    _check_rgb(out, (8, 10, 3))
    assert (out[:, :5] == (10, 200, 30)).all()
    assert (out[:, 5:] == 0).all()


def test_palette_png_with_transparency_flattened_on_white():
    img = _palette_image(True)
    data = _encode(img, "PNG", transparency=1)
    assert "transparency" in Image.open(io.BytesIO(data)).info
    out = load_image(data)
    _check_rgb(out, (8, 10, 3))
    assert (out[:, :5] == (10, 200, 30)).all()
    assert (out[:, 5:] == 255).all()


def test_cmyk_jpeg():
    cmyk = Image.new("CMYK", (16, 12), (0, 255, 255, 0))    # no cyan, full magenta + yellow: red
    data = _encode(cmyk, "JPEG", quality=95)
    assert Image.open(io.BytesIO(data)).mode == "CMYK"
    out = load_image(data)
    _check_rgb(out, (12, 16, 3))
    assert out[..., 0].min() > 230 and out[..., 1].max() < 25 and out[..., 2].max() < 25


def test_16_bit_grey_png_mapped_to_8_bit():
    g16 = (np.arange(24, dtype=np.uint32).reshape(4, 6) * 65535 // 23).astype(np.uint16)
    g16[0, 0], g16[-1, -1] = 0, 65535
    data = _encode(Image.fromarray(g16), "PNG")
    assert Image.open(io.BytesIO(data)).mode.startswith("I;16")
    out = load_image(data)
    _check_rgb(out, (4, 6, 3))
    expected = np.rint(g16 / 257.0).astype(np.uint8)
    assert np.array_equal(out[..., 0], expected)
    assert out[0, 0, 0] == 0 and out[-1, -1, 0] == 255
    assert is_grey(out, tol=0)


def test_16_bit_rgb_png():
    try:
        data = _encode(Image.fromarray(np.zeros((2, 2, 3), np.uint16)), "PNG")
    except (TypeError, ValueError, OSError):
        cv2 = pytest.importorskip("cv2")      # Pillow cannot write 16-bit RGB: OpenCV can
        bgr = np.zeros((5, 7, 3), np.uint16)
        bgr[..., 2] = 65535                   # R
        bgr[..., 1] = 100 * 257               # G
        bgr[..., 0] = 0                       # B
        bgr[0, 0] = (257 * 10, 257 * 20, 257 * 30)
        ok, buf = cv2.imencode(".png", bgr)
        assert ok
        data = buf.tobytes()
    else:  # pragma: no cover - a Pillow that writes 16-bit RGB
        pytest.skip("this Pillow writes 16-bit RGB; the OpenCV path is what we check")
    out = load_image(data)
    _check_rgb(out, (5, 7, 3))
    assert tuple(out[1, 1]) == (255, 100, 0)
    assert tuple(out[0, 0]) == (30, 20, 10)


def test_jpeg_with_exif_orientation_6_is_rotated():
    # stored 40 wide x 20 high: left half red, right half blue. Orientation 6 = rotate 90 deg clockwise.
    stored = np.zeros((20, 40, 3), np.uint8)
    stored[:, :20] = (255, 0, 0)
    stored[:, 20:] = (0, 0, 255)
    exif = Image.Exif()
    exif[0x0112] = 6
    data = _encode(Image.fromarray(stored), "JPEG", quality=95, exif=exif.tobytes())
    out = load_image(data)
    _check_rgb(out, (40, 20, 3))                   # height and width swapped
    top, bottom = out[2:18].reshape(-1, 3).mean(0), out[22:38].reshape(-1, 3).mean(0)
    assert top[0] > 200 and top[2] < 50            # the left (red) half is now on top
    assert bottom[2] > 200 and bottom[0] < 50


def test_jpeg_without_exif_is_not_rotated():
    stored = _colour_blocks(20, 40)
    out = load_image(_encode(Image.fromarray(stored), "JPEG", quality=95))
    _check_rgb(out, (20, 40, 3))
    assert np.median(np.abs(out.astype(int) - stored)) <= 2
    assert out[5, 5, 0] > 200 and out[15, 5, 2] > 200     # red top-left, blue bottom-left


def test_animated_gif_gives_the_first_frame():
    red = Image.new("RGB", (12, 9), (255, 0, 0))
    blue = Image.new("RGB", (12, 9), (0, 0, 255))
    green = Image.new("RGB", (12, 9), (0, 255, 0))
    data = _encode(red, "GIF", save_all=True, append_images=[blue, green], duration=100, loop=0)
    assert Image.open(io.BytesIO(data)).n_frames == 3
    out = load_image(data)
    _check_rgb(out, (9, 12, 3))
    assert (out == (255, 0, 0)).all()


def test_multipage_tiff_gives_the_first_page():
    first = Image.fromarray(_colour_blocks(16, 20))
    second = Image.new("RGB", (30, 30), (0, 0, 0))
    data = _encode(first, "TIFF", save_all=True, append_images=[second])
    assert Image.open(io.BytesIO(data)).n_frames == 2
    out = load_image(data)
    _check_rgb(out, (16, 20, 3))
    assert np.array_equal(out, _colour_blocks(16, 20))


@pytest.mark.skipif(not features.check("webp"), reason="Pillow built without WebP")
def test_webp_lossless():
    rgb = _colour_blocks(18, 22)
    out = load_image(_encode(Image.fromarray(rgb), "WEBP", lossless=True))
    _check_rgb(out, (18, 22, 3))
    assert np.array_equal(out, rgb)


def test_bmp():
    rgb = np.random.default_rng(2).integers(0, 256, (7, 13, 3), dtype=np.uint8)
    out = load_image(_encode(Image.fromarray(rgb), "BMP"))
    assert np.array_equal(out, rgb)


# --- kinds of source ------------------------------------------------------------------------------

def test_path_str_bytes_bytearray_and_file_objects(tmp_path):
    rgb = _colour_blocks()
    data = _encode(Image.fromarray(rgb), "PNG")
    p = tmp_path / "x.png"
    p.write_bytes(data)
    results = [load_image(p), load_image(str(p)), load_image(data), load_image(bytearray(data)),
               load_image(memoryview(data)), load_image(io.BytesIO(data))]
    with open(p, "rb") as fh:
        results.append(load_image(fh))
    for r in results:
        assert np.array_equal(r, rgb)


def test_file_with_a_misleading_extension_is_decoded_by_content(tmp_path):
    rgb = _colour_blocks()
    p = tmp_path / "photo.jpg"
    p.write_bytes(_encode(Image.fromarray(rgb), "PNG"))
    assert np.array_equal(load_image(p), rgb)


def test_missing_path_and_folder(tmp_path):
    with pytest.raises(ImageError, match="not found"):
        load_image(tmp_path / "nope.png")
    with pytest.raises(ImageError, match="folder"):
        load_image(tmp_path)


def test_unsupported_source_type():
    with pytest.raises(ImageError, match="file path, bytes"):
        load_image(12345)


# --- rejections -----------------------------------------------------------------------------------

def test_zero_byte_file(tmp_path):
    p = tmp_path / "empty.png"
    p.write_bytes(b"")
    with pytest.raises(ImageError, match="empty"):
        load_image(p)
    with pytest.raises(ImageError, match="empty"):
        load_image(b"")


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
@pytest.mark.parametrize("keep", [0.9, 0.5, 0.1])
def test_truncated_files(fmt, keep):
    rgb = np.random.default_rng(3).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    data = _encode(Image.fromarray(rgb), fmt)
    with pytest.raises(ImageError, match="damaged or incomplete") as exc:
        load_image(data[: int(len(data) * keep)])
    assert "Traceback" not in str(exc.value)


@pytest.mark.parametrize(
    "content",
    [
        b"Hello, this is a text file, not a picture.\n" * 5,
        b"<!DOCTYPE html><html><head><title>x</title></head><body><img src='a.png'></body></html>",
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">'
        b'<rect width="100" height="100" fill="red"/></svg>',
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n",
    ],
    ids=["text", "html", "svg", "pdf"],
)
def test_non_images_renamed_png(tmp_path, content):
    p = tmp_path / "picture.png"
    p.write_bytes(content)
    with pytest.raises(ImageError) as exc:
        load_image(p)
    msg = str(exc.value)
    assert "not an image file" in msg and "PNG" in msg


def test_huge_png_header_is_refused_fast_without_decoding():
    data = _png_with_header(50_000, 50_000)
    assert len(data) < 200
    t0 = time.perf_counter()
    with pytest.raises(ImageError, match="too large") as exc:
        load_image(data)
    assert time.perf_counter() - t0 < 2.0
    assert "megapixels" in str(exc.value)


def test_png_just_over_the_default_cap_is_refused_by_header():
    # 8000 x 5001 = 40.008 MP > 40 MP (below Pillow's own bomb limit): the project's cap says no
    data = _png_with_header(8000, 5001)
    t0 = time.perf_counter()
    with pytest.raises(ImageError, match="too large.*8000 x 5001"):
        load_image(data)
    assert time.perf_counter() - t0 < 2.0


def test_pixel_cap_argument():
    data = _encode(Image.new("RGB", (20, 10), (1, 2, 3)), "PNG")     # 200 pixels
    with pytest.raises(ImageError, match="too large"):
        load_image(data, max_pixels_=199)
    assert load_image(data, max_pixels_=200).shape == (10, 20, 3)    # at the cap: fine
    assert load_image(data, max_pixels_=201).shape == (10, 20, 3)    # just under: fine


def test_pixel_cap_environment(monkeypatch):
    data = _encode(Image.new("RGB", (30, 30), (1, 2, 3)), "PNG")     # 900 pixels
    monkeypatch.setenv("COLORIZER_MAX_PIXELS", "899")
    assert max_pixels() == 899
    with pytest.raises(ImageError, match="too large"):
        load_image(data)
    monkeypatch.setenv("COLORIZER_MAX_PIXELS", "901")
    assert load_image(data).shape == (30, 30, 3)
    monkeypatch.setenv("COLORIZER_MAX_PIXELS", "not a number")
    assert max_pixels() == DEFAULT_MAX_PIXELS
    monkeypatch.delenv("COLORIZER_MAX_PIXELS")
    assert max_pixels() == DEFAULT_MAX_PIXELS


def test_an_image_just_under_the_default_cap_loads():
    # 6324 x 6324 = 39.99 MP, a flat PNG (compresses to a few kB, decodes in well under a second)
    side = 6324
    assert side * side < DEFAULT_MAX_PIXELS < (side + 1) * (side + 1) + side
    data = _encode(Image.new("L", (side, side), 128), "PNG")
    out = load_image(data)
    assert out.shape == (side, side, 3) and out[0, 0, 0] == 128 and out[-1, -1, 2] == 128


# --- extreme shapes -------------------------------------------------------------------------------

@pytest.mark.parametrize("size", [(1, 1), (1, 5000), (5000, 1), (2, 3)])
def test_extreme_shapes_load_and_colorize(size, use_autoencoder):
    w, h = size
    rgb = np.random.default_rng(4).integers(0, 256, (h, w, 3), dtype=np.uint8)
    loaded = load_image(_encode(Image.fromarray(rgb), "PNG"))
    assert np.array_equal(loaded, rgb)
    for model in ("grayscale", "autoencoder"):
        out = colorize(loaded, model)
        _check_rgb(out, (h, w, 3))
    from core.lab import lightness

    out = colorize(loaded, "autoencoder")
    assert np.abs(lightness(out) - lightness(loaded)).max() < 3.0


def test_encode_png_round_trip():
    rgb = np.random.default_rng(5).integers(0, 256, (11, 7, 3), dtype=np.uint8)
    data = encode_png(rgb)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert np.array_equal(load_image(data), rgb)


def test_is_grey():
    assert is_grey(np.full((3, 3, 3), 50, np.uint8))
    img = np.full((3, 3, 3), 50, np.uint8)
    img[1, 1, 2] = 52
    assert is_grey(img) and not is_grey(img, tol=1)
    img[1, 1, 2] = 60
    assert not is_grey(img)


def test_a_cap_above_pillows_own_guard_is_honoured(monkeypatch):
    """With COLORIZER_MAX_PIXELS above Pillow's ~89 MP bomb guard, our cap decides, not Pillow's."""
    from PIL import Image as PILImage

    monkeypatch.setattr(PILImage, "MAX_IMAGE_PIXELS", 1000)          # stand-in for Pillow's guard
    data = _encode(Image.fromarray(np.zeros((40, 40, 3), np.uint8)), "PNG")   # 1,600 px
    assert load_image(data, max_pixels_=2000).shape == (40, 40, 3)
    with pytest.raises(ImageError, match="too large"):
        load_image(data, max_pixels_=1500)


# --- special and endless files (issue 24, defect 1) ---------------------------------------------------

def _load_in_thread(path, timeout=10.0):
    """load_image(path) in a thread; a FIFO that blocks ``open`` is unblocked by opening it for writing, so a
    regression fails instead of hanging the test run."""
    import os
    import threading

    out = {}

    def run():
        try:
            out["value"] = load_image(path)
        except BaseException as e:  # noqa: BLE001 - reported below
            out["error"] = e

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(timeout)
    blocked = t.is_alive()
    if blocked:
        fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
        os.close(fd)
        t.join(timeout)
    return blocked, out


@pytest.mark.skipif(not hasattr(__import__("os"), "mkfifo"), reason="needs os.mkfifo")
def test_a_fifo_named_like_a_photo_is_refused_at_once(tmp_path):
    import os

    fifo = tmp_path / "scan.jpg"
    os.mkfifo(fifo)
    link = tmp_path / "link.jpg"
    link.symlink_to(fifo)
    for path in (fifo, link, str(fifo)):
        blocked, out = _load_in_thread(path)
        assert not blocked, "load_image blocked on a FIFO"
        assert isinstance(out.get("error"), ImageError), out
        assert "not a regular file" in str(out["error"]), out["error"]


@pytest.mark.skipif(not __import__("os").path.exists("/dev/zero"), reason="needs /dev/zero")
def test_a_link_to_an_endless_device_is_refused_before_reading(tmp_path):
    link = tmp_path / "photo.jpg"
    link.symlink_to("/dev/zero")
    with pytest.raises(ImageError, match="not a regular file"):
        load_image(link)


def test_a_file_over_the_byte_cap_is_refused_before_reading(tmp_path, monkeypatch):
    from core.images import DEFAULT_MAX_BYTES, max_bytes

    assert DEFAULT_MAX_BYTES == 300 * 2**20 and max_bytes() == DEFAULT_MAX_BYTES
    big = tmp_path / "huge.png"
    with open(big, "wb") as fh:                      # sparse: 400 MB on paper, nothing on disk
        fh.write(_encode(Image.new("L", (4, 4)), "PNG"))
        fh.truncate(400 * 2**20)
    with pytest.raises(ImageError, match=r"too large: 400 MB \(the limit is 300 MB"):
        load_image(big)
    monkeypatch.setenv("COLORIZER_MAX_BYTES", str(2**20))
    assert max_bytes() == 2**20
    data = _encode(Image.fromarray(np.random.default_rng(0).integers(0, 255, (700, 700, 3), np.uint8)), "PNG")
    assert len(data) > 2**20
    with pytest.raises(ImageError, match="too large"):
        load_image(data)
    with pytest.raises(ImageError, match="too large"):
        load_image(io.BytesIO(data))
    monkeypatch.setenv("COLORIZER_MAX_BYTES", "nonsense")
    assert max_bytes() == DEFAULT_MAX_BYTES


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("fill", [np.nan, np.inf, -np.inf, "mixed"])
def test_float_tiffs_without_usable_values_are_refused_without_warnings(fill, recwarn):
    """An all-NaN or all-inf float TIFF (issue 24, defect 8): a clear ImageError and no numpy warnings."""
    if fill == "mixed":
        arr = np.full((8, 8), np.nan, np.float32)
        arr[0, 0], arr[0, 1] = np.inf, -np.inf
    else:
        arr = np.full((8, 8), fill, np.float32)
    data = _encode(Image.fromarray(arr, mode="F"), "TIFF")
    with pytest.raises(ImageError, match="no usable pixel values"):
        load_image(data)
    assert not recwarn.list


@pytest.mark.filterwarnings("error")
def test_a_float_tiff_with_some_nan_keeps_its_finite_pixels(recwarn):
    arr = np.linspace(0.0, 1.0, 64, dtype=np.float32).reshape(8, 8)
    arr[0, :3] = (np.nan, np.inf, -np.inf)
    out = load_image(_encode(Image.fromarray(arr, mode="F"), "TIFF"))
    assert out.shape == (8, 8, 3) and out[7, 7, 0] == 255 and out[0, 3, 0] < 20
    assert (out[0, 0, 0], out[0, 1, 0], out[0, 2, 0]) == (0, 255, 0)      # NaN and -inf dark, +inf light
    assert not recwarn.list
