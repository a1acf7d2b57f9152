"""``python -m core batch``: mirrored outputs, the manifest, resuming after a kill, and the local engine.

The Ray engine's tests are in test_batch_ray.py (one small local Ray for that module).
"""

from __future__ import annotations

import csv
import hashlib
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from conftest import ROOT, cli_env
from hostile_corpus import CORPUS_CAP, write_corpus
from PIL import Image

from core import load_image
from core.batch import manifest, worker
from core.batch.plan import Settings
from core.batch.resume import RECOVERED
from core.cli.batch import main
from core.images import encode_png, load_master
from core.lab import to_grey_rgb
from core.outputs import to_bits


def save(path, rgb):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(rgb).save(path)
    return path


def sepia(rgb):
    return (to_grey_rgb(rgb).astype(np.float32) * np.array([1.0, 0.88, 0.7])).astype(np.uint8)


def make_tree(root, photos):
    """A grey and a toned photo with the same name in two folders, a colour photo, a broken file, a hidden
    macOS file and a text file; returns {relative path: expected kind}."""
    save(root / "1950" / "photo.jpg", to_grey_rgb(photos["coffee"]))
    save(root / "1960" / "photo.jpg", sepia(photos["chelsea"]))
    save(root / "1960" / "holiday.png", photos["astronaut"])
    (root / "1960" / "broken.png").write_bytes(b"not an image at all")
    (root / "1950" / "._photo.jpg").write_bytes(b"\x00\x05\x16\x07 AppleDouble")
    (root / "notes.txt").write_text("not a photo")
    return {"1950/photo.jpg": "grey", "1960/photo.jpg": "toned", "1960/holiday.png": "colour", "1960/broken.png": ""}


def result_name(key: str, model: str = "grayscale") -> str:
    """The result of the photo ``key`` in DST: its folder mirrored, named as ``colorize`` names it."""
    folder, _, name = key.rpartition("/")
    return f"{folder}/" * bool(folder) + f"{name.rsplit('.', 1)[0]}_{model}.png"


def rows_of(dst):
    with open(dst / "manifest.csv", newline="") as fh:
        return list(csv.DictReader(fh))


