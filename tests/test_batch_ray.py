"""``python -m core batch --engine ray``: the same results as ``--engine local``, on one small local Ray.

Skipped when Ray is not installed (``pip install -r requirements-scale.txt``; scripts/test.sh installs it).
"""

from __future__ import annotations

import csv
import json
import logging
import subprocess
import sys
import time

import numpy as np
import pytest
from conftest import ROOT, cli_env
from PIL import Image

from core import load_image
from core.cli.batch import main
from core.lab import to_grey_rgb

ray = pytest.importorskip("ray")
psutil = pytest.importorskip("psutil")
pytestmark = [pytest.mark.ray, pytest.mark.xdist_group("ray")]     # one local Ray at a time, in one worker


def tiny_archive(folder, n=4):
    folder.mkdir()
    for i in range(n):
        Image.fromarray(np.full((24, 32), 40 * i, np.uint8)).save(folder / f"p{i}.png")
    return folder


def still_running(procs: dict[int, float]) -> list[str]:
    """The processes of ``{pid: start time}`` that still run (a reused PID is another process)."""
    alive = []
    for pid, started in procs.items():
        try:
            p = psutil.Process(pid)
            if p.create_time() == started and p.status() != psutil.STATUS_ZOMBIE:
                alive.append(f"{pid} {' '.join(p.cmdline())[:80]}")
        except psutil.Error:
            pass
    return alive


