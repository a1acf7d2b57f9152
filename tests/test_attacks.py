"""The attack pass of issue 34: accepted files whose pages or metadata are hostile, each reproduced as the
issue describes it (the hostile files are made here, and also live in tests/hostile_corpus.py, so the
engine, the command line, the batch and the Colorize page all get them).

docs/safety.md promises: no traceback, bounded time and memory on accepted input, metadata kept safely.
"""

from __future__ import annotations

import io
import time
import unicodedata
import warnings

import numpy as np
import pytest
from hostile_corpus import MALFORMED_ICC, dpi_tiff, exif_flood_png, exif_jpeg, many_pages_tiff
from PIL import Image, TiffImagePlugin

from core import metadata, outputs
from core.images import load_image, load_master
from core.metadata import DIGITAL_SOURCE_TYPE, Meta, read_xmp


def written(data: bytes, fmt: str) -> dict:
    """What a result file says: its XMP attributes and its EXIF (or TIFF tag) texts."""
    img = Image.open(io.BytesIO(data))
    if fmt == "tiff":
        texts = {t: img.tag_v2.get(t) for t in (271, 272, 306)}
    else:
        exif = img.getexif()
        texts = {271: exif.get(271), 272: exif.get(272), 36867: exif.get_ifd(0x8769).get(36867)}
    return {"xmp": read_xmp(img.info.get("xmp")), "texts": texts, "icc": img.info.get("icc_profile"),
            "dpi": img.info.get("dpi")}


def every_format(master) -> dict[str, bytes]:
    """The result of ``master`` in every output format (16-bit ones from its 8-bit picture)."""
    return {fmt: outputs.encode(master.rgb, fmt, master.meta, {"model": "grayscale"}) for fmt in outputs.FORMATS}


# ---------------------------------------------------------------- a hang on an accepted file
def test_a_many_page_tiff_is_read_from_its_first_page_without_counting_its_pages(monkeypatch):
    """200,000 tiny pages kept load_master busy for 472 s: counting them (n_frames) walks every page."""
    data = many_pages_tiff(3000)

    def counted(self):
        raise AssertionError("the pages were counted")

    monkeypatch.setattr(TiffImagePlugin.TiffImageFile, "n_frames", property(counted))
    t0 = time.perf_counter()
    master = load_master(data)
    assert master.rgb.shape == (96, 128, 3) and load_image(data).shape == (96, 128, 3)
    assert time.perf_counter() - t0 < 1.0


# ---------------------------------------------------------------- impossible DPI
@pytest.mark.parametrize("dpi, as_double", [(4294967295, False), (float("inf"), True), (1e300, True),
                                            (float("nan"), True), (0.0, True), (1e-300, True)])
def test_an_impossible_dpi_is_dropped_and_every_format_is_written(dpi, as_double):
    master = load_master(dpi_tiff(dpi, as_double))
    assert master.meta.dpi is None
    for fmt, data in every_format(master).items():
        assert load_image(data).shape == (96, 128, 3), fmt
        assert written(data, fmt)["xmp"]["Iptc4xmpExt:DigitalSourceType"] == DIGITAL_SOURCE_TYPE, fmt


def test_a_real_dpi_is_kept_and_any_meta_is_checked_when_it_is_made():
    assert round(load_master(dpi_tiff(1200)).meta.dpi[0]) == 1200
    assert Meta(dpi=(300, 600)).dpi == (300.0, 600.0)
    for bad in ((float("inf"), 300), (300, -1), (70000, 300), ("x", 1), (300,), None):
        assert Meta(dpi=bad).dpi is None, bad


# ---------------------------------------------------------------- copied texts
def _safe(text: str | None) -> bool:
    return text is None or not any(unicodedata.category(c).startswith("C") for c in text)


def test_a_camera_name_that_is_not_ascii_is_written_in_every_format():
    master = load_master(exif_jpeg(make=b"Caf\xe9 \xff\xfe"))
    assert master.meta.make == "Café ÿþ"                   # as the file says, read as Latin-1
    for fmt, data in every_format(master).items():
        got = written(data, fmt)
        assert got["texts"][271] == "Cafe y?", fmt           # EXIF and TIFF texts are 7-bit ASCII
        assert got["xmp"]["tiff:Make"] == "Café ÿþ", fmt      # XMP is UTF-8


def test_control_characters_are_taken_out_and_the_ai_mark_stays_readable():
    master = load_master(exif_jpeg("Evil\x01\x02\x1b[31mRED\x07", '"/><x:inj a="]]>&amp;',
                                   "1952:06:01\x0c10:30:00"))
    meta = master.meta
    assert (meta.make, meta.model, meta.date) == ("Evil [31mRED", '"/><x:inj a="]]>&amp;', "1952:06:01 10:30:00")
    for fmt, data in every_format(master).items():
        got = written(data, fmt)
        xmp = got["xmp"]
        assert xmp["Iptc4xmpExt:DigitalSourceType"] == DIGITAL_SOURCE_TYPE, fmt
        assert (xmp["tiff:Make"], xmp["tiff:Model"]) == (meta.make, meta.model), fmt     # kept as text, not markup
        assert xmp["exif:DateTimeOriginal"] == "1952-06-01T10:30:00", fmt
        assert all(_safe(t) for t in got["texts"].values()), (fmt, got["texts"])


