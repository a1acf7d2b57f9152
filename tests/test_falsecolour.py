"""False colour of measured channels (core/science, ``python -m core falsecolour``): colours at known pixels,
look-up tables, 16-bit kept, the asinh stretch on a FITS made here, the XMP legend, and every bad input."""

from __future__ import annotations

import io
import subprocess
import sys

import cv2
import numpy as np
import pytest
import tifffile
from conftest import ROOT, cli_env
from PIL import Image

from core import metadata
from core.cli import main as cli
from core.science import (
    LUTS,
    PRESETS,
    ChannelError,
    falsecolour,
    legend_image,
    load_channels,
    read_channels,
    save,
    with_legend,
)
from core.science.palette import colour_rgb

SIDE = 48
CENTRES = [(12, 12), (12, 36), (36, 12), (36, 36), (24, 24), (12, 24), (36, 24)]


def disc(centre, r=5, side=SIDE, value=200, dtype=np.uint8):
    yy, xx = np.mgrid[:side, :side]
    return (((yy - centre[0]) ** 2 + (xx - centre[1]) ** 2) <= r * r).astype(dtype) * dtype(value)


def fits_bytes(data, **header) -> bytes:
    from astropy.io import fits

    hdu = fits.PrimaryHDU(data)
    for key, value in header.items():
        hdu.header[key] = value
    buf = io.BytesIO()
    hdu.writeto(buf)
    return buf.getvalue()


def expected(colour, top=255):
    return [round(v * top) for v in colour_rgb(colour)]


# --------------------------------------------------------------------------- colours at known pixels


@pytest.mark.parametrize("preset", list(PRESETS))
def test_each_channel_comes_out_in_its_presets_colour(preset):
    colours = PRESETS[preset].colours
    chans = [disc(CENTRES[i]) for i in range(len(colours))]
    out = falsecolour(chans, preset=preset, ranges=[(0, 200)]).rgb
    assert out.dtype == np.uint8
    for i, colour in enumerate(colours):
        assert out[CENTRES[i]].tolist() == expected(colour), (preset, i, colour)
    assert out[0, 0].tolist() == [0, 0, 0]                     # no channel: black


