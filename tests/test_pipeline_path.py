"""One photo's way (core/pipeline.py, issue 30): ``colorize`` and ``batch`` call the same code, so the same photo
and settings give the same file under the same name (batch mirrors the folders); the model's colour and its
uncertainty come from one forward pass; batch's names stay put when a DST is resumed."""

from __future__ import annotations

import csv
import os

import numpy as np
from PIL import Image

from core.lab import to_grey_rgb
from core.pipeline import SKIPPED_COLOUR, PhotoSettings, output_name, process


def camera(size: int = 80) -> np.ndarray:
    from skimage import data, transform

    grey = transform.resize(data.camera(), (size, size * 5 // 4), anti_aliasing=True, preserve_range=True)
    return np.repeat(np.rint(grey).astype(np.uint8)[..., None], 3, axis=2)


def save(path, rgb) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(rgb).save(path)
    return str(path)


def rows_of(dst) -> dict[str, dict]:
    with open(dst / "manifest.csv", newline="", encoding="utf-8") as fh:
        return {r["source"]: r for r in csv.DictReader(fh)}


def files_of(folder) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != "manifest.csv"}


ARGS = ["--model", "grayscale", "--vibrance", "1.3", "--no-credentials"]      # guided: vibrance on grey is a no-op


def test_colorize_and_batch_write_the_same_bytes_under_the_same_names(tmp_path, cli):
    """A grey photo, a 16-bit one (png16 by default), and two photos of one stem in one folder (the second
    numbered): the same file names, folders mirrored by batch, byte for byte the same files."""
    import cv2

    src = tmp_path / "src"
    save(src / "1950" / "street.png", camera())
    ramp = np.tile(np.linspace(0, 65535, 96).astype(np.uint16), (40, 1))
    (src / "1950").mkdir(exist_ok=True)
    cv2.imwrite(str(src / "1950" / "ramp.png"), ramp)
    save(src / "1960" / "a.png", camera(64))
    Image.fromarray(camera(48)).save(src / "1960" / "a.jpg", quality=90)
    out, dst = tmp_path / "colorize", tmp_path / "batch"
    r = cli(["colorize", src, "--out", out, *ARGS])
    assert r.returncode == 0, r.stderr
    r = cli(["batch", src, dst, "--workers", "1", *ARGS])
    assert r.returncode == 0, r.stderr
    flat, mirrored = files_of(out), files_of(dst)
    assert sorted(flat) == ["a_grayscale_guided.png", "a_grayscale_guided_1.png", "ramp_grayscale_guided.png",
                            "street_grayscale_guided.png"]
    assert sorted(mirrored) == sorted(f"{'1960' if n.startswith('a_') else '1950'}/{n}" for n in flat)
    for name, data in mirrored.items():
        assert data == flat[name.split("/")[-1]], name
    rows = rows_of(dst)
    assert rows["1960/a.jpg"]["output"] == "1960/a_grayscale_guided.png"      # sorted: a.jpg before a.png
    assert cv2.imread(str(dst / "1950" / "ramp_grayscale_guided.png"), cv2.IMREAD_UNCHANGED).dtype == np.uint16


def test_a_colour_photo_is_coloured_by_colorize_and_by_batch_with_include_colour_and_the_same(tmp_path, cli):
    """colorize colours every photo it is given (a person chose it); batch leaves colour photos out unless
    --include-colour (an archive's colour photos have real colours) and says why; with it, the same file."""
    from skimage import data

    src = tmp_path / "src"
    save(src / "astronaut.png", data.astronaut()[::8, ::8].copy())
    out = tmp_path / "colorize"
    assert cli(["colorize", src / "astronaut.png", "--out", out, *ARGS]).returncode == 0
    assert cli(["batch", src, tmp_path / "skip", "--workers", "1", *ARGS]).returncode == 0
    row = rows_of(tmp_path / "skip")["astronaut.png"]
    assert (row["status"], row["kind"], row["message"]) == ("skipped", "colour", SKIPPED_COLOUR)
    assert files_of(tmp_path / "skip") == {}
    assert cli(["batch", src, tmp_path / "all", "--workers", "1", "--include-colour", *ARGS]).returncode == 0
    assert list(files_of(out)) == ["astronaut_grayscale_guided.png"]
    assert files_of(tmp_path / "all") == files_of(out)
    from core.batch.worker import read_provenance

    assert read_provenance(str(out / "astronaut_grayscale_guided.png"))["kind"] == "colour"


def test_one_forward_pass_gives_the_colour_of_colorize_and_the_score_of_guide_uncertainty(use_autoencoder,
                                                                                        monkeypatch):
    from core import colorize, get_colorizer, guide

    rgb = camera(96)
    want_colour = colorize(rgb, "autoencoder")
    want_score = guide.uncertainty_score(guide.uncertainty(rgb))
    col = get_colorizer("autoencoder")

    def no_second_pass(*a, **k):
        raise AssertionError("a second forward pass")

    monkeypatch.setattr(col, "predict_ab", no_second_pass)
    monkeypatch.setattr(col, "predict_distribution", no_second_pass)
    res = process(rgb, PhotoSettings("autoencoder", uncertainty=True))
    assert np.array_equal(res.colour, want_colour)
    assert res.uncertainty == want_score                                        # the same numbers, not close
    assert process(rgb, PhotoSettings("grayscale", uncertainty=True)).uncertainty is None    # no distribution


def test_batch_keeps_an_older_dsts_names_and_never_gives_a_new_photo_a_taken_one(tmp_path, cli):
    """Resuming a DST from before issue 30 (results named a.jpg.png) keeps those results; a photo added later
    whose plain name another photo's result holds is numbered instead of overwriting it."""
    src, dst = tmp_path / "src", tmp_path / "dst"
    save(src / "b.png", camera(40))
    args = ["batch", src, dst, "--workers", "1", "--model", "grayscale", "--no-credentials"]
    assert cli(args).returncode == 0
    os.replace(dst / "b_grayscale.png", dst / "b.png.png")                       # the old scheme's name
    text = (dst / "manifest.csv").read_text().replace("b_grayscale.png", "b.png.png")
    (dst / "manifest.csv").write_text(text)
    inode = os.stat(dst / "b.png.png").st_ino
    Image.fromarray(camera(44)).save(src / "b.bmp")                             # sorts before b.png
    r = cli(args)
    assert r.returncode == 0, r.stderr
    rows = rows_of(dst)
    assert rows["b.png"]["output"] == "b.png.png" and os.stat(dst / "b.png.png").st_ino == inode   # not redone
    assert rows["b.bmp"]["output"] == "b_grayscale.png"                           # free: b.png's is b.png.png
    Image.fromarray(camera(36)).save(src / "b.gif")                             # its plain name is b.bmp's now
    assert cli(args).returncode == 0
    assert rows_of(dst)["b.gif"]["output"] == "b_grayscale_1.png"
    assert to_grey_rgb(np.asarray(Image.open(dst / "b_grayscale_1.png").convert("RGB"))).shape[0] == 36


def test_the_naming_rule():
    s = PhotoSettings("grayscale")
    assert output_name("1950/a.jpg", s) == "1950/a_grayscale.png"
    assert output_name("a.jpg", PhotoSettings("grayscale", vibrance=1.2, format="tiff")) == "a_grayscale_guided.tif"
    assert output_name("m/a.png", PhotoSettings("/models/slides.keras", format="jpeg")) == "m/a_slides.jpg"
    taken = {"a_grayscale.png", "a_grayscale_1.png"}
    assert output_name("a.png", s, taken.__contains__) == "a_grayscale_2.png"