def test_every_text_a_meta_holds_is_clean_whoever_makes_it():
    meta = Meta(make="a\x00b\u202ec\ud800d\n\te" + "x" * 500, model=b"\x1b[2J", date="  ")
    assert meta.make.startswith("a b c d e") and len(meta.make) <= 200 and _safe(meta.make)
    assert meta.model == "[2J" and meta.date is None
    assert metadata.read_xmp(metadata.xmp_packet({}, meta))["tiff:Make"] == meta.make


# ---------------------------------------------------------------- ICC profiles
def test_a_10_mb_icc_profile_is_not_copied_and_every_result_opens():
    import cv2

    huge = bytearray(metadata.srgb_icc() + bytes(10 * 2**20))           # a valid profile, padded to 10 MB
    huge[:4] = len(huge).to_bytes(4, "big")
    master = load_master(exif_jpeg(icc=bytes(huge)))
    assert master.meta.icc is None
    for fmt, data in every_format(master).items():
        assert load_image(data).shape == (96, 128, 3), fmt
        assert cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED) is not None, fmt
        assert len(data) < 2**20, fmt


def test_a_malformed_icc_profile_is_not_copied_but_a_good_one_is():
    assert load_master(exif_jpeg(icc=MALFORMED_ICC)).meta.icc is None
    assert Meta(icc=MALFORMED_ICC).rgb_icc is None and Meta(icc=b"RGB ").icc is None
    good = load_master(exif_jpeg(icc=metadata.srgb_icc())).meta
    assert good.rgb_icc == metadata.srgb_icc()
    for fmt, data in every_format(load_master(exif_jpeg(icc=MALFORMED_ICC))).items():
        assert written(data, fmt)["icc"] in (None, metadata.srgb_icc()), fmt        # tagged sRGB instead


# ---------------------------------------------------------------- the EXIF warning flood
def test_a_65535_tag_exif_block_prints_no_warnings():
    data = exif_flood_png()
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        master = load_master(data)
        load_image(data)
    assert master.rgb.shape == (96, 128, 3)
    assert not seen, f"{len(seen)} warnings, the first: {seen[0].message}"
    with warnings.catch_warnings(record=True) as seen:            # the silence ends with the reading
        warnings.simplefilter("always")
        warnings.warn_explicit("Tag data larger than file", UserWarning, "TiffImagePlugin.py", 1,
                               module="PIL.TiffImagePlugin")
    assert len(seen) == 1


# ---------------------------------------------------------------- hint files that tie up the CPU
def _zigzag(points: int, radius: float) -> str:
    """One stroke going back and forth across a 1000 x 1000 photo (the 32 KB file took 167 s and 1.1 GB)."""
    import json

    stroke = [[0, 0] if i % 2 == 0 else [999, 999] for i in range(points)]
    return json.dumps({"format": "colorization-studio-hints", "version": 1, "width": 1000, "height": 1000,
                       "hints": [{"points": stroke, "color": "#b5523b", "radius": radius}]})


@pytest.fixture
def counted_circles(monkeypatch):
    """cv2.circle counted, and stopped well before an unbounded drawing would end."""
    import cv2

    calls = []
    real = cv2.circle

    def circle(*args, **kw):
        calls.append(1)
        if len(calls) > 1_000_000:
            raise AssertionError("over a million circles drawn")
        return real(*args, **kw)

    monkeypatch.setattr(cv2, "circle", circle)
    return calls


@pytest.mark.parametrize("points, radius", [(4000, 0), (4000, 1000), (400, 0)])
def test_a_hint_file_that_would_draw_millions_of_dots_is_refused_at_once(points, radius, counted_circles):
    from core.guide import HintError, hints_from_json
    from core.pipeline import colorize_photo

    text = _zigzag(points, radius)
    t0 = time.perf_counter()
    with pytest.raises(HintError, match="too") as err:
        hints_from_json(text, 1000, 1000)
    assert "Traceback" not in str(err.value) and len(str(err.value)) < 300
    grey = np.full((1000, 1000, 3), 128, np.uint8)
    with pytest.raises(HintError):
        colorize_photo(grey, "grayscale", 4, hints_text=text)
    assert time.perf_counter() - t0 < 2.0 and not counted_circles


