"""The classifier-consistency loss (core.training.consistency), with a tiny random classifier and tiny photos:
no real weights, no ../shared. The run with the loss trains as real runs do (a traced graph); its resume, the
checks of the trainer's parts and of w = 0 run eagerly (conftest.keras_eagerly)."""

from __future__ import annotations

import contextlib
import csv
import io

import numpy as np
import pytest
from conftest import keras_eagerly
from PIL import Image

from core import lab

SIZE = 32          # the tiny classifier's input, and the crops


def _tiny_classifier(seed=0, classes=10):
    import keras
    from keras import layers

    keras.utils.set_random_seed(seed)
    x_in = keras.Input((SIZE, SIZE, 3))
    x = layers.Conv2D(8, 3, strides=2, activation="relu")(x_in)
    x = layers.BatchNormalization()(x)
    x = layers.GlobalAveragePooling2D()(x)
    return keras.Model(x_in, layers.Dense(classes)(x), name="tiny_classifier")


def _colour(rng, h, w):
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    base = rng.uniform(40, 215, 3)
    img = np.stack([base[0] + 70 * np.sin(xx / rng.uniform(3, 9)), base[1] + 70 * np.cos(yy / rng.uniform(3, 9)),
                    base[2] + 50 * np.sin((xx + yy) / rng.uniform(4, 12))], axis=-1)
    return np.clip(img, 0, 255).astype(np.uint8)


@pytest.fixture(scope="module")
def crops():
    rng = np.random.default_rng(1)
    return [_colour(rng, SIZE, SIZE) for _ in range(4)]


def test_the_graph_lab_to_srgb_is_the_lab_contract():
    from keras import ops

    from core.training.network import lab_to_srgb_ops

    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, (1, 4096, 3), dtype=np.uint8)
    labs = lab.rgb_to_lab(rgb)
    wild = np.stack([rng.uniform(0, 100, 512), rng.uniform(-110, 110, 512), rng.uniform(-110, 110, 512)], -1)
    for x in (labs[0], wild.astype(np.float32), np.stack([np.linspace(0, 100, 101), 0 * np.ones(101),
                                                          0 * np.ones(101)], -1).astype(np.float32)):
        got = np.asarray(ops.convert_to_numpy(lab_to_srgb_ops(ops.convert_to_tensor(x)))) * 255.0
        want = lab.lab_to_rgb(x[None])[0].astype(np.float64)
        assert np.abs(got - want).max() <= 0.51                 # the same colour before the rounding
    assert np.array_equal(lab.lab_to_rgb(labs), rgb)


def _classes_of(clf, L_norm, ab_norm):
    """log p of the tiny classifier on L joined with ab, through the loss's own graph."""
    from keras import ops

    from core.training.consistency import ColourToClassifierInput

    x = ColourToClassifierInput(SIZE)([ops.convert_to_tensor(L_norm), ops.convert_to_tensor(ab_norm)])
    return ops.log_softmax(clf(x), axis=-1)


def test_the_loss_is_zero_when_the_prediction_is_the_truth(crops):
    from core.training.consistency import ClassKL, class_targets

    clf = _tiny_classifier()
    p_true = class_targets(crops, clf, SIZE, log=lambda _m: None)
    assert p_true.shape == (4, 10) and np.allclose(p_true.sum(1), 1, atol=1e-5)
    labs = np.stack([lab.rgb_to_lab(c) for c in crops])
    L, ab = lab.normalize_l(labs[..., :1]), lab.normalize_ab(labs[..., 1:])
    kl = ClassKL(reduction=None)
    assert np.abs(np.asarray(kl(p_true, _classes_of(clf, L, ab)))).max() < 1e-5
    wrong = np.asarray(kl(p_true, _classes_of(clf, L, np.zeros_like(ab))))     # grey colours instead
    assert wrong.min() > 1e-5


def _tiny_trainer(clf, weight=0.5):
    import keras

    from core.training import consistency, network
    from core.training.quantize import gamut_bins

    keras.utils.set_random_seed(2)
    centres = gamut_bins() / lab.AB_SCALE
    cnet = network.colour_net(len(centres), "scratch", width=4)
    tr = consistency.trainer(cnet, clf, centres, temperature=0.5, chroma_gain=1.4)
    consistency.compile_trainer(tr, keras.losses.SparseCategoricalCrossentropy(from_logits=True), weight,
                                keras.optimizers.Adam(1e-2))
    return cnet, tr, len(centres)


