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


@pytest.mark.xdist_group("semantic")          # one worker makes the random classifier
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
                        "--models", "grayscale", "--judge", "lite0", "--classifier", str(tmp_path / "none.h5")],
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


@pytest.mark.training
@pytest.mark.xdist_group("semantic")
def test_training_logs_the_semantic_figure_every_epoch(tmp_path, photos, random_classifier, effnet_weights,
                                                       eager):
    """python -m core train --semantic DIR: the held-out imnet_* photos are scored after every epoch, and
    photos that are also trained on are refused with a clear message. (Eager: the figure is what is checked;
    tests/test_train.py trains the same network as a traced graph.)"""
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
            "--judge", "lite0", "--classifier", random_classifier, "--out", tmp_path / "m.keras"]

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
    assert "semantic check (lite0) on 3 held-out imnet_* photos: top-1 colour 100.0 %" in out
    with open(str(tmp_path / "m.keras") + ".log.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 2
    for r in rows:
        gap = float(r["semantic_gap_closed"])
        assert np.isnan(gap) or -300 <= gap <= 100


def test_lite1_is_lite0_deeper_and_lite0_is_unchanged():
    """Lite1 (the default judge) is Lite0 with the inner stages ceil(1.1 x) as deep, as in
    efficientnet_lite_pytorch: 21 blocks, input 240; Lite0 keeps its 16 blocks, names and size."""
    from core.training import effnet

    assert [r for r, *_ in effnet.stages("lite0")] == [1, 2, 2, 3, 3, 4, 1]
    assert [r for r, *_ in effnet.stages("lite1")] == [1, 3, 3, 4, 4, 5, 1]
    assert (effnet.input_size("lite0"), effnet.input_size("lite1")) == (224, 240)
    lite0 = effnet.efficientnet_lite0(include_top=True)
    lite1 = effnet.efficientnet_lite("lite1", include_top=True)
    assert lite0.name == "efficientnet_lite0" and lite0.count_params() == 4_694_024
    assert lite1.count_params() == 5_470_344
    blocks = {n.split(".")[1] for n in (layer.name for layer in lite1.layers) if n.startswith("_blocks.")}
    assert len(blocks) == 21
    with pytest.raises(ValueError, match="lite0, lite1"):
        effnet.stages("lite2")


def test_the_judges_option(tmp_path, monkeypatch):
    import argparse

    from core.cli import semantic as options
    from core.training.semantic import check_inputs

    ap = argparse.ArgumentParser()
    options.add_arguments(ap, "--data")
    assert options.judges(ap.parse_args([])) == ["lite1"]
    assert options.judges(ap.parse_args(["--judge", "lite1,lite0"])) == ["lite1", "lite0"]
    for bad in (["--judge", "lite2"], ["--judge", "lite0,lite1", "--classifier", "x.h5"]):
        with pytest.raises(ValueError):
            options.judges(ap.parse_args(bad))
    from core import weights

    (tmp_path / "imagenet_synsets.tsv").write_text("n0\tx\n")
    lite0 = tmp_path / "efficientnet_lite0_classifier.weights.h5"
    monkeypatch.setattr(weights, "effnet_classifier_path", lambda: lite0)
    with pytest.raises(ValueError, match="efficientnet_lite1_classifier.weights.h5 not found .*--variant lite1"):
        check_inputs(tmp_path / "data", judge="lite1")


def test_several_judges_score_one_set_of_colorizations():
    from core.cli.semantic import columns, scores

    class Check:
        def __init__(self, top1):
            self.greys, self.top1 = [np.zeros((2, 2, 3), np.uint8)] * 3, top1

        def top1_of(self, colorized):
            assert len(colorized) == 3
            return self.top1

        def gap_closed(self, top1):
            return top1 - 50.0

    calls = []
    checks = {"lite1": Check(60.0), "lite0": Check(40.0)}
    r = scores(checks, lambda g: calls.append(1) or g)
    assert len(calls) == 3                                    # colorized once for both judges
    assert r == {"semantic_gap_closed": 10.0, "semantic_gap_closed_lite1": 10.0, "semantic_gap_closed_lite0": -10.0}
    assert columns(checks) == ["semantic_gap_closed", "semantic_gap_closed_lite1", "semantic_gap_closed_lite0"]
    assert columns({"lite1": checks["lite1"]}) == ["semantic_gap_closed"]