def test_ordinary_hints_are_still_drawn(counted_circles):
    import json

    from core.guide.hints import hints_from_json, rasterize

    strokes = [{"points": [[x, y] for x in range(0, 1000, 4)], "color": "#3366cc", "radius": 3}
               for y in range(100, 900, 40)]                                  # 20 strokes across the photo
    clicks = [{"x": 10 * i, "y": 500, "color": "#cc3333", "radius": 6} for i in range(100)]
    hints = hints_from_json(json.dumps({"hints": strokes + clicks}), 1000, 1000)
    ab, mask, share = rasterize(hints, 1000, 1000)
    assert mask[100, 500] == 1 and mask[500, 500] == 1 and mask[120, 500] == 0
    assert 0 < len(counted_circles) < 1_000_000


# ---------------------------------------------------------------- a 1.7 KB model file that asks for 4.8 GB
class Built(BaseException):
    """Raised if Keras is asked to build the model (no except clause of the engine catches it)."""


def _keras_file(edit) -> bytes:
    """A small real ``.keras`` file (L in, ab at a quarter out) whose config.json ``edit`` changes."""
    import json
    import tempfile
    import zipfile
    from pathlib import Path

    import keras

    l_in = keras.Input((None, None, 1))
    x = keras.layers.Conv2D(4, 3, strides=4, padding="same", name="c1")(l_in)
    model = keras.Model(l_in, keras.layers.Conv2D(2, 1, name="c2")(x))
    buf = io.BytesIO()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "m.keras"
        model.save(path)
        with zipfile.ZipFile(path) as zf:
            members = {n: zf.read(n) for n in zf.namelist()}
    config = json.loads(members["config.json"])
    edit({layer["config"]["name"]: layer for layer in config["config"]["layers"]})
    members["config.json"] = json.dumps(config).encode()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for n, body in members.items():
            zf.writestr(n, body)
    return buf.getvalue()


def _huge(layers):
    layers["c1"]["config"].update(filters=4096, kernel_size=[300, 300])
    layers["c2"]["build_config"]["input_shape"][-1] = 4096


def _unsized(layers):
    _huge(layers)
    del layers["c1"]["build_config"]


def _embedding(layers):
    layers["c1"].update(class_name="Embedding", module="keras.layers")
    layers["c1"]["config"].update(input_dim=10**9, output_dim=4096)


def _upsampling(layers):
    layers["c1"].update(class_name="UpSampling2D", module="keras.layers")
    layers["c1"]["config"]["size"] = [100000, 100000]


@pytest.mark.parametrize("edit, words", [(_huge, "million weights"), (_unsized, "input size is not given"),
                                         (_embedding, "Embedding layer"), (_upsampling, "a size over 16")])
def test_a_model_file_that_asks_for_gigabytes_is_refused_before_it_is_built(edit, words, monkeypatch):
    import keras

    from core.training import modelfile

    data = _keras_file(edit)
    assert len(data) < 16 * 2**10

    def build(*args, **kw):
        raise Built

    monkeypatch.setattr(keras.models, "load_model", build)
    t0 = time.perf_counter()
    with pytest.raises(modelfile.ModelFileError, match=words) as err:
        modelfile.from_bytes(data, "huge.keras")
    assert str(err.value).startswith("huge.keras could not be opened as a colorization model (")
    assert time.perf_counter() - t0 < 1.0


def test_the_shipped_and_a_small_model_are_counted_and_accepted():
    import json
    import zipfile

    from conftest import SHIPPED_AUTOENCODER

    from core.training import modelfile, modelsize

    model, _ = modelfile.from_bytes(_keras_file(lambda layers: None), "small.keras")
    assert sum(int(np.prod(w.shape)) for w in model.weights) <= modelsize.check(_keras_file(lambda x: None))
    if SHIPPED_AUTOENCODER.is_file():
        with zipfile.ZipFile(SHIPPED_AUTOENCODER) as zf:
            config = json.loads(zf.read("config.json"))
        assert 5_700_000 < modelsize.count(config) < 5_800_000       # Keras makes 5,738,886 (biases counted always)


# ---------------------------------------------------------------- minor: the external-IP look-up
def test_a_cross_origin_websocket_never_makes_the_server_ask_the_internet(app_env, monkeypatch):
    """Streamlit lets a WebSocket in from localhost, the configured address, the internal IP and the external
    IP, which it asks checkip.amazonaws.com for; after the app has started nothing is asked."""
    from app_util import open_page
    from streamlit import net_util
    from streamlit.web.server import server_util

    open_page()                                           # the app's entry script has run
    asked = []
    monkeypatch.setattr(net_util, "_make_blocking_http_get", lambda url, timeout: asked.append(url))
    monkeypatch.setattr(net_util, "_external_ip", None)
    assert not server_util.is_url_from_allowed_origins("https://evil.example")
    assert server_util.is_url_from_allowed_origins("http://localhost:8501")
    assert not asked, asked
