"""Every path that writes results signs them from the same code (issue 32): ``colorize`` (default key, a custom
certificate, --no-credentials, a failure in the middle), a batch worker, ``video`` (MP4), ``falsecolour``; each
file read back with c2pa.Reader. The app: tests/test_app_credentials.py."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest
from test_credentials import _institution, assertion, c2pa_read, picture

from core import credentials, outputs
from core.credentials import keys, manifest

HINTS_FILE = {"format": "colorization-studio-hints", "version": 1, "width": 64, "height": 48,
              "hints": [{"x": 10, "y": 12, "color": "#a01010", "radius": 3, "source": "Letter of 3 May 1921"},
                        {"x": 40, "y": 30, "color": "#1060a0", "radius": 3}]}


@pytest.fixture(autouse=True)
def config(tmp_path, monkeypatch):
    monkeypatch.setenv("COLORIZER_CONFIG", str(tmp_path / "config"))
    for name in (keys.ENV_CERT, keys.ENV_KEY, keys.ENV_SWITCH):
        monkeypatch.delenv(name, raising=False)
    return tmp_path / "config"


@pytest.fixture
def scan(tmp_path):
    path = tmp_path / "in" / "scan.png"
    path.parent.mkdir()
    path.write_bytes(outputs.encode(np.repeat(picture()[..., :1], 3, axis=2), "png"))     # a grey photo
    return path


def test_colorize_signs_every_format_with_the_source_and_the_hints(scan, tmp_path, cli):
    hints = tmp_path / "hints.json"
    hints.write_text(json.dumps(HINTS_FILE))
    for fmt, mime in (("png", "image/png"), ("tiff", "image/tiff"), ("jpeg", "image/jpeg")):
        out = tmp_path / fmt
        r = cli(["colorize", scan, "--model", "grayscale", "--out", out, "--format", fmt, "--hints", hints,
                 "--vibrance", "1.2"])
        assert r.returncode == 0, r.stderr
        [result] = out.iterdir()
        active, state, _ = c2pa_read(result.read_bytes(), mime)
        assert state == "Valid"
        steps = [a.get("parameters", {}).get(manifest.STEP) for a in assertion(active, "c2pa.actions.v2")["actions"]]
        assert steps == [None, "colour", "vibrance", "hints"]
        assert active["ingredients"][0]["metadata"]["org.colorization-studio.sha256"] == \
            hashlib.sha256(scan.read_bytes()).hexdigest()
        decisions = assertion(active, manifest.DECISIONS)["hints"]
        assert [(d["decision"], d.get("source")) for d in decisions] == \
            [("documented", "Letter of 3 May 1921"), ("chosen by a person", None)]


def test_colorize_with_no_credentials_writes_none(scan, tmp_path, cli, config):
    r = cli(["colorize", scan, "--model", "grayscale", "--out", tmp_path / "out", "--no-credentials"])
    assert r.returncode == 0, r.stderr
    [result] = (tmp_path / "out").iterdir()
    assert credentials.read(result)["credentials"] is False
    assert not config.exists()                                                # no key was made either
    r = cli(["colorize", scan, "--model", "grayscale", "--out", tmp_path / "env"], STUDIO_CREDENTIALS="off")
    assert credentials.read(next((tmp_path / "env").iterdir()))["credentials"] is False


def test_colorize_with_a_custom_certificate(scan, tmp_path, cli):
    chain, key, subject = _institution(tmp_path)
    r = cli(["colorize", scan, "--model", "grayscale", "--out", tmp_path / "out", "--sign-cert", chain,
             "--sign-key", key])
    assert r.returncode == 0, r.stderr
    report = credentials.read(next((tmp_path / "out").iterdir()))
    assert report["valid"] and report["signer"]["common_name"] == subject and not report["signer"]["this_computer"]
    r = cli(["colorize", scan, "--model", "grayscale", "--out", tmp_path / "bad", "--sign-cert", key,
             "--sign-key", key])
    assert r.returncode == 2 and "Content Credentials: the certificate" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "bad").exists() or not list((tmp_path / "bad").iterdir())


def test_a_signing_failure_in_the_middle_keeps_the_result_and_says_so(scan, tmp_path, cli, monkeypatch):
    from core.credentials import embed as sign_module

    real = sign_module.sign
    monkeypatch.setattr(sign_module, "sign", lambda data, fmt, facts, *a, **k: real(data, fmt, facts, *a, **k)
                        if not facts else (_ for _ in ()).throw(credentials.CredentialsError("the disk fell off")))
    r = cli(["colorize", scan, "--model", "grayscale", "--out", tmp_path / "out"])
    assert r.returncode == 0 and "written without Content Credentials: the disk fell off" in r.stderr, r.stderr
    [result] = (tmp_path / "out").iterdir()
    assert credentials.read(result)["credentials"] is False and result.stat().st_size > 1000


def test_a_batch_worker_signs_with_the_settings_credentials(scan, tmp_path):
    from core.batch.plan import Job, Settings
    from core.batch.worker import colorize_file

    for signed in (True, False):
        dst = tmp_path / f"dst{signed}"
        row = colorize_file(Job(str(scan), "1950/scan.png", "1950/scan.png.jpg"), str(dst),
                            Settings("grayscale", 8, format="jpeg", credentials=signed))
        assert row["status"] == "done" and row["message"] == "", row
        data = (dst / "1950" / "scan.png.jpg").read_bytes()
        if not signed:
            assert credentials.read(data)["credentials"] is False
            continue
        active, state, _ = c2pa_read(data, "image/jpeg")
        assert state == "Valid" and active["ingredients"][0]["title"] == "1950/scan.png"
    broken = tmp_path / "broken.pem"
    broken.write_text("x")
    row = colorize_file(Job(str(scan), "scan.png", "scan.png.png"), str(tmp_path / "d3"),
                        Settings("grayscale", 8, sign_cert=str(broken), sign_key=str(broken)))
    assert row["status"] == "done" and row["message"].startswith("written without Content Credentials")
    assert (tmp_path / "d3" / "scan.png.png").is_file()


def test_video_clips_are_signed_and_their_source_is_the_parent(tmp_path, cli):
    from video_util import make_clip

    clip = make_clip(tmp_path / "in.mp4", frames=6, width=32, height=24, fps=6)
    out = tmp_path / "out.mp4"
    r = cli(["video", clip, "--out", out, "--model", "grayscale", "--smoothing", "none"])
    assert r.returncode == 0, r.stderr
    active, state, _ = c2pa_read(out.read_bytes(), "video/mp4")
    actions = assertion(active, "c2pa.actions.v2")["actions"]
    assert state == "Valid" and [a["action"] for a in actions] == ["c2pa.opened", "c2pa.edited"]
    assert actions[1]["parameters"]["smoothing"] == "none" and "clip" in actions[1]["description"]
    assert active["ingredients"][0]["metadata"]["org.colorization-studio.sha256"] == \
        hashlib.sha256(clip.read_bytes()).hexdigest()
    import av

    with av.open(str(out)) as c:
        assert sum(1 for _ in c.decode(video=0)) == 6                     # it still plays
    r = cli(["video", clip, "--out", tmp_path / "plain.mp4", "--model", "grayscale", "--no-credentials"])
    assert r.returncode == 0 and credentials.read(tmp_path / "plain.mp4")["credentials"] is False


def test_falsecolour_command_signs_measured_colours(tmp_path, cli):
    import tifffile

    src = tmp_path / "cells.tif"
    tifffile.imwrite(src, (np.random.default_rng(2).random((2, 24, 32)) * 4000).astype(np.uint16))
    out = tmp_path / "cells.png"
    r = cli(["falsecolour", src, "--colours", "green,magenta", "--out", out])
    assert r.returncode == 0, r.stderr
    report = credentials.read(out)
    assert report["valid"] and report["source_types"] == ["dataDrivenMedia"]
    assert report["ingredients"][0]["title"] == "cells.tif" and report["decisions"]["rest"] == "measured"