# first in the module: it starts a Ray of its own in a subprocess, before the module's Ray (local_ray) is up
def test_a_killed_ray_batch_leaves_no_ray_process_and_the_rerun_finishes(tmp_path):
    src, dst = tiny_archive(tmp_path / "src"), tmp_path / "dst"
    env = {k: v for k, v in cli_env().items() if k != "RAY_ADDRESS"}
    run = subprocess.Popen([sys.executable, "-m", "core", "batch", str(src), str(dst), "--engine", "ray",
                            "--model", "grayscale", "--workers", "1"], cwd=ROOT, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seen: dict[int, float] = {}                 # every process the run started, directly or not
    try:
        deadline = time.monotonic() + 150
        while time.monotonic() < deadline and run.poll() is None:
            names = []
            for p in psutil.Process(run.pid).children(recursive=True):
                try:
                    seen[p.pid] = p.create_time()
                    names.append(" ".join(p.cmdline()))
                except psutil.Error:
                    continue
            if any("RuntimeEnvAgent" in n for n in names) and any("DashboardAgent" in n for n in names):
                break                           # the two that outlived the run before
            time.sleep(0.2)
        assert run.poll() is None, "the run ended (or Ray never came up) before it could be killed"
        time.sleep(1.0)                        # a moment for the watchdog to note them too
    finally:
        run.kill()
        run.wait()
    assert len(seen) >= 5
    deadline = time.monotonic() + 20
    while still_running(seen) and time.monotonic() < deadline:
        time.sleep(0.25)
    assert still_running(seen) == []
    assert not list(dst.glob(".ray-session-*.json"))          # the watchdog tidied up after itself
    assert main([str(src), str(dst), "--model", "grayscale", "--workers", "1"]) == 0     # and the rerun finishes
    rows = rows_of(dst)
    assert len(rows) == 4 and {r["status"] for r in rows.values()} == {"done"}


def test_the_next_run_kills_exactly_the_recorded_leftovers(tmp_path):
    """Should the watchdog be killed with its run, the next run on DST reaps what the record lists: each PID
    with its recorded start time and a Ray command line; a reused PID (another start time) is left alone."""
    src, dst = tiny_archive(tmp_path / "src", 1), tmp_path / "dst"
    dst.mkdir()
    agent = [sys.executable, "-c", "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
             "time.sleep(60)", "ray::FakeAgent"]                          # ignores SIGTERM, as Ray's agents do
    leftover, innocent = subprocess.Popen(agent), subprocess.Popen(agent)
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    try:
        started = {p.pid: psutil.Process(p.pid).create_time() for p in (leftover, innocent)}
        record = {"driver": gone.pid, "driver_started": 0, "temp_dir": str(tmp_path / "ray-batch-x"),
                  "processes": {str(leftover.pid): started[leftover.pid],
                                str(innocent.pid): started[innocent.pid] + 5}}
        (dst / f".ray-session-{gone.pid}.json").write_text(json.dumps(record))
        assert main([str(src), str(dst), "--model", "grayscale", "--workers", "1"]) == 0
        leftover.wait(timeout=10)              # killed (it sleeps 60 s; the reaper itself collects its exit status)
        assert innocent.poll() is None
        assert not list(dst.glob(".ray-session-*.json"))
    finally:
        leftover.kill()
        innocent.kill()
        leftover.wait()
        innocent.wait()


@pytest.fixture(scope="module")
def local_ray():
    """One local Ray with 2 CPUs for the tests below; ``batch --engine ray`` joins it instead of starting one."""
    ray.init(num_cpus=2, include_dashboard=False, object_store_memory=100 * 1024 * 1024,
             logging_level=logging.ERROR, log_to_driver=False)
    yield
    ray.shutdown()


@pytest.fixture
def archive(tmp_path, photos):
    src = tmp_path / "archive"
    for folder, name, rgb in (("1950", "photo.jpg", to_grey_rgb(photos["coffee"])),
                              ("1960", "photo.jpg", to_grey_rgb(photos["chelsea"]) * np.array([1.0, 0.88, 0.7])),
                              ("1960", "astronaut.png", photos["astronaut"]),
                              ("1970", "wide.png", to_grey_rgb(np.hstack([photos["coffee"], photos["chelsea"]])))):
        (src / folder).mkdir(parents=True, exist_ok=True)
        Image.fromarray(np.asarray(rgb, np.uint8)).save(src / folder / name)
    (src / "1970" / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 truncated")
    return src


def rows_of(dst):
    with open(dst / "manifest.csv", newline="") as fh:
        return {r["source"]: r for r in csv.DictReader(fh)}


@pytest.mark.usefixtures("local_ray")
def test_ray_results_have_the_same_pixels_as_local(archive, tmp_path, use_autoencoder, capsys):
    settings = ["--model", "autoencoder", "--render-factor", "4", "--workers", "2"]
    local, on_ray = tmp_path / "local", tmp_path / "ray"
    assert main([str(archive), str(local), *settings]) == 1                  # the broken file failed
    assert main([str(archive), str(on_ray), *settings, "--engine", "ray"]) == 1
    err = capsys.readouterr().err
    assert "on ray, 2 actors" in err and "Traceback" not in err
    a, b = rows_of(local), rows_of(on_ray)
    assert set(a) == set(b) == {"1950/photo.jpg", "1960/photo.jpg", "1960/astronaut.png", "1970/wide.png",
                                "1970/broken.jpg"}
    for key in a:
        assert [a[key][c] for c in ("output", "status", "kind", "message")] == \
               [b[key][c] for c in ("output", "status", "kind", "message")], key
    assert b["1960/astronaut.png"]["status"] == "skipped" and b["1970/broken.jpg"]["status"] == "failed"
    done = [r["output"] for r in a.values() if r["status"] == "done"]
    assert len(done) == 3
    for out in done:              # the same pictures; each file's Content Credentials are signed anew
        assert np.array_equal(load_image(local / out), load_image(on_ray / out)), out


@pytest.mark.usefixtures("local_ray")
def test_ray_resumes_what_local_started(archive, tmp_path, capsys):
    """One DST, either engine: a run on Ray continues a local one and does only what is left."""
    dst = tmp_path / "out"
    (archive / "1970" / "broken.jpg").unlink()
    keep = archive / "1960"
    moved = tmp_path / "later"
    keep.rename(moved)                                          # the first run sees only 1950 and 1970
    assert main([str(archive), str(dst), "--model", "grayscale", "--workers", "1"]) == 0
    moved.rename(keep)
    capsys.readouterr()
    assert main([str(archive), str(dst), "--model", "grayscale", "--engine", "ray", "--workers", "2"]) == 0
    err = capsys.readouterr().err
    assert "earlier runs: 2 done; 2 to do" in err, err
    rows = rows_of(dst)
    assert len(rows) == 4 and rows["1960/photo.jpg"]["kind"] == "toned"
    with open(dst / "manifest.csv") as fh:
        assert len(fh.read().splitlines()) == 5                 # header + one row per photo