def tree_hash(folder):
    return {str(p.relative_to(folder)): hashlib.sha1(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_local_run_mirrors_paths_records_every_photo_and_never_touches_inputs(tmp_path, photos, monkeypatch, capsys):
    monkeypatch.setenv("COLORIZER_MAX_PIXELS", str(CORPUS_CAP))
    src, dst = tmp_path / "archive", tmp_path / "out"
    kinds = make_tree(src, photos)
    cases = write_corpus(src / "hostile")
    before = tree_hash(src)
    t0 = time.perf_counter()
    code = main([str(src), str(dst), "--model", "grayscale", "--workers", "2"])
    err = capsys.readouterr().err
    assert code == 1, err                                      # hostile files failed
    assert time.perf_counter() - t0 < 120
    assert tree_hash(src) == before                            # inputs untouched, nothing added
    rows = {r["source"]: r for r in rows_of(dst)}
    expected = set(kinds) | {f"hostile/{name}" for name in cases}
    assert set(rows) == expected and len(rows_of(dst)) == len(expected)       # one row per photo, no others
    for key, kind in kinds.items():
        assert rows[key]["kind"] == kind, key
    for key, row in rows.items():
        assert (row["model"], row["render_factor"], row["vibrance"]) == ("grayscale", "16", "1")
        case = cases.get(key.removeprefix("hostile/"))
        if key == "1960/broken.png" or (case is not None and not case.ok):
            assert row["status"] == "failed" and row["output"] == "" and row["message"], key
            assert case is None or case.message in row["message"].lower(), (key, row["message"])
        elif row["kind"] == "colour":
            assert row["status"] == "skipped" and "colour photo" in row["message"], key
            assert not (dst / result_name(key)).exists()
        else:
            assert row["status"] == "done" and row["output"] == result_name(key), key
            assert float(row["seconds"]) >= 0
            result, source = load_master(dst / row["output"]), load_master(src / key)
            assert result.bits == source.bits, key                # a 16-bit photo gives a 16-bit PNG
            out = result.rgb if result.rgb16 is None else to_bits(result.rgb16, 8)
            assert np.array_equal(out, to_grey_rgb(source.rgb)), key
    # two photo.jpg in two folders, two results; each PNG says where it came from
    facts = worker.read_provenance(dst / "1960" / "photo_grayscale.png")
    assert facts == {"source": "1960/photo.jpg", "model": "grayscale", "render_factor": 16, "vibrance": 1.0,
                     "kind": "toned"}
    assert not list(dst.rglob("*.part"))
    assert "Traceback" not in err
    summary = err.strip().splitlines()[-2]
    n_failed = sum(r["status"] == "failed" for r in rows.values())
    assert f"failed of {len(expected)} photos" in summary and f", {n_failed} failed" in summary
    assert "photos/s" in summary and "on local, 2 workers" in summary


def test_second_run_does_nothing_and_settings_are_one_per_dst(tmp_path, photos, capsys):
    src, dst = tmp_path / "archive", tmp_path / "out"
    make_tree(src, photos)
    args = [str(src), str(dst), "--model", "grayscale", "--workers", "1"]
    assert main(args) == 1
    first = rows_of(dst)
    capsys.readouterr()
    assert main(args) == 1                                     # the failure is still on record
    err = capsys.readouterr().err
    assert "earlier runs: 2 done, 1 skipped, 1 failed; 0 to do" in err and "nothing left to do" in err
    assert rows_of(dst) == first
    assert main([*args, "--render-factor", "8"]) == 2
    err = capsys.readouterr().err
    assert "made with model grayscale, render factor 16" in err and "choose another DST" in err
    # --include-colour does the skipped colour photo; --retry-failed tries the broken file again
    (src / "1960" / "broken.png").unlink()
    save(src / "1960" / "broken.png", to_grey_rgb(photos["chelsea"]))
    assert main([*args, "--include-colour", "--retry-failed"]) == 0
    rows = {r["source"]: r for r in rows_of(dst)}
    assert len(rows) == len(rows_of(dst)) == 4                 # still one row per photo
    assert {r["status"] for r in rows.values()} == {"done"}
    assert rows["1960/holiday.png"]["kind"] == "colour"


def test_resume_recovers_results_without_rows_and_cleans_up(tmp_path, photos, capsys):
    """The states a kill can leave: a torn last row, a result renamed into place without its row, a temporary
    file, a done row whose result is gone, a stale result of other settings."""
    src, dst = tmp_path / "archive", tmp_path / "out"
    for i in range(6):
        save(src / f"roll{i % 2}" / f"p{i}.png", to_grey_rgb(np.roll(photos["coffee"], 7 * i, axis=1)))
    args = [str(src), str(dst), "--model", "grayscale", "--workers", "1"]
    assert main(args) == 0
    complete = {r["source"]: r for r in rows_of(dst)}
    results = {k: (dst / r["output"]).read_bytes() for k, r in complete.items()}
    rows = rows_of(dst)
    keep = rows[:3]                               # rows 4-6 were never written: the run was killed
    manifest.rewrite(dst / "manifest.csv", keep)
    with open(dst / "manifest.csv", "a") as fh:
        fh.write(f"{rows[3]['source']},{rows[3]['output']},do")              # ... in the middle of a row
    gone, lost, stale = keep[0]["source"], rows[4]["source"], rows[5]["source"]
    (dst / complete[gone]["output"]).unlink()                                 # done row, result deleted
    (dst / complete[lost]["output"]).write_bytes(b"half")                     # no row, not a whole PNG
    other = Settings("grayscale", 8)                                          # a result of other settings
    (dst / complete[stale]["output"]).write_bytes(encode_png(photos["coffee"], text=worker.provenance(stale, other,
                                                                                                        "grey")))
    temp = dst / "roll0" / ".p0_grayscale.png.0123abcd.part"
    temp.write_bytes(b"partial")
    inode = {k: os.stat(dst / r["output"]).st_ino for k, r in complete.items() if (dst / r["output"]).exists()}
    capsys.readouterr()
    assert main(args) == 0
    err = capsys.readouterr().err
    assert "1 recovered from an interrupted run; 1 leftover temporary file removed; 3 to do" in err, err
    after = rows_of(dst)
    assert sorted(r["source"] for r in after) == sorted(complete)            # each photo exactly once
    assert {r["status"] for r in after} == {"done"}
    recovered = [r["source"] for r in after if r["message"] == RECOVERED]
    assert recovered == [rows[3]["source"]] and [r["seconds"] for r in after if r["message"]] == [""]
    for key in complete:          # the same pictures (a redone result's Content Credentials are signed anew)
        again = (dst / complete[key]["output"]).read_bytes()
        assert np.array_equal(load_image(again), load_image(results[key])), key
        assert worker.read_provenance(dst / complete[key]["output"])["source"] == key
    redone = {k for k in inode if os.stat(dst / complete[k]["output"]).st_ino != inode[k]}
    assert redone == {lost, stale}                                            # nothing else done twice
    assert not temp.exists() and not list(dst.rglob("*.part"))


@pytest.mark.slow
def test_kill_9_in_the_middle_then_restart(tmp_path):
    """A real kill -9 of the driver while its worker is busy; the restart finishes: every photo done once."""
    psutil = pytest.importorskip("psutil")
    src, dst = tmp_path / "archive", tmp_path / "out"
    rng = np.random.default_rng(0)
    base = np.asarray(Image.fromarray(rng.integers(0, 255, (60, 80), np.uint8)).resize((1200, 900)))
    for i in range(16):
        save(src / f"box{i % 3}" / f"scan{i:02d}.png", np.roll(base, i, axis=0))
    cmd = [sys.executable, "-m", "core", "batch", str(src), str(dst), "--model", "grayscale", "--workers", "1"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=cli_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None:
        if (dst / "manifest.csv").exists() and len(rows_of(dst)) >= 3:
            break
        time.sleep(0.02)
    children = psutil.Process(proc.pid).children(recursive=True)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    psutil.wait_procs(children, timeout=30)            # its worker notices and stops within a second
    written = len(rows_of(dst))
    assert 3 <= written < 16, "the run was not killed in the middle"
    done_before = {p: p.stat().st_ino for p in dst.rglob("*.png")}
    r = subprocess.run(cmd, cwd=ROOT, env=cli_env(), capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    rows = rows_of(dst)
    assert sorted(row["source"] for row in rows) == sorted(str(p.relative_to(src)) for p in src.rglob("*.png"))
    assert {row["status"] for row in rows} == {"done"}
    assert all(p.stat().st_ino == ino for p, ino in done_before.items())     # no result made twice
    assert not list(dst.rglob("*.part"))
    for row in rows:
        assert np.array_equal(load_image(dst / row["output"]), to_grey_rgb(load_image(src / row["source"])))


def test_list_file_sources(tmp_path, photos, capsys):
    archive, dst = tmp_path / "archive", tmp_path / "out"
    save(archive / "a" / "x.png", to_grey_rgb(photos["coffee"]))
    save(archive / "b" / "x.png", sepia(photos["chelsea"]))
    elsewhere = save(tmp_path / "elsewhere" / "y.jpg", to_grey_rgb(photos["chelsea"]))
    listing = archive / "list.txt"
    listing.write_text(f"# scans of 1950\na/x.png\n\nb/x.png\n./a/x.png\n{elsewhere}\nmissing.tif\n")
    assert main([str(listing), str(dst), "--model", "grayscale"]) == 1
    rows = {r["source"]: r for r in rows_of(dst)}
    assert set(rows) == {"a/x.png", "b/x.png", str(elsewhere), "missing.tif"}
    assert rows["a/x.png"]["output"] == "a/x_grayscale.png" and rows["b/x.png"]["output"] == "b/x_grayscale.png"
    assert rows[str(elsewhere)]["output"] == str(elsewhere.with_name("y_grayscale.png")).lstrip("/")
    assert (dst / rows[str(elsewhere)]["output"]).is_file()
    assert rows["missing.tif"]["status"] == "failed" and "not found" in rows["missing.tif"]["message"].lower()
    capsys.readouterr()


def test_refusals_are_friendly(tmp_path, photos, capsys, monkeypatch):
    src = tmp_path / "archive"
    make_tree(src, photos)
    cases = [([str(tmp_path / "nope"), str(tmp_path / "o")], "no such file or folder"),
             ([str(src), str(src)], "must not be SRC or a folder around it"),
             ([str(src / "1950"), str(src)], "must not be SRC or a folder around it"),
             ([str(src / "1950" / "photo.jpg"), str(tmp_path / "o")], "python -m core colorize"),
             ([str(src), str(tmp_path / "o"), "--model", "deoldify"], "unknown model 'deoldify'"),
             ([str(src), str(tmp_path / "o"), "--vibrance", "3"], "--vibrance must be from 0 to 2"),
             ([str(src), str(tmp_path / "o"), "--address", "auto"], "use it with --engine ray")]
    for args, words in cases:
        assert main(args) == 2, args
        err = capsys.readouterr().err
        assert words in err and "Traceback" not in err, (args, err)
    monkeypatch.setitem(sys.modules, "ray", None)                    # Ray not installed
    assert main([str(src), str(tmp_path / "r"), "--engine", "ray", "--model", "grayscale"]) == 2
    err = capsys.readouterr().err
    assert "pip install -r requirements-scale.txt" in err and "Traceback" not in err
    assert not (tmp_path / "r").exists()


def test_an_unreachable_ray_cluster_is_said_plainly(tmp_path, photos, capsys):
    import socket

    pytest.importorskip("ray")
    src = tmp_path / "archive"
    make_tree(src, photos)
    with socket.socket() as s:                                  # a port where nothing listens
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    args = [str(src), str(tmp_path / "out"), "--engine", "ray", "--address", f"127.0.0.1:{port}"]
    assert main([*args, "--model", "grayscale"]) == 2
    err = capsys.readouterr().err
    assert f"cannot reach the Ray cluster at 127.0.0.1:{port}" in err and "Traceback" not in err
    assert "to do" not in err                                   # said before any work is announced


def test_dst_inside_src_is_left_out_and_a_dst_write_error_stops_the_run(tmp_path, photos, capsys):
    src = tmp_path / "archive"
    make_tree(src, photos)
    dst = src / "colorized"
    dst.mkdir()
    (dst / "1950").write_text("a file where a folder must go")           # the results cannot be written
    assert main([str(src), str(dst), "--model", "grayscale", "--workers", "1"]) == 1
    err = capsys.readouterr().err
    assert "stopped: cannot write" in err and "run the same command again" in err
    assert "1950/photo.jpg" not in {r["source"] for r in rows_of(dst)}
    (dst / "1950").unlink()
    assert main([str(src), str(dst), "--model", "grayscale", "--workers", "1"]) == 1
    rows = rows_of(dst)
    assert sorted(r["source"] for r in rows) == ["1950/photo.jpg", "1960/broken.png", "1960/holiday.png",
                                                 "1960/photo.jpg"]
    capsys.readouterr()


def test_a_second_run_into_the_same_dst_is_refused(tmp_path, photos, capsys):
    fcntl = pytest.importorskip("fcntl")
    src, dst = tmp_path / "archive", tmp_path / "out"
    make_tree(src, photos)
    dst.mkdir()
    with open(dst / ".batch.lock", "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        assert main([str(src), str(dst), "--model", "grayscale"]) == 2
    assert "another batch run is writing into" in capsys.readouterr().err
    (dst / ".batch.lock").unlink()
    assert main([str(src), str(dst), "--model", "grayscale"]) == 1       # ran (make_tree has a broken file)
    assert "some photos failed" in capsys.readouterr().err
    assert not (dst / ".batch.lock").exists()           # a finished DST keeps no empty lock file (issue 30)


def test_the_lock_is_not_taken_on_a_file_a_finishing_run_removed(tmp_path):
    """A run that opened DST/.batch.lock just before the holder finished (and removed it) must not run on the
    removed file while a third run locks a new one: it takes the lock on the file that is there."""
    pytest.importorskip("fcntl")
    from core.batch import runner

    dst = tmp_path / "out"
    dst.mkdir()
    real_open, opened = open, []

    def open_then_lose_the_race(path, *a, **k):
        fh = real_open(path, *a, **k)
        if not opened:                                   # the first file opened is removed at once
            os.unlink(path)
        opened.append(path)
        return fh

    import builtins

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(builtins, "open", open_then_lose_the_race)
        with runner.dst_lock(dst):
            assert (dst / ".batch.lock").is_file() and len(opened) == 2
    assert not (dst / ".batch.lock").exists()


def test_the_batch_path_never_imports_ray():
    code = ("import sys; from core.cli import batch; from core.batch import local, resume, runner, summary, worker; "
            "import core.cli; assert 'ray' not in sys.modules, 'ray imported'")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=cli_env(), capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr


def test_help_and_the_command_list(cli):
    for args, words in ((["batch", "--help"], "DST/manifest.csv has one row per photo"), (["--help"], "  batch ")):
        r = cli(args)
        assert r.returncode == 0 and words in r.stdout, r.stderr


@pytest.mark.slow
def test_a_result_does_not_depend_on_what_the_worker_colorized_before(autoencoder_path, photos, downscale):
    """Workers see photos in any order: the autoencoder gives a photo the same bytes either way."""
    from skimage import data

    from core.colorizers.autoencoder import AutoencoderColorizer

    fresh, used = AutoencoderColorizer(autoencoder_path), AutoencoderColorizer(autoencoder_path)
    for rgb in (photos["astronaut"], np.hstack([photos["coffee"]] * 3)):
        used.colorize(rgb, 12)                                   # other render sizes first
    target = downscale(data.coffee(), 480)
    assert np.array_equal(fresh.colorize(target, 12), used.colorize(target, 12))


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs os.mkfifo")
def test_fifos_and_devices_fail_and_the_run_goes_on(tmp_path, photos):
    """A FIFO named like a photo, a link to /dev/zero, and a FIFO as the list file: refused at once (issue 24);
    run in a subprocess with a timeout so that a regression fails instead of hanging."""
    src, dst = tmp_path / "archive", tmp_path / "out"
    save(src / "ok.png", to_grey_rgb(photos["coffee"]))
    os.mkfifo(src / "pipe.jpg")
    if os.path.exists("/dev/zero"):
        (src / "zero.jpg").symlink_to("/dev/zero")
    cmd = [sys.executable, "-m", "core", "batch", str(src), str(dst), "--model", "grayscale", "--workers", "1"]
    r = subprocess.run(cmd, cwd=ROOT, env=cli_env(), capture_output=True, text=True, timeout=120)
    assert r.returncode == 1, r.stderr
    rows = {row["source"]: row for row in rows_of(dst)}
    assert rows["ok.png"]["status"] == "done"
    for name in ("pipe.jpg", "zero.jpg") if os.path.exists("/dev/zero") else ("pipe.jpg",):
        assert rows[name]["status"] == "failed" and "not a regular file" in rows[name]["message"], rows[name]
    listing = tmp_path / "list.txt"
    os.mkfifo(listing)
    r = subprocess.run([*cmd[:4], str(listing), str(tmp_path / "out2"), *cmd[6:]], cwd=ROOT, env=cli_env(),
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "not a regular file" in r.stderr and "Traceback" not in r.stderr, r.stderr


def test_names_with_a_newline_are_kept_exactly_in_the_manifest(tmp_path, photos, capsys):
    """A name with a newline (or CR) is quoted by the csv module and read back exactly; a rerun finds it done
    instead of "recovering" it again (issue 24, defect 3)."""
    src, dst = tmp_path / "archive", tmp_path / "out"
    names = ["two\nlines.png", "cr\rname.png", 'quote" and, comma.png']
    for name in names:
        save(src / name, to_grey_rgb(photos["coffee"]))
    args = [str(src), str(dst), "--model", "grayscale", "--workers", "1"]
    assert main(args) == 0
    rows = rows_of(dst)
    assert sorted(r["source"] for r in rows) == sorted(names)
    assert all(r["status"] == "done" and (dst / r["output"]).is_file() for r in rows)
    capsys.readouterr()
    assert main(args) == 0
    err = capsys.readouterr().err
    assert "earlier runs: 3 done; 0 to do" in err and "recovered" not in err, err
    assert rows_of(dst) == rows


def test_repair_cuts_a_torn_row_even_inside_a_quoted_newline(tmp_path):
    path = tmp_path / "manifest.csv"
    good = {"source": "a\nb.png", "output": "a\nb.png.png", "status": "done", "message": "x"}
    with manifest.Writer(path) as out:
        out.write(good)
    whole = path.read_bytes()
    path.write_bytes(whole + b'"c\nd.png","c\nd')               # a kill in the middle of the next row
    assert manifest.repair(path)
    assert path.read_bytes() == whole
    assert [r["source"] for r in manifest.read(path)] == ["a\nb.png"]


def test_batch_escapes_control_characters_in_names(tmp_path, photos, capsys):
    """Names printed by a batch run (failures, SRC, DST) have their control characters escaped (issue 24)."""
    src, dst = tmp_path / "arch\x1b]0;title\x07ive", tmp_path / "out\x1b[2J"
    save(src / "ok\x1b[31m.png", to_grey_rgb(photos["coffee"]))
    (src / "bad\x1b[2J\rspoof.png").write_bytes(b"not an image")
    (src / "nl\nbad.png").write_bytes(b"not an image")
    assert main([str(src), str(dst), "--model", "grayscale", "--workers", "1"]) == 1
    out = capsys.readouterr()
    text = out.out + out.err
    bad = [c for c in text if (ord(c) < 32 and c not in "\n\r") or 0x7f <= ord(c) < 0xa0]   # \r: the progress bar
    assert not bad, (bad, text)
    assert "\rspoof" not in text and "failed: bad\\x1b[2J\\rspoof.png" in text and "failed: nl\\nbad.png" in text
    assert "arch\\x1b]0;title\\x07ive" in text and "out\\x1b[2J" in text
