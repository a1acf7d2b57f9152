"""The False colour page: samples, uploads (grey files, one FITS, a bad set), the colour, stretch and range widgets,
the legend, the words that say it is false colour, and the files it hands out."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from app_util import assert_clean, captions, encode, open_page, texts
from PIL import Image

from core import metadata
from core.science import samples

pytestmark = pytest.mark.usefixtures("app_env")

PAGE = "pages/9_false_colour.py"


def upload(at, files):
    [box] = at.get("file_uploader")
    at.file_uploader(key=box.key).set_value([(n, d, "application/octet-stream") for n, d in files]).run()
    assert_clean(at)
    return at


def disc_png(centre, side=64, value=40000) -> bytes:
    yy, xx = np.mgrid[:side, :side]
    plane = (((yy - centre[0]) ** 2 + (xx - centre[1]) ** 2) <= 100).astype(np.uint16) * np.uint16(value)
    return encode(Image.fromarray(plane), "PNG")


def picture_caption(at) -> str:
    return next(c for c in captions(at) if c.startswith("False colour of"))


def test_it_starts_empty_and_says_how_to_begin():
    at = open_page(PAGE)
    assert [t.value for t in at.title] == ["False colour"]
    assert "No channels yet" in texts(at.info)


def test_the_cells_sample_with_a_preset_and_own_colours():
    at = open_page(PAGE)
    at.button(key="fc_sample_cells").click().run()
    assert_clean(at)
    assert "3 channels · 512 x 512 pixels · uint16" in texts(at.markdown)
    assert picture_caption(at).endswith("nuclei → red; membrane → green; spots → blue")     # Fiji's order
    assert "This is false colour" in texts(at.info) and "nothing was guessed" in texts(at.info)
    assert at.get("plotly_chart")
    at.selectbox(key="fc_preset_sample-cells").set_value("colourblind").run()
    assert picture_caption(at).endswith("nuclei → magenta; membrane → green; spots → cyan")
    at.radio(key="fc_how_sample-cells").set_value("My own colours").run()
    at.color_picker(key="fc_c0_sample-cells").set_value("#0000ff").run()
    assert_clean(at)
    assert "nuclei → blue" in picture_caption(at)
    assert not any("guessed instead" in str(p.proto.label) for p in at.get("page_link"))   # several channels


def test_the_star_sample_is_one_channel_through_a_lut_with_asinh():
    at = open_page(PAGE)
    at.button(key="fc_sample_stars").click().run()
    assert_clean(at)
    assert "R → viridis" in picture_caption(at)                                 # a LUT by default
    assert at.radio(key="fc_st_sample-stars").value == "asinh"                  # float data: asinh first
    at.select_slider(key="fc_soft_sample-stars").set_value(0.001).run()
    at.selectbox(key="fc_lut_sample-stars").set_value("magma").run()
    assert_clean(at)
    assert "R → magma" in picture_caption(at)
    links = [str(p.proto.label) for p in at.get("page_link")]
    assert any("guessed instead: Colorize" in label and "AI-made" in label for label in links)


def test_uploaded_grey_files_and_an_empty_range():
    at = open_page(PAGE)
    upload(at, [("dapi.png", disc_png((20, 20))), ("gfp.png", disc_png((20, 30)))])
    assert "2 channels · 64 x 64 pixels · uint16" in texts(at.markdown)
    assert picture_caption(at).endswith("dapi.png → red; gfp.png → green")
    assert "dapi.png: 0 to 40,000" in texts(at.caption)                        # auto: 0.1 to 99.9 %
    at.slider(key=f"fc_r0_{at.session_state['fc_data']['key']}").set_value((10.0, 50.0)).run()
    assert_clean(at)
    assert "dapi.png: the range 0 to 0 is empty" in texts(at.error)           # the disc covers < 50 %
    at.button(key="fc_auto").click().run()
    assert not at.error and picture_caption(at)


def test_bad_uploads_name_the_file_and_the_problem():
    at = open_page(PAGE)
    upload(at, [("a.png", disc_png((20, 20), side=64)), ("b.png", disc_png((20, 20), side=48))])
    assert "a.png is 64 x 64 pixels but b.png is 48 x 48 pixels" in texts(at.error)
    upload(at, [("broken.fits", b"SIMPLE  = not really")])
    assert "broken.fits: not a FITS file" in texts(at.error)
    from astropy.io import fits

    buf = io.BytesIO()
    fits.PrimaryHDU(np.full((8, 8), np.nan, np.float32)).writeto(buf)
    upload(at, [("blank.fits", buf.getvalue())])
    assert "blank.fits: every pixel is NaN" in texts(at.error)


def test_the_files_say_false_colour_and_not_ai(tmp_path):
    at = open_page(PAGE)
    upload(at, [("nebula.fits", samples.star_field_fits((60, 80)))])
    buttons = {b.proto.label: b for b in at.get("download_button")}
    assert set(buttons) == {"Download PNG", "Download 16-bit TIFF"}
    from ui import falsecolour as fc

    chans = at.session_state["fc_data"]["channels"]
    settings = {"lut": "viridis", "stretch": "asinh", "softening": 0.1, "ranges": [(100.0, 200.0)]}
    for fmt in ("png", "tiff"):
        data = fc._file(chans, settings, fmt, legend=True)
        with Image.open(io.BytesIO(data)) as img:
            xmp = metadata.read_xmp(img.info["xmp"])
        assert xmp["Iptc4xmpExt:DigitalSourceType"] == metadata.DATA_SOURCE_TYPE
        assert json.loads(xmp["cs:Settings"])["channels"][0]["range"] == [100.0, 200.0]
