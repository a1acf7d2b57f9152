"""core.training (python -m core train): a tiny real run (2 steps), resume, re-export, the scratch branch.

The first run and its resume, the pyramid run (shared by three tests) and the multi-resolution run train as
real runs do (traced graphs); the tests of plumbing around them train eagerly (conftest.keras_eagerly)."""

from __future__ import annotations

import contextlib
import csv
import io
import re
import shutil

import numpy as np
import pytest
from PIL import Image

from core import lab
from core.cli.train import main as train_main
from core.images import list_images
from core.metrics import colorfulness
from core.training.data import GREY_COLOURFULNESS, load_photos

N_COLOUR = 12


def _colour_image(rng, h, w):
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    base = rng.uniform(0, 255, 3)
    img = np.stack([base[0] + 80 * np.sin(xx / rng.uniform(3, 9)), base[1] + 80 * np.cos(yy / rng.uniform(3, 9)),
                    base[2] + 60 * np.sin((xx + yy) / rng.uniform(4, 12))], axis=-1)
    img[rng.integers(0, h // 2):, rng.integers(0, w // 2):] = rng.uniform(0, 255, 3)   # a flat coloured block
    return np.clip(img, 0, 255).astype(np.uint8)


def _write_folder(folder, n, seed, grey=0):
    folder.mkdir(parents=True)
    rng = np.random.default_rng(seed)
    for i in range(n):
        h, w = int(rng.integers(40, 72)), int(rng.integers(40, 72))
        img = _colour_image(rng, h, w)
        assert colorfulness(img) > 2 * GREY_COLOURFULNESS
        Image.fromarray(img).save(folder / f"c{i:02d}.{'png' if i % 2 else 'jpg'}", quality=95)
    for i in range(grey):
        Image.fromarray(lab.to_grey_rgb(_colour_image(rng, 48, 48))).save(folder / f"grey{i}.png")
    (folder / "readme.txt").write_text("not an image")
    return folder


def _run(argv) -> tuple[int, str]:
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        rc = train_main([str(a) for a in argv])
    return rc, buf.getvalue()


def _log_rows(out):
    with open(str(out) + ".log.csv", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def trained(tmp_path_factory, effnet_weights):
    """One finished first run: (work folder, argv, stdout)."""
    work = tmp_path_factory.mktemp("train")
    data = _write_folder(work / "data", N_COLOUR, seed=0, grey=1)
    val = _write_folder(work / "val", 2, seed=1)
    argv = ["--data", data, "--val", val, "--val-limit", 2, "--size", 32, "--epochs", 1, "--steps-per-epoch", 2,
            "--batch", 4, "--width", 8, "--render-factor", 4, "--descriptor-weights", effnet_weights,
            "--out", work / "ae.keras", "--cache", work]
    rc, out = _run(argv)
    assert rc == 0, out
    return work, argv, out


def test_helpers_list_and_load(tmp_path):
    d = _write_folder(tmp_path / "d", 4, seed=3, grey=1)
    files = list_images([d])
    assert [f.rsplit("/", 1)[-1] for f in files] == ["c00.jpg", "c01.png", "c02.jpg", "c03.png", "grey0.png"]
    assert list_images([d], exclude=["grey*"]) == files[:4]
    logs = []
    photos, kept = load_photos(files, 32, log=logs.append)
    assert len(photos) == 4 and kept == files[:4]
    assert all(min(p.shape[:2]) == 32 for p in photos)
    assert "4 colour photos, 1 skipped" in logs[-1]


@pytest.mark.training
@pytest.mark.xdist_group("train_first_run")       # one worker makes the shared run
def test_first_run_saves_a_model_that_reloads(trained, tmp_path):
    from core.colorizers.autoencoder import AutoencoderColorizer

    work, _, out = trained
    assert f"{N_COLOUR} colour photos, 1 skipped (grey or unreadable)" in out     # the grey photo is skipped
    assert (work / "ae.keras").is_file() and (work / "ae.keras.ckpt.keras").is_file()
    assert not list(work.glob("*.tmp.keras"))
    assert len(list(work.glob(".desc-*.npz"))) == 1                                # descriptor cache in --cache
    col = AutoencoderColorizer(work / "ae.keras")
    names = [layer.name for layer in col.model.layers]
    assert "annealed_mean" in names and "descriptor" in names
    assert float(col.model.get_layer("annealed_mean").temperature.numpy()) == pytest.approx(0.38)
    img = np.random.default_rng(0).integers(0, 256, (37, 53, 3), dtype=np.uint8)
    res = col.colorize(img)
    assert res.shape == (37, 53, 3) and res.dtype == np.uint8
    assert np.abs(lab.lightness(res) - lab.lightness(img)).mean() < 1.0
    rows = _log_rows(work / "ae.keras")
    assert len(rows) == 1
    assert rows[0]["epoch"] == "1"
    assert float(rows[0]["loss"]) > 0
    assert 5 < float(rows[0]["val_psnr"]) < 60
    assert 0 <= float(rows[0]["val_ssim"]) <= 1
    assert rows[0]["val_colorfulness_ratio"] != ""


@pytest.mark.training
@pytest.mark.xdist_group("train_first_run")       # one worker makes the shared run
def test_resume_then_export_only(trained, tmp_path):
    from core.colorizers.autoencoder import AutoencoderColorizer

    first, argv, _ = trained
    work = tmp_path / "w"
    shutil.copytree(first, work)
    argv = [str(a).replace(str(first), str(work)) for a in argv]
    i = argv.index("--epochs")
    argv[i + 1] = "2"
    before = (work / "ae.keras.ckpt.keras").stat().st_mtime_ns
    rc, out = _run([*argv, "--resume"])
    assert rc == 0, out
    assert "resumed from" in out and "at epoch 1" in out
    assert "descriptor cache" in out                          # the descriptors were not computed again
    rows = _log_rows(work / "ae.keras")
    assert [r["epoch"] for r in rows] == ["1", "2"]
    assert rows[1]["val_psnr"] != ""
    assert (work / "ae.keras.ckpt.keras").stat().st_mtime_ns != before

    # re-export with another annealing temperature, without training
    rc, out = _run([*argv, "--export-only", "--temperature", "0.5"])
    assert rc == 0, out
    assert "temperature 0.5" in out
    assert len(_log_rows(work / "ae.keras")) == 2              # no training happened
    col = AutoencoderColorizer(work / "ae.keras")
    assert float(col.model.get_layer("annealed_mean").temperature.numpy()) == pytest.approx(0.5)
    assert col.colorize(np.zeros((20, 30, 3), np.uint8)).shape == (20, 30, 3)


def test_export_only_without_checkpoint(tmp_path, capsys, effnet_weights):
    rc = train_main(["--data", str(tmp_path), "--export-only", "--out", str(tmp_path / "none.keras"),
                     "--descriptor-weights", str(effnet_weights)])
    assert rc == 2
    assert "no checkpoint" in capsys.readouterr().err


@pytest.mark.training
def test_scratch_global_branch(tmp_path, eager):
    from core.colorizers.autoencoder import AutoencoderColorizer

    data = _write_folder(tmp_path / "data", 8, seed=5)
    rc, out = _run(["--data", data, "--size", 32, "--epochs", 1, "--steps-per-epoch", 1, "--batch", 4,
                    "--width", 8, "--global-branch", "scratch", "--out", tmp_path / "s.keras"])
    assert rc == 0, out
    col = AutoencoderColorizer(tmp_path / "s.keras")
    assert len(col.model.inputs) == 1
    names = [layer.name for layer in col.model.layers]
    assert "descriptor" not in names
    assert any(layer.name == "colour_net_scratch" for layer in col.model.layers)
    assert not list(tmp_path.glob(".desc-*"))                     # no descriptor, no cache
    rows = _log_rows(tmp_path / "s.keras")
    assert len(rows) == 1 and rows[0]["val_psnr"] == ""            # no --val given
    assert col.colorize(np.zeros((33, 17, 3), np.uint8)).shape == (33, 17, 3)


@pytest.fixture(scope="module")
def pyramid_run(tmp_path_factory, effnet_weights):
    """One finished --arch pyramid run (augmented, soft labels, validated), shared by the pyramid, soft-label
    and --init-from tests: (work folder, argv, stdout)."""
    work = tmp_path_factory.mktemp("pyramid")
    data = _write_folder(work / "data", 8, seed=7)
    val = _write_folder(work / "val", 2, seed=8)
    argv = ["--data", data, "--val", val, "--val-limit", 2, "--size", 64, "--epochs", 1, "--steps-per-epoch", 2,
            "--batch", 4, "--arch", "pyramid", "--augment", "--soft-labels", 5, "--render-factor", 4,
            "--descriptor-weights", effnet_weights, "--out", work / "p.keras"]
    rc, out = _run(argv)
    assert rc == 0, out
    return work, argv, out


@pytest.mark.training
@pytest.mark.xdist_group("train_pyramid")       # one worker makes the shared run
def test_pyramid_arch_trains_only_the_decoder(pyramid_run, effnet_weights):
    """--arch pyramid: the frozen EfficientNet-Lite0 is the encoder (its weights stay those of the file),
    the U-Net decoder learns; the saved model renders at multiples of 32 and colours any size."""
    from core.colorizers.autoencoder import AutoencoderColorizer
    from core.training import effnet, pyramid

    work, _, out = pyramid_run
    col = AutoencoderColorizer(work / "p.keras")
    assert col.stride == pyramid.STRIDE == 32
    assert col.colorize(np.zeros((33, 17, 3), np.uint8)).shape == (33, 17, 3)
    rows = _log_rows(work / "p.keras")
    assert len(rows) == 1 and float(rows[0]["val_delta_e2000"]) > 0
    ref = effnet.efficientnet_lite0(include_top=False)
    ref.load_weights(str(effnet_weights))
    cnet = next(layer for layer in col.model.layers if layer.name == "colour_net_pyramid")
    enc = cnet.get_layer("effnet_pyramid")
    stem = next(layer for layer in enc.layers if layer.name == "_conv_stem")
    assert np.array_equal(stem.get_weights()[0], ref.get_layer("_conv_stem").get_weights()[0])   # frozen
    assert "colour_net_pyramid" in out or "trained of" in out


def test_unfreeze_the_top_of_the_encoder_only():
    from core.training import pyramid

    cnet = pyramid.colour_net(16)
    decoder_only = {w.path for w in cnet.trainable_weights}
    assert not any("_blocks." in p or "_conv_head" in p for p in decoder_only)
    n = pyramid.unfreeze(cnet, 14)
    assert n == 7                      # blocks 14 and 15 (expand, depthwise, project each) and the head conv
    names = {w.path for w in cnet.trainable_weights} - decoder_only
    assert any("_blocks.15._project_conv" in p for p in names) and any("_conv_head" in p for p in names)
    assert not any("_blocks.13." in p or "_bn" in p for p in names)


def _trained_of(out) -> int:
    return int(re.search(r"([\d,]+) trained of", out).group(1).replace(",", ""))


@pytest.mark.training
@pytest.mark.xdist_group("train_pyramid")       # one worker makes the shared run
def test_init_from_a_fine_tuned_checkpoint_trains_the_decoder_only(pyramid_run, tmp_path, effnet_weights, eager):
    """A fine-tuning checkpoint saves its encoder layers as trainable; continuing from it without
    --unfreeze-from must train the decoder alone (it once silently fine-tuned at the decoder's rate)."""
    first, _, out = pyramid_run                       # a: a plain pyramid run, its decoder alone trained
    decoder_only = _trained_of(out)
    common = ["--data", first / "data", "--size", 64, "--epochs", 1, "--steps-per-epoch", 1, "--batch", 2,
              "--arch", "pyramid", "--descriptor-weights", effnet_weights]
    rc, out = _run([*common, "--init-from", first / "p.keras.ckpt.keras", "--unfreeze-from", 14, "--lr", 1e-4,
                    "--out", tmp_path / "b.keras"])
    assert rc == 0, out
    assert _trained_of(out) > decoder_only
    rc, out = _run([*common, "--init-from", tmp_path / "b.keras.ckpt.keras", "--out", tmp_path / "c.keras"])
    assert rc == 0, out
    assert _trained_of(out) == decoder_only


def test_only_grey_or_no_images(tmp_path, capsys):
    d = tmp_path / "grey"
    d.mkdir()
    for i in range(3):
        Image.fromarray(np.full((40, 40), 30 * i, np.uint8)).save(d / f"g{i}.png")
    assert train_main(["--data", str(d), "--global-branch", "scratch", "--out", str(tmp_path / "x.keras")]) == 2
    assert "no usable colour photos" in capsys.readouterr().err
    empty = tmp_path / "empty"
    empty.mkdir()
    assert train_main(["--data", str(empty), "--out", str(tmp_path / "x.keras")]) == 2
    assert "no images found" in capsys.readouterr().err


def test_size_must_be_a_multiple_of_8(tmp_path):
    with pytest.raises(SystemExit) as exc:
        train_main(["--data", str(tmp_path), "--size", "30"])
    assert exc.value.code == 2


@pytest.mark.slow
def test_descriptor_weights_extracted_from_the_shipped_model(tmp_path, monkeypatch, autoencoder_path, autoencoder):
    """A clone has no efficientnet_lite0.weights.h5: training takes EfficientNet-Lite0 from the shipped
    model, whichever architecture it has (the first model's descriptor or the pyramid's encoder)."""
    from core import weights
    from core.cli import train
    from core.training import effnet

    ae = autoencoder.model                                  # the session's instance: not loaded again
    shipped = {}

    def walk(m):
        for layer in m.layers:
            if hasattr(layer, "layers"):
                walk(layer)
            elif layer.name in ("_conv_stem", "_conv_head", "_blocks.7._depthwise_conv"):
                shipped[layer.name] = layer.get_weights()[0]

    walk(ae)
    if len(shipped) < 3:
        pytest.skip("the shipped autoencoder is not here (a tiny stand-in without EfficientNet is used)")
    monkeypatch.setattr(weights, "effnet_weights_path", lambda: tmp_path / "absent.weights.h5")
    monkeypatch.setenv("COLORIZER_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("COLORIZER_AUTOENCODER", str(autoencoder_path))
    path = train.descriptor_weights_file()
    assert path == tmp_path / "home" / ".cache" / "efficientnet_lite0_from_autoencoder.weights.h5"
    assert path.is_file()
    assert train.descriptor_weights_file() == path                     # cached
    net = effnet.efficientnet_lite0(include_top=False)
    net.load_weights(str(path))
    for name, w in shipped.items():
        np.testing.assert_array_equal(net.get_layer(name).get_weights()[0], w)


# --------------------------------------------------------------------------- multi-resolution schedule


def test_load_photos_keeps_small_photos_at_the_small_size(tmp_path):
    d = tmp_path / "d"
    d.mkdir()
    rng = np.random.default_rng(5)
    Image.fromarray(_colour_image(rng, 90, 120)).save(d / "big.png")
    Image.fromarray(_colour_image(rng, 40, 40)).save(d / "tiny.png")
    files = list_images([d])
    upscaled, _ = load_photos(files, 64, log=lambda _m: None)
    assert [min(p.shape[:2]) for p in upscaled] == [64, 64]
    mixed, _ = load_photos(files, 64, log=lambda _m: None, small_size=32)
    assert [p.shape[:2] for p in mixed] == [(64, 85), (32, 32)]


def test_mixed_batches_interleave_two_sizes_with_the_same_pixels_per_step():
    from core.training.quantize import Quantizer, gamut_bins
    from core.training.session import TrainConfig, TrainingData, _batch_maker

    rng = np.random.default_rng(0)
    photos = [_colour_image(rng, 64, 80) for _ in range(8)] + [_colour_image(rng, 32, 32) for _ in range(32)]
    quant = Quantizer(gamut_bins())
    weights = np.ones(quant.n_bins, np.float32)
    config = TrainConfig(arch="classic", global_branch="scratch", size=64, small_size=32, batch=4)
    maker = _batch_maker(config, TrainingData(photos), None, quant, weights)
    assert maker.steps() == 8 // 4 + 32 // 16          # batches of 4 at 64 px, of 16 at 32 px
    shapes = [(x.shape, y.shape) for x, y, _ in maker.epoch()]
    assert sorted(shapes) == sorted([((4, 64, 64, 1), (4, 16, 16))] * 2 + [((16, 32, 32, 1), (16, 8, 8))] * 2)
    # without small_size every photo must reach the crop size
    with pytest.raises(ValueError, match="at least 64 px"):
        from core.training.session import TrainingRun

        TrainingRun(TrainConfig(arch="classic", global_branch="scratch", size=64, batch=4, width=4),
                    TrainingData(photos))


@pytest.mark.training
def test_a_multi_resolution_run_trains_on_both_sizes(tmp_path):
    from core.training.session import TrainConfig, TrainingData, TrainingRun

    rng = np.random.default_rng(1)
    photos = [_colour_image(rng, 64, 72) for _ in range(8)] + [_colour_image(rng, 32, 32) for _ in range(16)]
    config = TrainConfig(arch="classic", global_branch="scratch", size=64, small_size=32, batch=4, width=4,
                         epochs=1)
    run = TrainingRun(config, TrainingData(photos), log=lambda _m: None)
    assert run.steps == 2 + 1
    (event,) = list(run)
    assert np.isfinite(event.loss)
    with pytest.raises(ValueError, match="small training size"):
        TrainConfig(size=64, small_size=64).check()


def test_small_size_must_be_below_the_crop_size(capsys):
    from core.cli.train import parse_args

    assert parse_args(["--data", "d", "--size", "128", "--small-size", "64"]).small_size == 64
    with pytest.raises(SystemExit):
        parse_args(["--data", "d", "--size", "128", "--small-size", "128"])
    assert "--small-size must be a multiple of 8 below --size" in capsys.readouterr().err


def test_soft_labels_charge_a_near_miss_less_than_a_far_one():
    """Soft encoding (Zhang et al. 2016): the target spreads over the bins near the true colour, so a
    prediction one bin off costs less than one far off (plain cross-entropy charges both the same); as
    sigma shrinks it becomes the plain cross-entropy of the nearest bin."""
    import keras

    from core.training.network import SoftBinCrossentropy
    from core.training.quantize import Quantizer, gamut_bins

    centres = gamut_bins()
    q = Quantizer(centres)
    true_ab = np.array([[25.0, 45.0]], np.float32)                  # a bin centre (orange)
    i_true = int(q.encode(true_ab)[0])
    d = np.linalg.norm(centres - centres[i_true], axis=1)
    near, far = int(np.argsort(d)[1]), int(np.argmax(d))
    soft = SoftBinCrossentropy(centres / lab.AB_SCALE, 5.0 / lab.AB_SCALE)
    hard = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    y = lab.normalize_ab(true_ab).astype(np.float32)

    def peaked(i):
        z = np.zeros((1, len(centres)), np.float32)
        z[0, i] = 6.0
        return z

    assert float(soft(y, peaked(near))) < float(soft(y, peaked(far))) - 0.3
    assert float(hard(np.array([i_true]), peaked(near))) == pytest.approx(float(hard(np.array([i_true]), peaked(far))))
    assert float(soft(y, peaked(i_true))) < float(soft(y, peaked(near)))
    tiny = SoftBinCrossentropy(centres / lab.AB_SCALE, 0.5 / lab.AB_SCALE)
    logits = np.random.default_rng(0).normal(size=(1, len(centres))).astype(np.float32)
    assert float(tiny(y, logits)) == pytest.approx(float(hard(np.array([i_true]), logits)), rel=1e-4)
    again = SoftBinCrossentropy.from_config(soft.get_config())
    assert float(again(y, peaked(near))) == pytest.approx(float(soft(y, peaked(near))))


@pytest.mark.training
@pytest.mark.xdist_group("train_pyramid")       # one worker makes the shared run
def test_a_soft_label_run_trains_and_resumes(pyramid_run, tmp_path, eager):
    first, argv, out = pyramid_run                    # trained with --soft-labels 5
    assert np.isfinite(float(_log_rows(first / "p.keras")[0]["loss"]))
    work = tmp_path / "w"
    shutil.copytree(first, work)
    argv = [str(a).replace(str(first), str(work)) for a in argv]
    i = argv.index("--val")
    del argv[i:i + 4]                                 # no validation this time (--val DIR --val-limit 2)
    argv[argv.index("--epochs") + 1] = "2"
    rc, out = _run([*argv, "--resume"])                     # the checkpoint reloads with its soft loss
    assert rc == 0, out
    rows = _log_rows(work / "p.keras")
    assert "at epoch 1" in out and len(rows) == 2 and np.isfinite(float(rows[1]["loss"]))


def test_soft_labels_need_the_bins_loss():
    from core.training.session import TrainConfig

    with pytest.raises(ValueError, match="soft labels"):
        TrainConfig(loss="mse", soft_labels=5).check()
    with pytest.raises(ValueError, match="soft labels"):
        TrainConfig(soft_labels=-1).check()
    TrainConfig(arch="pyramid", soft_labels=5).check()
