"""python -m core evaluate --semantic: the ImageNet-classifier check, with a seeded random classifier."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from core.training.semantic import semantic_check, synset_of


@pytest.fixture(scope="module")
def random_classifier(tmp_path_factory):
    import keras

    from core.training.effnet import efficientnet_lite0

    keras.utils.set_random_seed(3)
    path = tmp_path_factory.mktemp("clf") / "clf.weights.h5"
    efficientnet_lite0(include_top=True).save_weights(path)
    return path


def test_synset_from_file_name():
    assert synset_of("/x/imnet_n01440764_tench_b9b920.jpg") == "n01440764"


def test_semantic_check_counts_top1_per_version(tmp_path, photos, random_classifier):
    from core.training.semantic import classifier, to_input

    synsets = [f"n{i:08d}" for i in range(1000)]
    (tmp_path / "synsets.tsv").write_text("".join(f"{s}\tclass{i}\n" for i, s in enumerate(synsets)))
    predict = classifier(random_classifier)
    data = tmp_path / "data"
    data.mkdir()
    files = []
    for name in ("chelsea", "coffee", "astronaut"):
        rgb = photos[name]
        label = int(predict(to_input(rgb)[None])[0])         # name each photo by what the classifier sees in colour
        f = data / f"imnet_{synsets[label]}_{name}_000000.png"
        Image.fromarray(rgb).save(f)
        files.append(f)
    r = semantic_check(files, tmp_path / "synsets.tsv", random_classifier, ["grayscale"])
    assert r["n"] == 3
    assert r["colour"] == 100.0
    assert r["grayscale"] == r["grey"]                     # the grayscale model's output IS the grey photo
    gap = r["gap_closed_grayscale"]
    assert gap == 0.0 or np.isnan(gap)


def test_semantic_cli_says_what_is_missing(tmp_path):
    import subprocess
    import sys

    from conftest import ROOT, cli_env

    (tmp_path / "d").mkdir()
    r = subprocess.run([sys.executable, "-m", "core", "evaluate", "--data", str(tmp_path / "d"), "--semantic",
                        "--models", "grayscale", "--classifier", str(tmp_path / "none.h5")],
                       cwd=ROOT, env=cli_env(), capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "not found" in r.stderr and "Traceback" not in r.stderr


def _imnet_folder(folder, photos, random_classifier, synsets):
    """The scikit-image photos named as imnet_* photos of the class the classifier sees in colour."""
    from core.training.semantic import classifier, to_input

    predict = classifier(random_classifier)
    folder.mkdir(parents=True)
    for name in ("chelsea", "coffee", "astronaut"):
        rgb = photos[name]
        label = int(predict(to_input(rgb)[None])[0])
        Image.fromarray(rgb).save(folder / f"imnet_{synsets[label]}_{name}_000000.png")


def test_training_logs_the_semantic_figure_every_epoch(tmp_path, photos, random_classifier, effnet_weights):
    """python -m core train --semantic DIR: the held-out imnet_* photos are scored after every epoch, and
    photos that are also trained on are refused with a clear message."""
    import contextlib
    import csv
    import io

    from core.cli.train import main as train_main

    synsets = [f"n{i:08d}" for i in range(1000)]
    (tmp_path / "imagenet_synsets.tsv").write_text("".join(f"{s}\tclass{i}\n" for i, s in enumerate(synsets)))
    data = tmp_path / "data"
    _imnet_folder(data, photos, random_classifier, synsets)
    Image.fromarray(np.ascontiguousarray(photos["coffee"][:, ::-1])).save(data / "other.png")
    argv = ["--data", data, "--size", 32, "--epochs", 2, "--steps-per-epoch", 1, "--batch", 2, "--width", 8,
            "--render-factor", 4, "--descriptor-weights", effnet_weights, "--semantic", data,
            "--classifier", random_classifier, "--out", tmp_path / "m.keras"]

    def run(extra):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            rc = train_main([str(a) for a in [*argv, *extra]])
        return rc, out.getvalue(), err.getvalue()

    rc, out, err = run(["--classifier", tmp_path / "none.h5"])
    assert rc == 2 and "none.h5 not found (set --classifier)" in err
    assert "files" not in out                                # stopped before any photo was loaded
    rc, _, err = run([])
    assert rc == 2 and "also training photos" in err and "--exclude 'imnet_*'" in err
    rc, out, err = run(["--exclude", "imnet_*"])
    assert rc == 0, out + err
    assert "semantic check on 3 held-out imnet_* photos: top-1 colour 100.0 %" in out
    with open(str(tmp_path / "m.keras") + ".log.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 2
    for r in rows:
        gap = float(r["semantic_gap_closed"])
        assert np.isnan(gap) or -300 <= gap <= 100
