"""``python -m core batch --engine ray``: the same results as ``--engine local``, on one small local Ray.

Skipped when Ray is not installed (``pip install -r requirements-scale.txt``; scripts/test.sh installs it).
"""

from __future__ import annotations

import csv
import logging

import numpy as np
import pytest
from PIL import Image

from core.cli.batch import main
from core.lab import to_grey_rgb

ray = pytest.importorskip("ray")


@pytest.fixture(scope="module", autouse=True)
def local_ray():
    """One local Ray with 2 CPUs for this module; ``batch --engine ray`` joins it instead of starting one."""
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


def test_ray_results_are_byte_identical_to_local(archive, tmp_path, use_autoencoder, capsys):
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
    for out in done:
        assert (local / out).read_bytes() == (on_ray / out).read_bytes(), out


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
