"""Helpers for the Streamlit AppTest tests of the web app (tests/test_app_*.py).

The app runs in-process through ``streamlit.testing.v1.AppTest``; pages are
opened with ``switch_page`` after a first run of ``streamlit_app.py`` (the
``st.navigation`` entry point), exactly as a visitor moves around.
"""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import numpy as np
from PIL import Image
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "streamlit_app.py")

COLORIZE = "pages/1_colorize.py"
COMPARE = "pages/2_compare.py"
CHANNELS = "pages/3_channels.py"
METRICS = "pages/4_metrics.py"
HOW = "pages/5_how_it_works.py"
TRAIN = "pages/8_train_your_own.py"

OURS = "Autoencoder (ours)"
GREY_MODEL = "Grayscale (reference, no colour)"
ZHANG = "Zhang et al. 2016 (Caffe)"
SAMPLE_SIDE = "128"     # long side of the built-in samples during the tests


def prepare(monkeypatch) -> None:
    """Small built-in samples, so every page is quick."""
    monkeypatch.setenv("STUDIO_SAMPLE_SIDE", SAMPLE_SIDE)


def new_app() -> AppTest:
    return AppTest.from_file(APP, default_timeout=60)


COLOUR_SAMPLE = "chelsea"     # a colour sample: a test, with an original to score against


def open_page(page: str = COLORIZE, *, sample: bool | str = False) -> AppTest:
    """A fresh session on ``page``. With ``sample=True`` the visitor first pressed "Use this" under the
    colour sample Chelsea (a test photo); with a sample's name, under that one; with ``"try"``, the
    "Try a sample photo" button (a real black-and-white photo)."""
    at = new_app().run()
    assert_clean(at)
    if sample:
        key = "try_sample" if sample == "try" else f"sample_{COLOUR_SAMPLE if sample is True else sample}"
        at.button(key=key).click().run()
        assert_clean(at)
    if page != COLORIZE:
        at.switch_page(page).run()
        assert_clean(at)
    return at


def assert_clean(at: AppTest) -> None:
    """No uncaught exception reached the page."""
    assert not at.exception, [e.value for e in at.exception]


def captions(at: AppTest) -> list[str]:
    """The captions of every picture on the page, in order."""
    return [c for img in at.image for c in img.captions]


def texts(elements) -> str:
    return "\n".join(str(e.value) for e in elements)


def uploader(at: AppTest):
    """The Colorize page's upload box (its key changes each time the app empties it)."""
    boxes = at.get("file_uploader")
    assert len(boxes) == 1, boxes
    return at.file_uploader(key=boxes[0].key)


def upload(at: AppTest, files) -> AppTest:
    """Drop (name, bytes) files on the Colorize page's uploader and rerun."""
    payload = [(name, data, "application/octet-stream") for name, data in files]
    uploader(at).set_value(payload).run()
    return at


def use_models(at: AppTest, models: list[str], render_factor: int | None = None) -> AppTest:
    at.multiselect(key="models").set_value(models)
    if render_factor is not None:
        set_render_factor(at, render_factor, run=False)
    return at.run()


def set_render_factor(at: AppTest, value: int, run: bool = True) -> AppTest:
    """Move the render-factor slider and press its "Apply" button (the slider sits in a form)."""
    at.select_slider(key="render_factor").set_value(value)
    at.button(key="apply_render_factor").click()
    return at.run() if run else at


def component_data(at: AppTest, index: int = 0) -> dict:
    """The JSON the compare-slider component received."""
    import json

    return json.loads(at.get("bidi_component")[index].proto.json)


# --------------------------------------------------------------------------- test pictures


def photo(name: str = "coffee", side: int = 96) -> np.ndarray:
    """A small colour photo from scikit-image."""
    from skimage import data

    from core.images import fit_within

    return np.ascontiguousarray(fit_within(np.asarray(getattr(data, name)())[..., :3], side))


def grey_of(rgb: np.ndarray) -> np.ndarray:
    from core.lab import to_grey_rgb

    return to_grey_rgb(rgb)


def encode(img, fmt: str = "PNG", **kw) -> bytes:
    if isinstance(img, np.ndarray):
        img = Image.fromarray(img)
    buf = io.BytesIO()
    img.save(buf, format=fmt, **kw)
    return buf.getvalue()


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def bomb_png(width: int = 50_000, height: int = 50_000) -> bytes:
    """A valid PNG header that claims ``width x height`` pixels, with almost no data (a decompression bomb)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", idat) + _png_chunk(b"IEND", b"")


def png16(side: int = 64) -> bytes:
    ramp = (np.linspace(0, 65535, side * side).reshape(side, side)).astype(np.uint16)
    img = Image.fromarray(ramp)
    assert img.mode.startswith("I;16"), img.mode
    return encode(img, "PNG")


def cmyk_jpeg(rgb: np.ndarray) -> bytes:
    return encode(Image.fromarray(rgb).convert("CMYK"), "JPEG", quality=90)


def rgba_png(rgb: np.ndarray) -> bytes:
    alpha = np.full(rgb.shape[:2], 255, np.uint8)
    alpha[: rgb.shape[0] // 2] = 0        # top half transparent
    return encode(Image.fromarray(np.dstack([rgb, alpha])), "PNG")


def animated_gif(rgb: np.ndarray, frames: int = 3) -> bytes:
    imgs = [Image.fromarray(np.roll(rgb, 7 * i, axis=1)).convert("P") for i in range(frames)]
    buf = io.BytesIO()
    imgs[0].save(buf, format="GIF", save_all=True, append_images=imgs[1:], duration=100, loop=0)
    return buf.getvalue()
