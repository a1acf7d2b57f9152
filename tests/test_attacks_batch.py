"""The attack pass of issue 34 on names and destinations: a batch whose photos have names a manifest or a file
system cannot take, and destinations that cannot be written (read-only, full). One photo's problem fails that
photo with a reason and the run goes on; a destination's problem stops the run with the reason, never a
traceback (docs/archive.md)."""

from __future__ import annotations

import contextlib
import csv
import errno
import os
import subprocess

import numpy as np
import pytest
from PIL import Image

from core.batch import manifest
from core.cli.batch import main as batch_main
from core.cli.colorize import main as colorize_main

BAD_NAME = b"bad\xff\xfeutf8.png"               # not UTF-8: os.walk gives it with surrogate escapes


def grey_png(path) -> None:
    Image.fromarray(np.tile(np.arange(0, 256, 4, dtype=np.uint8), (48, 1))).save(path, format="PNG")


def rows_of(dst) -> dict[str, dict]:
    with open(dst / manifest.NAME, newline="", encoding="utf-8") as fh:
        return {r["source"]: r for r in csv.DictReader(fh)}


def batch(src, dst, capsys) -> tuple[int, str]:
    code = batch_main([str(src), str(dst), "--model", "grayscale", "--workers", "1"])
    return code, capsys.readouterr().err


@contextlib.contextmanager
def unwritable(folder):
    """``folder`` made unwritable: read-only permissions, or (for root, whom permissions do not stop) the
    immutable attribute; skipped where neither holds."""
    if os.geteuid() != 0:
        os.chmod(folder, 0o555)
        try:
            yield
        finally:
            os.chmod(folder, 0o755)
        return
    if subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode != 0:
        pytest.skip("cannot make a folder unwritable for root here (chattr +i)")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(folder)], check=True)


def test_a_photo_whose_name_is_not_utf8_fails_with_a_reason_and_the_run_goes_on(tmp_path, capsys):
    src, dst = tmp_path / "src", tmp_path / "dst"
    src.mkdir()
    grey_png(src / "good.png")
    grey_png(os.path.join(os.fsencode(src), BAD_NAME))
    for run in range(2):                          # the rerun found the same name and crashed again
        code, err = batch(src, dst, capsys)
        assert code == 1 and "Traceback" not in err, err
        rows = rows_of(dst)                        # the manifest stays UTF-8
        assert rows["good.png"]["status"] == "done", run
        (bad,) = [r for k, r in rows.items() if k != "good.png"]
        assert bad["source"] == "bad\\xff\\xfeutf8.png" and bad["status"] == "failed", bad
        assert "UTF-8" in bad["message"] and "rename" in bad["message"], bad
        assert len(rows_of(dst)) == 2
    assert "1 done, 0 skipped, 1 failed of 2 photos" in err


def test_a_photo_whose_result_name_is_too_long_fails_with_a_reason_and_the_run_goes_on(tmp_path, capsys):
    src, dst = tmp_path / "src", tmp_path / "dst"
    src.mkdir()
    long_name = "l" * 246 + ".png"                 # fits (250 bytes); its result's temporary name does not (269)
    grey_png(src / long_name)
    grey_png(src / "short.png")
    code, err = batch(src, dst, capsys)
    assert code == 1 and "Traceback" not in err and "stopped" not in err, err
    rows = rows_of(dst)
    assert rows["short.png"]["status"] == "done"
    assert rows[long_name]["status"] == "failed" and "too long" in rows[long_name]["message"], rows[long_name]
    assert "1 done, 0 skipped, 1 failed of 2 photos" in err and "nothing left to do" not in err, err


def test_a_read_only_destination_stops_the_batch_with_the_reason(tmp_path, capsys):
    src, dst = tmp_path / "src", tmp_path / "dst"
    src.mkdir()
    dst.mkdir()
    grey_png(src / "a.png")
    with unwritable(dst):
        code, err = batch(src, dst, capsys)
    assert code == 2 and "Traceback" not in err, err
    assert err.startswith("error: cannot write into") and str(dst) in err, err


def test_a_full_disk_when_the_manifest_is_made_stops_the_batch_with_the_reason(tmp_path, capsys, monkeypatch):
    """The disk fills up as the manifest's header is written (OSError 28 on the flush, as a full disk does)."""
    src, dst = tmp_path / "src", tmp_path / "dst"
    src.mkdir()
    grey_png(src / "a.png")
    real_open = open

    class Full:
        def __init__(self, fh):
            self.fh = fh

        def write(self, text):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        def __getattr__(self, name):
            return getattr(self.fh, name)

    def full_open(path, mode="r", *args, **kw):
        fh = real_open(path, mode, *args, **kw)
        return Full(fh) if "a" in mode and str(path).endswith(manifest.NAME) else fh

    monkeypatch.setattr(manifest, "open", full_open, raising=False)
    code, err = batch(src, dst, capsys)
    assert code == 2 and "Traceback" not in err, err
    assert "error: cannot write" in err and "No space left on device" in err, err
    assert not (dst / manifest.NAME).exists()                 # no 0-byte manifest left behind


def test_colorize_into_a_read_only_folder_says_so(tmp_path, capsys):
    grey_png(tmp_path / "a.png")
    grey_png(tmp_path / "b.png")
    out = tmp_path / "out"
    out.mkdir()
    with unwritable(out):
        code = colorize_main([str(tmp_path / "a.png"), str(tmp_path / "b.png"), "--model", "grayscale",
                              "--out", str(out)])
        err = capsys.readouterr().err
        assert code == 1 and "Traceback" not in err, err
        assert f"error: cannot write into {out}: " in err, err
        assert "b_grayscale" not in err                       # it stopped: the next photo would fail the same way
        code = colorize_main([str(tmp_path / "a.png"), "--model", "grayscale", "--out", str(out / "new")])
        err = capsys.readouterr().err
        assert code == 2 and err.startswith(f"error: cannot create {out / 'new'}"), err


def test_a_full_disk_in_the_middle_stops_the_batch_and_the_next_run_recovers(tmp_path, capsys, monkeypatch):
    from core.batch.resume import RECOVERED

    src, dst = tmp_path / "src", tmp_path / "dst"
    src.mkdir()
    grey_png(src / "a.png")

    def full(self, row):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with monkeypatch.context() as m:
        m.setattr(manifest.Writer, "write", full)
        code, err = batch(src, dst, capsys)
    assert code == 1 and "Traceback" not in err, err
    assert f"stopped: cannot write {dst / manifest.NAME}: No space left on device" in err, err
    code, err = batch(src, dst, capsys)                       # space again: the result is there, its row added
    assert code == 0, err
    assert rows_of(dst)["a.png"]["message"] == RECOVERED
