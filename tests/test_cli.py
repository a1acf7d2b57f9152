"""The command line, ``python -m core <command>``, on temporary folders.

Most tests call it in this process (the ``cli`` fixture of conftest.py); a real ``python -m core``
subprocess runs once per command where only a fresh process can tell (TensorFlow's start-up lines, runpy's
warning, a temporary folder from ``TMPDIR``, the entry module itself)."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import numpy as np
import pytest
from conftest import ROOT, cli_env
from PIL import Image

from core import load_image
from core.cli.colorize import main as colorize_main
from core.lab import to_grey_rgb

TOOLS = ["colorize", "evaluate", "bench", "train", "weights"]


def run(args, timeout=300, **env):
    """A real ``python -m core`` process (the smoke tests only; the rest use the ``cli`` fixture)."""
    return subprocess.run([sys.executable, "-m", "core", *map(str, args)], cwd=ROOT, env=cli_env(**env),
                          capture_output=True, text=True, timeout=timeout)


def _save(path, rgb):
    Image.fromarray(rgb).save(path)
    return path


@pytest.fixture
def folder(tmp_path, photos):
    """Two good photos and one broken file."""
    d = tmp_path / "in"
    d.mkdir()
    _save(d / "cat.png", photos["chelsea"])
    _save(d / "mug.jpg", photos["coffee"])
    (d / "broken.png").write_bytes(b"not an image at all")
    (d / "notes.txt").write_text("ignored: not an image extension")
    return d


@pytest.mark.parametrize("tool", TOOLS)
def test_help(tool, cli):
    r = cli([tool, "--help"])
    assert r.returncode == 0, r.stderr
    assert f"python -m core {tool}" in r.stdout
    assert "usage" in r.stdout.lower()


def test_colorize_folder_with_a_bad_file(folder, tmp_path, cli):
    out = tmp_path / "out"
    r = cli(["colorize", folder, "--model", "grayscale", "--out", out])
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in out.iterdir()) == ["cat_grayscale.png", "mug_grayscale.png"]
    assert "broken.png" in r.stderr and "not an image file" in r.stderr
    assert "2 colorized, 1 skipped" in r.stderr
    cat = load_image(out / "cat_grayscale.png")
    assert np.array_equal(cat, to_grey_rgb(load_image(folder / "cat.png")))


@pytest.mark.slow
def test_colorize_single_file_with_the_autoencoder(folder, tmp_path, autoencoder_path):
    out = tmp_path / "out"
    r = run(["colorize", folder / "cat.png", "--render-factor", "8", "--out", out],
            COLORIZER_AUTOENCODER=autoencoder_path)
    assert r.returncode == 0, r.stderr
    dest = out / "cat_autoencoder.png"
    assert f"-> {dest}" in r.stdout
    src = load_image(folder / "cat.png")
    assert load_image(dest).shape == src.shape
    # only our own messages: no TensorFlow / absl / oneDNN start-up lines, no Python warnings
    assert r.stderr.strip().splitlines() == [f"1 colorized, 0 skipped -> {out}"], r.stderr


def test_weights_status_by_either_spelling_prints_only_our_lines(tmp_path):
    for module in (["-m", "core", "weights", "status"], ["-m", "core.weights", "status"]):
        r = subprocess.run([sys.executable, *module], cwd=ROOT, env=cli_env(COLORIZER_HOME=tmp_path),
                           capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr
        assert r.stderr == "", r.stderr                          # no RuntimeWarning from runpy
        assert r.stdout.splitlines()[0].startswith("autoencoder")
        assert "weights fetch eccv16" in r.stdout


def test_colorize_exits_non_zero_when_nothing_succeeded(tmp_path, cli):
    d = tmp_path / "bad"
    d.mkdir()
    (d / "a.png").write_bytes(b"")
    (d / "b.jpg").write_bytes(b"<html></html>")
    out = tmp_path / "out"
    r = cli(["colorize", d, "--model", "grayscale", "--out", out])
    assert r.returncode != 0
    assert "0 colorized, 2 skipped" in r.stderr
    assert not out.exists() or not list(out.iterdir())


def test_colorize_missing_input_and_empty_folder(tmp_path, cli):
    (tmp_path / "empty").mkdir()
    r = cli(["colorize", tmp_path / "nope.png", tmp_path / "empty", "--model", "grayscale",
             "--out", tmp_path / "out"])
    assert r.returncode == 1
    assert "no such file or folder" in r.stderr and "no images in this folder" in r.stderr
    assert "nothing to colorize" in r.stderr


def test_colorize_unknown_model(folder, tmp_path, cli):
    r = cli(["colorize", folder, "--model", "deoldify", "--out", tmp_path / "out"])
    assert r.returncode == 2
    assert "unknown model 'deoldify'" in r.stderr
    assert "Traceback" not in r.stderr
    assert not (tmp_path / "out").exists()


def test_colorize_unavailable_model_and_bad_render_factor(folder, tmp_path, cli):
    r = cli(["colorize", folder, "--model", "eccv16", "--out", tmp_path / "out"],
            COLORIZER_HOME=tmp_path / "empty_home")
    assert r.returncode == 2
    assert "-m core weights fetch eccv16" in r.stderr and "Traceback" not in r.stderr
    r = cli(["colorize", folder, "--model", "grayscale", "--render-factor", "0", "--out", tmp_path / "out"])
    assert r.returncode == 2
    assert "render_factor for grayscale must be between 1 and 64" in r.stderr


def test_colorize_never_overwrites_an_input(tmp_path, photos, cli):
    d = tmp_path / "in"
    d.mkdir()
    _save(d / "cat.png", photos["chelsea"])
    _save(d / "cat_grayscale.png", photos["coffee"])        # an input already named like an output
    before = {p.name: p.read_bytes() for p in d.iterdir()}
    r = cli(["colorize", d, "--model", "grayscale", "--out", d])
    assert r.returncode == 0, r.stderr
    for name, data in before.items():
        assert (d / name).read_bytes() == data, f"{name} was overwritten"
    names = sorted(p.name for p in d.iterdir())
    assert names == ["cat.png", "cat_grayscale.png", "cat_grayscale_1.png", "cat_grayscale_grayscale.png"]
    assert np.array_equal(load_image(d / "cat_grayscale_1.png"), to_grey_rgb(photos["chelsea"]))
    assert np.array_equal(load_image(d / "cat_grayscale_grayscale.png"), to_grey_rgb(photos["coffee"]))
    assert not list(d.glob("*.part"))


def test_colorize_inputs_with_the_same_stem_get_separate_outputs(tmp_path, photos):
    d = tmp_path / "in"
    (d / "sub").mkdir(parents=True)
    _save(d / "photo.png", photos["chelsea"])
    _save(d / "photo.jpg", photos["coffee"])
    _save(d / "sub" / "photo.png", photos["astronaut"])
    out = tmp_path / "out"
    assert colorize_main([str(d), "--model", "grayscale", "--out", str(out)]) == 0
    outs = sorted(out.iterdir())
    assert len(outs) == 3
    got = sorted(load_image(p).shape for p in outs)
    assert got == sorted(p.shape for p in (photos["chelsea"], photos["coffee"], photos["astronaut"]))


def test_colorize_main_in_process(tmp_path, photos, capsys):
    src = _save(tmp_path / "one.png", photos["coffee"])
    out = tmp_path / "o"
    assert colorize_main([str(src), "--model", "grayscale", "--render-factor", "3", "--out", str(out)]) == 0
    assert np.array_equal(load_image(out / "one_grayscale.png"), to_grey_rgb(photos["coffee"]))
    assert "one_grayscale.png" in capsys.readouterr().out


def test_colorize_twice_keeps_the_first_results_unless_overwrite(tmp_path, photos, capsys):
    d = tmp_path / "in"
    d.mkdir()
    for name in ("coffee", "chelsea"):
        _save(d / f"{name}.png", photos[name])
    out = tmp_path / "o"
    args = [str(d), "--model", "grayscale", "--out", str(out)]
    assert colorize_main(args) == 0
    assert "2 colorized, 0 skipped -> " in capsys.readouterr().err
    first = out / "coffee_grayscale.png"
    first.write_bytes(b"the first run's result, edited by hand")
    _save(d / "astronaut.png", photos["astronaut"])                 # one new photo in the folder
    assert colorize_main(args) == 0
    err = capsys.readouterr().err
    assert "1 colorized, 0 skipped, 2 skipped because their result was already there (--overwrite replaces them)" \
        in err
    assert first.read_bytes() == b"the first run's result, edited by hand"          # not overwritten
    assert (out / "astronaut_grayscale.png").is_file()
    assert colorize_main([*args, "--overwrite"]) == 0
    assert "3 colorized, 0 skipped -> " in capsys.readouterr().err
    assert np.array_equal(load_image(first), to_grey_rgb(photos["coffee"]))


@pytest.fixture
def colour_folder(tmp_path, photos):
    d = tmp_path / "val"
    d.mkdir()
    for name, img in photos.items():
        _save(d / f"{name}.png", img)
    _save(d / "grey.png", to_grey_rgb(photos["coffee"]))         # skipped: nothing to compare
    sepia = to_grey_rgb(photos["chelsea"]).astype(np.float32) * np.array([1.0, 0.88, 0.7])
    _save(d / "sepia.png", sepia.astype(np.uint8))                 # skipped: a toned black-and-white photo
    return d


def test_evaluate(colour_folder, tmp_path, autoencoder_path, cli):
    report = tmp_path / "report.csv"
    # the protocol scores every photo with colour (the sepia one too) and skips the grey one
    r = cli(["evaluate", "--data", colour_folder, "--models", "grayscale"], COLORIZER_AUTOENCODER=autoencoder_path)
    assert r.returncode == 0, r.stderr
    assert "4 photos from" in r.stdout and "grey.png" in r.stderr and "sepia.png" not in r.stderr
    # --colour-only also leaves out the toned photo (real scans)
    r = cli(["evaluate", "--data", colour_folder, "--models", "grayscale,autoencoder", "--out", report,
             "--colour-only"], COLORIZER_AUTOENCODER=autoencoder_path)
    assert r.returncode == 0, r.stderr
    table = [line for line in r.stdout.splitlines() if line.startswith("|")]
    assert table[0].startswith("| model | images | MSE | PSNR (dB) | SSIM | ΔE2000 | colourfulness ratio")
    rows = {line.split("|")[1].strip(): [c.strip() for c in line.split("|")[2:-1]] for line in table[2:]}
    assert set(rows) == {"grayscale", "autoencoder"}
    assert rows["grayscale"][0] == "3" and rows["autoencoder"][0] == "3"
    assert rows["grayscale"][5] == "0.00"                          # colourfulness ratio of grey output
    assert "3 photos from" in r.stdout
    assert "grey.png" in r.stderr and "already grey" in r.stderr
    assert "sepia.png: looks black-and-white: its colour is one even" in r.stderr
    assert "2 of 5 photos skipped" in r.stderr
    with open(report, newline="") as fh:
        data = list(csv.DictReader(fh))
    assert len(data) == 6
    assert {d["model"] for d in data} == {"grayscale", "autoencoder"}
    assert {d["file"] for d in data} == {"astronaut.png", "coffee.png", "chelsea.png"}
    for d in data:
        assert float(d["psnr"]) > 10 and 0 < float(d["ssim"]) <= 1 and float(d["seconds"]) >= 0
        if d["model"] == "grayscale":
            assert float(d["colorfulness_ratio"]) == 0.0
    # the table shows the means of the CSV rows
    grey_psnr = np.mean([float(d["psnr"]) for d in data if d["model"] == "grayscale"])
    assert float(rows["grayscale"][2]) == pytest.approx(grey_psnr, abs=0.006)


def test_evaluate_errors(tmp_path, colour_folder, cli):
    r = cli(["evaluate", "--data", colour_folder, "--models", "grayscale,nope"])
    assert r.returncode == 2 and "unknown model 'nope'" in r.stderr
    r = cli(["evaluate", "--data", tmp_path / "missing", "--models", "grayscale"])
    assert r.returncode == 2 and "is not a folder" in r.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    r = cli(["evaluate", "--data", empty, "--models", "grayscale"])
    assert r.returncode == 1 and "no images" in r.stderr


def test_bench(autoencoder_path, cli):
    r = cli(["bench", "--repeats", "1", "--models", "grayscale,autoencoder"],
            COLORIZER_AUTOENCODER=autoencoder_path)
    assert r.returncode == 0, r.stderr
    assert "768 x 512 synthetic photo, median of 1 runs" in r.stdout
    rows = [line for line in r.stdout.splitlines() if line.startswith("| ")]
    assert rows[0] == "| model | render factor | load (s) | median per image (s) |"
    assert rows[1].startswith("| --- |")
    body = {line.split("|")[1].strip(): line for line in rows[2:]}
    assert set(body) == {"grayscale", "autoencoder"}
    assert body["grayscale"].split("|")[2].strip() == "16"
    for line in body.values():
        assert float(line.split("|")[4]) > 0


def test_bench_refuses_an_unavailable_model(tmp_path, cli):
    r = cli(["bench", "--repeats", "1", "--models", "eccv16"], COLORIZER_HOME=tmp_path)
    assert r.returncode == 2
    assert "eccv16 cannot be timed" in r.stderr and "not downloaded" in r.stderr


@pytest.mark.slow
def test_bench_with_an_eccv16_folder(tmp_path):
    from caffe_net import write_small_eccv16

    net = write_small_eccv16(tmp_path / "net")
    r = run(["bench", "--repeats", "1", "--models", "eccv16,grayscale", "--eccv16-dir", net],
            TMPDIR=tmp_path)    # bench links the folder into a temporary home
    assert r.returncode == 0, r.stderr
    assert "| eccv16 | 14 |" in r.stdout


def test_weights_status(tmp_path, autoencoder_path, cli):
    r = cli(["weights", "status"], COLORIZER_HOME=tmp_path, COLORIZER_AUTOENCODER=autoencoder_path)
    assert r.returncode == 0, r.stderr
    lines = {line.split()[0]: line for line in r.stdout.splitlines() if line.strip()}
    assert set(lines) == {"autoencoder", "eccv16", "grayscale"}
    assert lines["autoencoder"].split()[1] == "ready"
    assert lines["grayscale"].split()[1] == "ready"
    assert lines["eccv16"].split()[1] == "missing"
    assert "->  .venv/bin/python -m core weights fetch eccv16" in lines["eccv16"]


def test_weights_status_with_eccv16(tmp_path, cli):
    from caffe_net import write_small_eccv16

    write_small_eccv16(tmp_path / "eccv16")
    r = cli(["weights", "status"], COLORIZER_HOME=tmp_path)
    assert r.returncode == 0
    eccv16 = next(line for line in r.stdout.splitlines() if line.startswith("eccv16"))
    assert eccv16.split()[1] == "ready" and "fetch" not in eccv16


def test_weights_fetch_rejects_unknown_names(cli):
    r = cli(["weights", "fetch", "autoencoder"])
    assert r.returncode == 2
    assert "invalid choice" in r.stderr


def test_one_entry_lists_every_command(cli):
    r = cli(["--help"])
    assert r.returncode == 0
    for tool in TOOLS:
        assert f"  {tool} " in r.stdout
    r = cli(["frobnicate"])
    assert r.returncode == 2 and "unknown command 'frobnicate'" in r.stderr and "Traceback" not in r.stderr
    assert cli([]).returncode == 2


# --------------------------------------------------------------------------- guided colour


def test_colorize_help_documents_the_hints_file(capsys):
    with pytest.raises(SystemExit):
        colorize_main(["--help"])
    text = capsys.readouterr().out
    for words in ("--hints FILE", "--reference PHOTO", "--vibrance X", "colorization-studio-hints",
                  "\"points\"", "#rrggbb", "width, height"):
        assert words in text, words


def test_colorize_with_hints_reference_and_vibrance(tmp_path, photos, capsys):
    from core import guide, lab

    src = _save(tmp_path / "mug.png", to_grey_rgb(photos["coffee"]))
    h, w = photos["coffee"].shape[:2]
    hints = tmp_path / "hints.json"
    hints.write_text(guide.hints_to_json([(10, 10, (200, 30, 30), 3), ([(40, 40), (60, 50)], "#1e3cc8", 2)], w, h))
    ref = _save(tmp_path / "ref.jpg", photos["chelsea"])
    out = tmp_path / "out"
    args = [str(src), "--model", "grayscale", "--out", str(out), "--hints", str(hints), "--reference", str(ref),
            "--vibrance", "1.3"]
    assert colorize_main(args) == 0, capsys.readouterr().err
    result = load_image(out / "mug_grayscale_guided.png")
    grey = load_image(src)
    assert result.shape == grey.shape
    assert np.abs(lab.lightness(result) - lab.lightness(grey)).max() < 0.6      # L kept
    expected = guide.guide(grey, grey, hints=guide.hints_from_json(hints.read_bytes(), w, h),
                           reference=load_image(ref), vibrance=1.3)
    assert np.array_equal(result, expected)                                     # the engine's one call path
    assert result[10, 10, 0] > result[10, 10, 2] + 20                           # red where the hint is


@pytest.mark.parametrize("extra,words", [
    (["--hints", "{missing}"], "cannot read it"),
    (["--hints", "{bad_json}"], "not valid JSON"),
    (["--reference", "{not_image}"], "not an image file"),
    (["--reference", "{grey}"], "no colour"),
    (["--vibrance", "3"], "--vibrance must be from 0 to 2"),
    (["--reference-strength", "0.5"], "needs --reference"),
])
def test_colorize_guided_input_problems(tmp_path, photos, capsys, extra, words):
    src = _save(tmp_path / "mug.png", photos["coffee"])
    files = {"missing": tmp_path / "nope.json", "bad_json": tmp_path / "bad.json",
             "not_image": tmp_path / "ref.jpg", "grey": tmp_path / "grey.png"}
    files["bad_json"].write_text("{\"hints\": [ {\"x\": 1,")
    files["not_image"].write_text("hello")
    _save(files["grey"], to_grey_rgb(photos["coffee"]))
    extra = [e.format(**files) for e in extra]
    assert colorize_main([str(src), "--model", "grayscale", "--out", str(tmp_path / "out"), *extra]) == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_colorize_hints_that_do_not_fit_a_photo_skip_it(tmp_path, photos, capsys):
    from core import guide

    d = tmp_path / "in"
    d.mkdir()
    _save(d / "big.png", photos["coffee"])
    _save(d / "small.png", photos["coffee"][:20, :20])
    h, w = photos["coffee"].shape[:2]
    hints = tmp_path / "hints.json"
    hints.write_text(json.dumps([{"x": 50, "y": 30, "color": "#ff0000"}]))    # no size: pixels as they are
    assert colorize_main([str(d), "--model", "grayscale", "--out", str(tmp_path / "out"), "--hints", str(hints)]) == 0
    err = capsys.readouterr().err
    assert "small.png" in err and "outside the photo" in err and "1 colorized, 1 skipped" in err
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["big_grayscale_guided.png"]
    assert guide.hints_from_json(hints.read_bytes(), w, h)


@pytest.mark.skipif(not hasattr(__import__("os"), "mkfifo"), reason="needs os.mkfifo")
def test_colorize_refuses_fifos_at_once(tmp_path, photos):
    """A FIFO as a photo or as the hints file must not block (issue 24); a timeout turns a hang into a failure."""
    import os

    good = _save(tmp_path / "mug.png", to_grey_rgb(photos["coffee"]))
    os.mkfifo(tmp_path / "pipe.jpg")
    r = run(["colorize", good, tmp_path / "pipe.jpg", "--model", "grayscale", "--out", tmp_path / "o"], timeout=60)
    assert r.returncode == 0 and "not a regular file" in r.stderr and "1 colorized, 1 skipped" in r.stderr, r.stderr
    os.mkfifo(tmp_path / "hints.json")
    r = run(["colorize", good, "--model", "grayscale", "--hints", tmp_path / "hints.json", "--out", tmp_path / "o"],
            timeout=60)
    assert r.returncode == 2 and "not a regular file" in r.stderr and "Traceback" not in r.stderr, r.stderr


HOSTILE_NAMES = ("\x1b[2J\x1b[Hcleared\rspoof.png", "bell\x07\x9b31mred\u202etxt.png", "two\nlines.jpg")


def _no_controls(text: str) -> None:
    bad = [c for c in text if (ord(c) < 32 and c != "\n") or 0x7f <= ord(c) < 0xa0 or c == "\u202e"]
    assert not bad, (bad, text)


def test_colorize_escapes_control_characters_in_names(tmp_path, photos, cli):
    """A hostile archive must not clear or spoof the terminal (issue 24, defect 4): every name printed with
    its control characters escaped (a newline in a name too), on stdout and stderr."""
    from core.text import printable

    assert printable("a\x1b[2Jb\rc\nd\x9b\u202e\udcff") == "a\\x1b[2Jb\\rc\\nd\\x9b\\u202e\\udcff"
    assert printable("Grüße 照片 ok.png") == "Grüße 照片 ok.png"
    d = tmp_path / "in"
    d.mkdir()
    _save(d / HOSTILE_NAMES[0], to_grey_rgb(photos["coffee"]))
    (d / HOSTILE_NAMES[1]).write_bytes(b"not an image")
    (d / HOSTILE_NAMES[2]).write_bytes(b"")
    for args in ([d / HOSTILE_NAMES[0]], [d]):          # one photo (prints "IN -> OUT"), then a folder
        r = cli(["colorize", *args, "--model", "grayscale", "--out", tmp_path / "o\x1b[2J", "--overwrite"])
        assert r.returncode == 0, r.stderr
        _no_controls(r.stdout + r.stderr.replace("\r", ""))          # the progress bar's own CRs
        assert "\\x1b[2J" in r.stdout + r.stderr and "\rspoof" not in r.stdout + r.stderr
    assert "\\x07" in r.stderr and "\\u202e" in r.stderr and "two\\nlines" in r.stderr


def test_without_out_results_go_beside_the_inputs_not_into_the_current_folder(tmp_path, photos, cli, monkeypatch):
    """A new user's first run (issue 30): no --out wrote ./colorized into whatever folder the command ran in,
    the checkout too. Now a photo's result goes beside it, a folder's into FOLDER_colorized beside it."""
    here = tmp_path / "cwd"
    here.mkdir()
    monkeypatch.chdir(here)
    (tmp_path / "a").mkdir()
    one = _save(tmp_path / "a" / "cat.png", photos["chelsea"])
    (tmp_path / "scans" / "box").mkdir(parents=True)
    _save(tmp_path / "scans" / "mug.png", photos["coffee"])
    _save(tmp_path / "scans" / "box" / "rocket.png", photos["astronaut"])
    r = cli(["colorize", one, tmp_path / "scans", "--model", "grayscale"])
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "a" / "cat_grayscale.png").is_file()
    assert sorted(p.name for p in (tmp_path / "scans_colorized").iterdir()) == ["mug_grayscale.png",
                                                                                 "rocket_grayscale.png"]
    assert "2 folders, beside the inputs" in r.stderr and not list(here.iterdir())
    r = cli(["colorize", tmp_path / "scans", "--model", "grayscale"])         # the results are not inputs
    assert "0 colorized, 0 skipped, 2 skipped because their result was already there" in r.stderr
    assert f"-> {tmp_path / 'scans_colorized'}" in r.stderr


# --------------------------------------------------------------------------- the installed command


def test_the_installed_command_is_the_command_line():
    """pyproject.toml's console script is ``core.cli:main``, the same ``main`` as ``python -m core``."""
    import importlib
    import re

    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    scripts = text[text.index("[project.scripts]"):].split("\n[", 1)[0]
    module, _, name = re.search(r'^colorization-studio = "([^"]+)"', scripts, re.M).group(1).partition(":")
    from core import cli as cli_module

    assert getattr(importlib.import_module(module), name) is cli_module.main


def test_the_installed_command_works_from_any_folder(tmp_path, photos):
    """A new user's first try (issue 30): from another folder, without PYTHONPATH, ``colorization-studio``
    (installed into .venv by scripts/run.sh and scripts/test.sh with ``pip install -e .``) colours a photo and
    writes the result beside it."""
    import os
    from pathlib import Path

    exe = Path(sys.executable).parent / ("colorization-studio.exe" if os.name == "nt" else "colorization-studio")
    if not exe.exists():
        why = f"{exe} is not installed: bash scripts/test.sh installs it (pip install -e .)"
        pytest.fail(why) if os.environ.get("CI") else pytest.skip(why)
    (tmp_path / "photos").mkdir()
    src = _save(tmp_path / "photos" / "mug.png", to_grey_rgb(photos["coffee"]))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in cli_env().items() if k != "PYTHONPATH"}
    r = subprocess.run([str(exe), "colorize", str(src), "--model", "grayscale"], cwd=elsewhere, env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "photos" / "mug_grayscale.png").is_file() and not list(elsewhere.iterdir())
    r = subprocess.run([str(exe), "--help"], cwd=elsewhere, env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "  colorize " in r.stdout