@pytest.mark.slow
def test_gradients_reach_the_decoder_the_classifier_stays_frozen_and_the_bins_part_is_plain(crops, eager):
    """One trainer: its first output's loss is the plain cross-entropy (the total adds w x KL); the KL term's
    gradients reach the decoder (and the encoder); a training step leaves every classifier weight as it was."""
    import keras
    import tensorflow as tf

    from core.training.consistency import ClassKL, class_targets

    clf = _tiny_classifier()
    cnet, tr, q = _tiny_trainer(clf, weight=0.3)
    p_true = class_targets(crops, clf, SIZE, log=lambda _m: None)
    labs = np.stack([lab.rgb_to_lab(c) for c in crops])
    x = tf.constant(lab.normalize_l(labs[..., :1]))
    y = np.random.default_rng(0).integers(0, q, (4, SIZE // 4, SIZE // 4)).astype(np.int32)
    plain = float(keras.losses.SparseCategoricalCrossentropy(from_logits=True)(y, cnet(x)))
    kl = float(np.mean(ClassKL(reduction=None)(p_true, tr(x)[1])))
    logs = tr.evaluate(x, (y, p_true), verbose=0, return_dict=True)
    assert logs["bins_loss"] == pytest.approx(plain, rel=1e-4)
    assert logs["classes_loss"] == pytest.approx(kl, rel=1e-3) and kl > 0
    assert logs["loss"] == pytest.approx(plain + 0.3 * kl, rel=1e-3)

    with tf.GradientTape() as tape:
        term = tf.reduce_mean(ClassKL()(p_true, tr(x)[1]))       # the consistency term alone
    decoder = [cnet.get_layer("logits").kernel, cnet.get_layer("dec2").kernel, cnet.get_layer("enc1a").kernel]
    grads = tape.gradient(term, decoder)
    assert all(g is not None and float(tf.reduce_max(tf.abs(g))) > 0 for g in grads)
    assert not clf.trainable_weights and not [w for w in tr.trainable_weights if any(w is v for v in clf.weights)]

    before = [w.copy() for w in clf.get_weights()]
    logits_before = cnet.get_layer("logits").get_weights()[0].copy()
    tr.train_on_batch(x, (y, p_true), sample_weight=(np.ones((4, SIZE // 4, SIZE // 4), np.float32), np.ones(4)))
    assert all(np.array_equal(a, b) for a, b in zip(before, clf.get_weights(), strict=True))   # BN stats too
    assert not np.array_equal(logits_before, cnet.get_layer("logits").get_weights()[0])


def _write_photos(folder, n=6):
    folder.mkdir(parents=True)
    rng = np.random.default_rng(5)
    for i in range(n):
        Image.fromarray(_colour(rng, int(rng.integers(40, 56)), int(rng.integers(40, 56)))).save(folder / f"c{i}.png")
    return folder


def _train(argv):
    from core.cli.train import main as train_main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        rc = train_main([str(a) for a in argv])
    return rc, out.getvalue()


@pytest.fixture
def tiny_loss_classifier(monkeypatch):
    """The loss's Lite0 classifier replaced by the tiny one (the real weights are not part of a clone)."""
    from core.training import consistency

    made = []

    def fake(path, variant="lite0"):
        clf = _tiny_classifier(seed=7)
        clf.trainable = False
        made.append(clf)
        return clf

    monkeypatch.setattr(consistency, "classifier", fake)
    monkeypatch.setattr(consistency, "classifier_weights", lambda path=None: "tiny")
    return made


@pytest.mark.training
def test_a_run_with_the_loss_trains_and_resumes(tmp_path, tiny_loss_classifier):
    data = _write_photos(tmp_path / "data")
    out = tmp_path / "m.keras"
    argv = ["--data", data, "--size", SIZE, "--epochs", 1, "--steps-per-epoch", 1, "--batch", 2, "--width", 4,
            "--global-branch", "scratch", "--consistency-weight", 0.3, "--out", out]
    rc, log = _train(argv)
    assert rc == 0, log
    assert list(tmp_path.glob(".classes-*.npz"))                # p_true computed once and cached
    argv[argv.index("--epochs") + 1] = 2
    with keras_eagerly():                                       # the reload is checked; the run above traced
        rc, log = _train([*argv, "--resume"])
    assert rc == 0, log
    assert "at epoch 1" in log and "class-target cache" in log
    with open(str(out) + ".log.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 2 and all(float(r["consistency_kl"]) >= 0 for r in rows)
    import keras

    from core.training.consistency import TRAINER_NAME, unwrap

    ckpt = keras.models.load_model(str(out) + ".ckpt.keras")
    assert ckpt.name == TRAINER_NAME and int(ckpt.optimizer.iterations.numpy()) == 2   # 1 + 1 steps, one optimizer
    assert unwrap(ckpt)[0].name.startswith("colour_net")
    model = keras.models.load_model(out, compile=False)          # the export is the plain inference model
    assert model.name == "autoencoder" and "consistency" not in str([layer.name for layer in model.layers])


@pytest.mark.training
def test_weight_zero_is_the_plain_run(tmp_path, monkeypatch, eager):
    """w = 0 builds nothing of the loss (no classifier is even looked for) and trains exactly as before."""
    from core.training import consistency
    from core.training.session import TrainConfig, TrainingData, TrainingRun

    def no(*_a, **_k):
        raise AssertionError("the classifier was loaded with w = 0")

    monkeypatch.setattr(consistency, "classifier", no)
    rng = np.random.default_rng(3)
    data = TrainingData([_colour(rng, 40, 48) for _ in range(4)])
    base = dict(global_branch="scratch", width=4, size=SIZE, batch=2, epochs=1, steps_per_epoch=1)
    runs = [TrainingRun(TrainConfig(**base), data, log=lambda _m: None),
            TrainingRun(TrainConfig(**base, consistency_weight=0.0), data, log=lambda _m: None)]
    losses = [[ev.loss for ev in run] for run in runs]
    assert runs[1].trainer is runs[1].cnet
    assert losses[0] == losses[1] and all(ev.consistency is None for ev in runs[1].events)


def test_the_options_are_checked():
    from core.training.session import TrainConfig

    for bad in (dict(consistency_weight=-1), dict(consistency_weight=0.3, loss="mse"),
                dict(consistency_weight=0.3, size=128, small_size=64)):
        with pytest.raises(ValueError, match="consistency"):
            TrainConfig(**bad).check()
    TrainConfig(consistency_weight=0.3, arch="pyramid").check()
