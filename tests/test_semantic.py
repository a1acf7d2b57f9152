"""python -m core evaluate --semantic: the ImageNet-classifier check, with a seeded random classifier."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from core.cli.semantic import semantic_check, synset_of


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
    from core.cli.semantic import classifier, to_input

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