def test_overlapping_channels_add():
    a, b = disc((24, 20), r=8), disc((24, 28), r=8)
    out = falsecolour([a, b], preset="rgb", ranges="full").rgb
    assert out[24, 14].tolist() == [255, 0, 0] and out[24, 34].tolist() == [0, 255, 0]
    assert out[24, 24].tolist() == [255, 255, 0]               # red + green = yellow
    half = falsecolour([a // 2, b // 2], colours="magenta,green", ranges=[(0, 200)]).rgb
    assert half[24, 24].tolist() == [128, 128, 128]            # magenta/2 + green/2: added, not overwritten
    full = falsecolour([a, b], colours=["magenta", "#00ff00"], ranges=[(0, 200)]).rgb
    assert full[24, 24].tolist() == [255, 255, 255]            # clipped only at the end


def test_hubble_names_the_filters_and_stretches_asinh():
    r = falsecolour([disc(c) for c in CENTRES[:3]], preset="hubble")
    assert r.stretch == "asinh" and r.legend_text == "SII → red; Hα → green; OIII → blue"
    assert falsecolour([disc(c) for c in CENTRES[:3]], preset="hubble", stretch="linear").stretch == "linear"


@pytest.mark.parametrize("name", LUTS)
def test_a_lut_rises_in_lightness_along_a_ramp(name):
    from skimage.color import rgb2lab

    ramp = np.tile(np.linspace(0, 65535, 1024).astype(np.uint16), (4, 1))
    r = falsecolour([ramp], lut=name, ranges="full")
    lightness = rgb2lab(r.rgb[0].astype(np.float64)[None] / 65535)[0, :, 0]
    assert np.all(np.diff(lightness) >= -0.05), name           # rounding to 16 bits only
    assert lightness[-1] - lightness[0] > 70
    assert r.lut == name and name in r.legend_text


def test_one_channel_gets_a_lut_by_default():
    r = falsecolour([np.linspace(0, 1, 64).reshape(8, 8)])
    assert r.lut == "viridis" and r.shown[0].colour is None


# --------------------------------------------------------------------------- depth, NaN, legend


def test_16_bit_in_16_bit_out(tmp_path):
    ramp = np.tile(np.arange(0, 4000, 2, dtype=np.uint16), (3, 1))           # 2,000 levels
    r = falsecolour([ramp], colours="grey", ranges=[(0, 3998)])
    assert r.rgb.dtype == np.uint16 and len(np.unique(r.rgb[..., 0])) == 2000  # 8 bits would keep 256
    png, tif = save(r, tmp_path / "out.png"), save(r, tmp_path / "out.tif")
    for back in (cv2.imread(str(png), cv2.IMREAD_UNCHANGED)[..., ::-1], tifffile.imread(tif)):
        assert back.dtype == np.uint16 and np.array_equal(back, r.rgb)
    assert falsecolour([ramp.astype(np.float32)]).rgb.dtype == np.uint16      # float: 16-bit too
    assert falsecolour([(ramp // 16).astype(np.uint8)]).rgb.dtype == np.uint8


def test_nan_pixels_are_the_no_data_colour():
    data = np.linspace(0, 1, SIDE * SIDE).reshape(SIDE, SIDE)
    data[:4, :4] = np.nan
    r = falsecolour([data, np.zeros_like(data)], preset="rgb")
    assert r.nan_pixels == 16 and r.rgb[0, 0].tolist() == [32896] * 3        # #808080
    assert r.rgb[-1, -1, 0] > 60000
    assert r.facts["nan_pixels"] == 16 and r.facts["nan_colour"] == "#808080"
    assert legend_image(r).shape[0] > legend_image(falsecolour([np.nan_to_num(data)])).shape[0]


def test_the_legend_sits_beside_the_picture():
    r = falsecolour([disc(c, side=200) for c in CENTRES[:2]], preset="colourblind")
    panel, both = legend_image(r), with_legend(r)
    assert both.shape == (max(200, panel.shape[0]), 200 + panel.shape[1], 3) and both.dtype == np.uint8
    assert np.array_equal(both[:200, :200], r.rgb)
    swatches = {tuple(p) for p in panel.reshape(-1, 3).tolist()}
    assert (255, 0, 255) in swatches and (0, 255, 0) in swatches              # magenta and green swatches


# --------------------------------------------------------------------------- astronomy: asinh on a FITS


def star_and_galaxy() -> np.ndarray:
    yy, xx = np.mgrid[:96, :128].astype(np.float32)
    star = 60000 * np.exp(-((yy - 48) ** 2 + (xx - 32) ** 2) / (2 * 1.5 ** 2))
    galaxy = 60 * np.exp(-(((yy - 48) / 10) ** 2 + ((xx - 90) / 18) ** 2) / 2)   # 0.1 % of the star's peak
    return (star + galaxy + 10).astype(np.float32)


def test_asinh_shows_a_faint_galaxy_that_linear_leaves_black(tmp_path):
    path = tmp_path / "field.fits"
    path.write_bytes(fits_bytes(star_and_galaxy(), FILTER="R"))
    [ch] = load_channels([path])
    assert ch.name == "R" and ch.source == "field.fits" and ch.data.dtype == np.float32
    linear = falsecolour([ch], lut="greys", ranges="full").rgb.astype(float) / 65535
    asinh = falsecolour([ch], lut="greys", ranges="full", stretch="asinh", softening=0.001)
    lifted = asinh.rgb.astype(float) / 65535
    galaxy, sky, star = (47, 90), (5, 120), (47, 32)         # row 48 of the FITS counted from the bottom
    assert linear[galaxy][0] < 1 / 255                          # black on a screen
    assert lifted[galaxy][0] > 0.1 and lifted[galaxy][0] > lifted[sky][0] + 0.1
    assert linear[star][0] > 0.99 and lifted[star][0] > 0.99   # the star still the brightest
    assert asinh.stretch_text == "asinh (a = 0.001)" and asinh.facts["softening"] == 0.001


def test_fits_rows_run_from_the_bottom_and_cubes_are_channels():
    cube = np.zeros((3, 8, 10), np.float32)
    cube[:, 0, :] = 1.0                                          # FITS row 1: the bottom of the picture
    chans = read_channels(fits_bytes(cube), "cube.fits")
    assert [c.name for c in chans] == ["cube.fits [1]", "cube.fits [2]", "cube.fits [3]"]
    assert chans[0].data[-1].min() == 1.0 and chans[0].data[0].max() == 0.0


def test_gzipped_and_tile_compressed_fits(monkeypatch):
    import gzip

    from astropy.io import fits

    field = star_and_galaxy()
    [ch] = read_channels(gzip.compress(fits_bytes(field, FILTER="V")), "field.fits.gz")
    assert ch.name == "V" and np.array_equal(ch.data, field[::-1])
    buf = io.BytesIO()
    lossless = fits.CompImageHDU(field, compression_type="GZIP_1", quantize_level=0.0)
    fits.HDUList([fits.PrimaryHDU(), lossless]).writeto(buf)
    [ch] = read_channels(buf.getvalue(), "field.fits.fz")
    assert np.array_equal(ch.data, field[::-1])
    monkeypatch.setenv("COLORIZER_MAX_BYTES", str(2**20))
    with pytest.raises(ChannelError, match="bomb.fits.gz: unpacked, the file is larger than the limit of 1 MB"):
        read_channels(gzip.compress(b"\0" * 2 * 2**20), "bomb.fits.gz")


def test_multi_channel_tiff_ome_names_and_colour_pictures():
    buf = io.BytesIO()
    stack = np.stack([disc(c, dtype=np.uint16, value=4000) for c in CENTRES[:3]])
    tifffile.imwrite(buf, stack, ome=True, metadata={"axes": "CYX", "Channel": {"Name": ["DAPI", "GFP", "RFP"]}})
    chans = read_channels(buf.getvalue(), "cells.ome.tif")
    assert [c.name for c in chans] == ["DAPI", "GFP", "RFP"] and chans[1].data.dtype == np.uint16
    assert np.array_equal(chans[2].data, stack[2])
    rgb = np.zeros((8, 8, 3), np.uint8)
    rgb[..., 0] = 200
    png = io.BytesIO()
    Image.fromarray(rgb).save(png, format="PNG")
    assert [c.name for c in read_channels(png.getvalue(), "photo.png")] == [
        "photo.png (red)", "photo.png (green)", "photo.png (blue)"]
    grey = io.BytesIO()
    Image.fromarray(np.zeros((8, 8), np.uint16) + 300).save(grey, format="PNG")
    [g] = read_channels(grey.getvalue(), "grey16.png")
    assert g.data.dtype == np.uint16 and g.data.max() == 300


# --------------------------------------------------------------------------- honest files


@pytest.mark.parametrize("name", ["out.png", "out.tif"])
def test_the_xmp_gives_the_legend_and_no_ai_mark(tmp_path, name):
    r = falsecolour([disc(c, dtype=np.uint16, value=999) for c in CENTRES[:3]], preset="hubble",
                    ranges=["auto", "full", (0, 500)])
    path = save(r, tmp_path / name, legend=True)
    with Image.open(path) as img:
        packet = img.info["xmp"] if "xmp" in img.info else img.info[metadata.XMP_KEY]
    raw = packet if isinstance(packet, bytes) else packet.encode()
    assert b"trainedAlgorithmicMedia" not in raw and b"neural network" not in raw
    xmp = metadata.read_xmp(packet)
    assert xmp["Iptc4xmpExt:DigitalSourceType"] == metadata.DATA_SOURCE_TYPE != metadata.DIGITAL_SOURCE_TYPE
    assert xmp["cs:Legend"] == "SII → red; Hα → green; OIII → blue" and "nothing was guessed" in xmp["cs:Note"]
    facts = metadata.read_xmp_facts(packet)
    assert facts["guessed"] is False and facts["stretch"] == "asinh"
    assert [(c["name"], c["colour"]) for c in facts["channels"]] == [
        ("SII", "#ff0000"), ("Hα", "#00ff00"), ("OIII", "#0000ff")]
    assert facts["channels"][1]["range"] == [0.0, 999.0] and facts["channels"][2]["range"] == [0.0, 500.0]


# --------------------------------------------------------------------------- bad input


def test_channels_of_different_sizes_are_named(tmp_path):
    a, b = tmp_path / "a.fits", tmp_path / "b.fits"
    a.write_bytes(fits_bytes(np.zeros((10, 12), np.float32)))
    b.write_bytes(fits_bytes(np.zeros((10, 14), np.float32)))
    with pytest.raises(ChannelError, match=r"a\.fits is 12 x 10 pixels but b\.fits is 14 x 10 pixels"):
        falsecolour(load_channels([a, b]))


@pytest.mark.parametrize("make,match", [
    (lambda: [np.zeros((4, 4))] * 8, "Too many channels: 8"),
    (lambda: read_channels(fits_bytes(np.zeros((9, 4, 4), np.float32)), "deep.fits"), "deep.fits.*9 planes"),
    (lambda: read_channels(tifffile_bytes(np.zeros((12, 8, 10), np.uint16)), "stack.tif"), "stack.tif.*12 planes"),
    (lambda: read_channels(b"SIMPLE  = this is not FITS", "broken.fits"), "broken.fits: not a FITS file"),
    (lambda: read_channels(fits_bytes(np.zeros((40, 40), np.float32))[:3000], "cut.fits"), "cut.fits: not a FITS"),
    (lambda: read_channels(b"", "empty.fits"), "empty.fits: the file is empty"),
    (lambda: read_channels(b"hello" * 9, "notes.png"), "notes.png: not a picture"),
    (lambda: [np.full((4, 4), np.nan)], "every pixel is NaN"),
    (lambda: ([np.zeros((4, 4))], {"ranges": [(5, 5)]}), "range 5 to 5 is empty"),
    (lambda: ([np.zeros((4, 4))], {"ranges": [(9, 2)]}), "range 9 to 2 is empty"),
    (lambda: ([np.zeros((4, 4))] * 2, {"colours": "red"}), "1 colours were given for 2 channels"),
    (lambda: ([np.zeros((4, 4))], {"colours": "plaid"}), "Unknown colour 'plaid'"),
    (lambda: ([np.zeros((4, 4))] * 2, {"lut": "viridis"}), "one channel, but 2"),
    (lambda: ([np.zeros((4, 4))] * 4, {"preset": "rgb"}), "rgb preset has 3 colours"),
    (lambda: ([np.zeros((4, 4))], {"stretch": "cube"}), "Unknown stretch"),
    (lambda: ([np.zeros((4, 4))], {"stretch": "log", "softening": -1}), "log softening must be above 0"),
    (lambda: [np.zeros((4, 4, 2))], "one grey plane"),
])
def test_bad_input_gets_a_clear_message(make, match):
    with pytest.raises(ChannelError, match=match):
        made = make()
        chans, kw = made if isinstance(made, tuple) else (made, {})
        falsecolour(chans, **kw)


def tifffile_bytes(arr) -> bytes:
    buf = io.BytesIO()
    tifffile.imwrite(buf, arr)
    return buf.getvalue()


# --------------------------------------------------------------------------- the command line


@pytest.fixture
def hubble_files(tmp_path):
    field = star_and_galaxy()
    paths = []
    for i, band in enumerate(("SII", "HA", "OIII")):
        path = tmp_path / f"{band.lower()}.fits"
        path.write_bytes(fits_bytes(np.roll(field, 10 * i, axis=1), FILTER=band))
        paths.append(path)
    return paths


def test_cli_writes_a_16_bit_png_with_its_legend(hubble_files, tmp_path, capsys):
    out = tmp_path / "nebula.png"
    assert cli(["falsecolour", *map(str, hubble_files), "--preset", "hubble", "--legend", "--out", str(out)]) == 0
    said = capsys.readouterr().out
    assert "16-bit, asinh (a = 0.1) stretch; SII → red; HA → green; OIII → blue" in said
    with Image.open(out) as img:
        assert img.size[0] > 128 and metadata.read_xmp(img.info["xmp"])["cs:Legend"].startswith("SII → red")
    assert cv2.imread(str(out), cv2.IMREAD_UNCHANGED).dtype == np.uint16
    tif = tmp_path / "one.tif"
    assert cli(["falsecolour", str(hubble_files[0]), "--lut", "magma", "--range=-5:100", "--names", "Sulphur",
                "--out", str(tif)]) == 0
    assert "Sulphur → magma (dark -5, light 100)" in capsys.readouterr().out
    assert tifffile.imread(tif).shape == (96, 128, 3)


@pytest.mark.parametrize("args,code,match", [
    (["--range", "1-5"], 2, "a range is auto, full or MIN:MAX"),
    (["--out-ext"], 2, "must end in .png, .tif or .tiff"),
    (["--colours", "red"], 1, "1 colours were given for 3 channels"),
    (["--range", "3:3"], 1, "sii.fits.*range 3 to 3 is empty"),
    (["--stretch", "asinh", "--softening", "2"], 1, "asinh softening must be above 0 and at most 1"),
    (["--exists"], 2, "already exists"),
])
def test_cli_bad_arguments_and_inputs(hubble_files, tmp_path, capsys, args, code, match):
    import re

    out = tmp_path / ("x.jpg" if args == ["--out-ext"] else "x.png")
    if args == ["--exists"]:
        out.write_bytes(b"")
    args = [] if args[0].startswith("--out-ext") or args == ["--exists"] else args
    assert cli(["falsecolour", *map(str, hubble_files), *args, "--out", str(out)]) == code
    err = capsys.readouterr().err
    assert re.search(match, err) and "Traceback" not in err, err


def test_cli_names_an_unreadable_file(tmp_path, capsys):
    bad = tmp_path / "broken.fits"
    bad.write_bytes(b"SIMPLE  = no")
    assert cli(["falsecolour", str(bad), "--out", str(tmp_path / "o.png")]) == 1
    assert "broken.fits: not a FITS file" in capsys.readouterr().err
    assert not (tmp_path / "o.png").exists()


def test_cli_is_listed_and_has_help():
    r = subprocess.run([sys.executable, "-m", "core", "falsecolour", "--help"], cwd=ROOT, env=cli_env(),
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and "python -m core falsecolour" in r.stdout and "hubble" in r.stdout
    assert "falsecolour" in subprocess.run([sys.executable, "-m", "core", "--help"], cwd=ROOT, env=cli_env(),
                                           capture_output=True, text=True, timeout=120).stdout


def test_the_public_api_names_it():
    import core
    import core.science

    assert core.falsecolour is core.science.falsecolour and core.load_channels is core.science.load_channels
    assert {"falsecolour", "load_channels"} <= set(core.__all__)
