"""Scratch and dust repair (core.restore): the shipped detector, the fill, tiling, the CLI and training."""

from __future__ import annotations

import json
import threading

import cv2
import numpy as np
import pytest
from PIL import Image
from skimage import data
from skimage.metrics import peak_signal_noise_ratio

from core import restore
from core.lab import to_grey_rgb
from core.restore import engine, synth


def psnr(a, b):
    return peak_signal_noise_ratio(a, b, data_range=255)


@pytest.fixture(scope="module")
def camera():
    return np.repeat(data.camera()[..., None], 3, axis=2)


@pytest.fixture(scope="module")
def scratched(camera):
    """The camera photo with two drawn scratches (bright and dark, 2 px) and a few dark specks."""
    img = camera.copy()
    truth = np.zeros(img.shape[:2], np.uint8)
    cv2.line(truth, (20, 60), (490, 400), 1, 2)
    cv2.line(truth, (400, 30), (120, 500), 2, 2)
    for c in ((100, 300), (300, 100), (450, 200)):
        cv2.circle(truth, c, 2, 2, -1)
    img[truth == 1] = 250
    img[truth == 2] = 10
    return img, truth > 0


@pytest.fixture(scope="module")
def clean(camera):
    """The clean photos and what restore makes of them (computed once for the module)."""
    astro = to_grey_rgb(data.astronaut())
    return {"camera": (camera, restore.restore(camera)), "astronaut": (astro, restore.restore(astro))}


@pytest.fixture(scope="module")
def repaired(scratched):
    return restore.restore(scratched[0])


def test_shape_dtype_and_grey_stays_grey(clean):
    astro = data.astronaut()[128:384, 128:384]
    r = restore.restore(astro)
    assert isinstance(r, restore.Restored)
    assert r.rgb.shape == astro.shape and r.rgb.dtype == np.uint8
    assert r.mask.shape == astro.shape[:2] and r.mask.dtype == bool
    assert np.array_equal(r.rgb[~r.mask], astro[~r.mask])
    g = clean["astronaut"][1].rgb
    assert np.array_equal(g[..., 0], g[..., 1]) and np.array_equal(g[..., 1], g[..., 2])


def test_clean_photos_come_back_essentially_unchanged(clean):
    for name, (_rgb, r) in clean.items():
        assert r.fraction <= 0.005, (name, r.fraction)
    astro, r = clean["astronaut"]
    assert np.array_equal(r.rgb, astro) or psnr(astro, r.rgb) >= 38
    camera, r = clean["camera"]
    assert psnr(camera, r.rgb) >= 38       # the shaded tripod leg and the pan handle are left alone


def test_probability_is_the_mean_over_rotated_views(monkeypatch):
    light = np.asarray(data.camera()[100:180, 200:296], np.float32) / 255.0        # not square
    one = engine.probability(light, views=1)
    rotated = [np.rot90(engine.probability(np.ascontiguousarray(np.rot90(light, k)), views=1), -k)
               for k in range(4)]
    assert not np.allclose(rotated[0], rotated[1], atol=1e-3)         # the network is not rotation invariant
    np.testing.assert_allclose(engine.probability(light, views=4), np.mean(rotated, axis=0), atol=1e-6)
    np.testing.assert_allclose(engine.probability(light, views=2), np.mean(rotated[:2], axis=0), atol=1e-6)
    assert np.array_equal(one, rotated[0])
    monkeypatch.setattr(engine, "VIEWS", 1)
    assert np.array_equal(engine.probability(light), one)
    for bad in (0, 5):
        with pytest.raises(ValueError, match="views"):
            engine.probability(light, views=bad)


def test_a_drawn_scratch_is_found_and_repaired_and_nothing_else_changes(camera, scratched, repaired):
    img, truth = scratched
    r = repaired
    near = cv2.dilate(r.mask.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    assert (truth & near).sum() / truth.sum() >= 0.6                 # most of the drawn damage is found
    assert psnr(camera, r.rgb) >= psnr(camera, img) + 3
    assert np.array_equal(r.rgb[~r.mask], img[~r.mask])              # never a change outside the mask
    assert np.array_equal(restore.detect(img), r.mask)


def test_scratches_and_dust_switches_and_strength(scratched, repaired):
    img, _ = scratched
    full = repaired.mask
    assert not restore.detect(img, strength=0.0).any()
    assert restore.detect(img, strength=0.5).sum() <= full.sum()
    only_dust = restore.detect(img, scratches=False)
    assert only_dust.sum() < full.sum()
    assert not restore.restore(img, scratches=False, dust=False).mask.any()
    with pytest.raises(ValueError, match="strength"):
        restore.restore(img, strength=1.5)
    with pytest.raises(ValueError, match="uint8"):
        restore.restore(img.astype(np.float32))


def test_deterministic_and_thread_safe(scratched):
    img = scratched[0][96:352, 96:352]
    first = restore.restore(img)
    results = [None] * 3

    def work(i):
        results[i] = restore.restore(img)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for r in results:
        assert np.array_equal(r.rgb, first.rgb) and np.array_equal(r.mask, first.mask)


def test_large_images_go_in_tiles(monkeypatch, scratched, repaired, camera):
    img, truth = scratched
    whole = repaired
    monkeypatch.setattr(engine, "TILE", 256)
    monkeypatch.setattr(engine, "MARGIN", 32)
    calls = []
    real = engine.probability
    monkeypatch.setattr(engine, "probability", lambda x, **kw: calls.append(x.shape) or real(x, **kw))
    tiled = restore.restore(img)
    assert len(calls) == 4 and max(max(s) for s in calls) <= 256 + 2 * 32
    assert np.array_equal(tiled.rgb[~tiled.mask], img[~tiled.mask])
    inter = (tiled.mask & whole.mask).sum()
    assert inter / max(1, (tiled.mask | whole.mask).sum()) >= 0.9     # tiles agree with the whole image
    assert psnr(camera, tiled.rgb) >= psnr(camera, img) + 3


def test_hysteresis_keeps_only_components_with_a_sure_pixel():
    prob = np.zeros((40, 40), np.float32)
    prob[5, 5:25] = 0.996                      # a faint line: above the threshold, never sure
    prob[20, 5:25] = 0.996
    prob[20, 10] = 0.9999                      # the same line with one sure pixel
    m = engine._mask_of(prob, 0.995, 0, True, True, seed=0.999)
    assert not m[5].any() and m[20, 5:25].all() and m.sum() == 20
    assert engine._mask_of(prob, 0.995, 0, True, True).sum() == 40       # no seed: both lines


def test_synthetic_damage_is_deterministic_and_masked():
    g = data.camera()[:128, :128] / 255.0
    d1, m1 = synth.damage(g, np.random.default_rng(5), p_clean=0.0)
    d2, m2 = synth.damage(g, np.random.default_rng(5), p_clean=0.0)
    assert np.array_equal(d1, d2) and np.array_equal(m1, m2)
    assert m1.any() and np.abs(d1 - g)[m1].mean() > np.abs(d1 - g)[~m1].mean()
    x, y = synth.batch([g, g[:60, :90]], 32, 3, np.random.default_rng(0))
    assert x.shape == y.shape == (3, 32, 32, 1)
    hard = np.array([[1, 50, 80]])                              # a hard negative near the corner of image 1
    x, _ = synth.batch([g, g[:60, :90]], 32, 4, np.random.default_rng(1), hard=hard, p_hard=1.0)
    c = synth.crop_at(g[:60, :90], 32, 50, 80, np.random.default_rng(2))
    assert c.shape == (32, 32) and x.shape == (4, 32, 32, 1)


def test_real_thin_structure_is_drawn_into_the_photo_and_never_masked():
    g = data.camera()[:128, :128] / 255.0
    s1 = synth.structure(g, np.random.default_rng(4))
    s2 = synth.structure(g, np.random.default_rng(4))
    assert np.array_equal(s1, s2) and s1.shape == g.shape and s1.dtype == np.float32
    assert 0 <= s1.min() and s1.max() <= 1
    changed = np.abs(s1 - g) > 0.05
    assert 0.002 < changed.mean() < 0.9                       # something was drawn, not the whole crop
    for seed in range(12):                                      # every kind of piece, never out of range
        out = synth.structure(g, np.random.default_rng(seed), n=3)
        assert np.isfinite(out).all() and 0 <= out.min() and out.max() <= 1
    # the same seeds give the same batch with p_structure 0 as before it existed; with it, other pixels
    x0, y0 = synth.batch([g], 32, 4, np.random.default_rng(9))
    x1, y1 = synth.batch([g], 32, 4, np.random.default_rng(9), p_structure=0.0)
    assert np.array_equal(x0, x1) and np.array_equal(y0, y1)
    x2, _ = synth.batch([g], 32, 4, np.random.default_rng(9), p_structure=1.0)
    assert not np.array_equal(x0, x2)


def test_dark_crops_for_bright_scratches_on_black():
    g = np.full((64, 64), 0.8, np.float32)
    x0, y0 = synth.batch([g], 32, 6, np.random.default_rng(5))
    x1, y1 = synth.batch([g], 32, 6, np.random.default_rng(5), p_dark=0.0)
    assert np.array_equal(x0, x1) and np.array_equal(y0, y1)             # off: the very same batch as before
    x, y = synth.batch([g], 32, 6, np.random.default_rng(5), p_dark=1.0)
    clean = x[y == 0]
    assert clean.size and np.median(clean) <= 0.8 * 0.35 + 0.05            # every crop was made dark first
    assert np.array_equal(x, synth.batch([g], 32, 6, np.random.default_rng(5), p_dark=1.0)[0])


def test_thick_scratches_and_dust_clusters_only_when_asked():
    g = np.full((64, 64), 0.5, np.float32)
    x0, y0 = synth.batch([g], 32, 6, np.random.default_rng(7))
    x1, y1 = synth.batch([g], 32, 6, np.random.default_rng(7), p_thick=0.0)
    assert np.array_equal(x0, x1) and np.array_equal(y0, y1)             # off: the very same batch as before
    widths, clusters = [], []
    for seed in range(6):
        rng = np.random.default_rng(seed)
        m = synth._gouge(96, 96, rng) >= synth.MASK_ALPHA
        widths.append(2 * cv2.distanceTransform(m.astype(np.uint8), cv2.DIST_L2, 5).max())
        n, _ = cv2.connectedComponents((synth._cluster(96, 96, rng) >= synth.MASK_ALPHA).astype(np.uint8))
        clusters.append(n - 1)
    assert 4 <= max(widths) <= 11 and min(widths) >= 3                    # thick, not the 1-4 px scratches
    assert max(clusters) >= 5                                               # many specks, not one
    d, m = synth.damage(g, np.random.default_rng(3), p_clean=0.0, p_thick=1.0)
    d0, m0 = synth.damage(g, np.random.default_rng(3), p_clean=0.0)
    assert m.sum() > m0.sum() and (np.abs(d - g)[m] > 0.05).mean() > 0.8    # drawn, and all of it masked


def test_cli_colorize_restore(tmp_path, scratched, repaired):
    from core.cli.colorize import main

    img, _ = scratched
    Image.fromarray(img).save(tmp_path / "old.png")
    out = tmp_path / "out"
    assert main([str(tmp_path / "old.png"), "--model", "grayscale", "--restore", "--out", str(out)]) == 0
    result = np.asarray(Image.open(out / "old_grayscale.png").convert("RGB"))
    assert np.array_equal(result, to_grey_rgb(repaired.rgb))


@pytest.mark.slow
def test_cli_batch_restore_is_in_the_manifest(tmp_path, scratched):
    from core.batch import manifest
    from core.cli.batch import main

    img, _ = scratched
    src = tmp_path / "src"
    src.mkdir()
    Image.fromarray(img[:96, :96]).save(src / "a.png")
    dst = tmp_path / "dst"
    assert main([str(src), str(dst), "--model", "grayscale", "--restore", "--workers", "1"]) == 0
    rows = manifest.read(dst / manifest.NAME)
    assert [r["restore"] for r in rows] == ["yes"] and rows[0]["status"] == "done"
    assert main([str(src), str(dst), "--model", "grayscale", "--workers", "1"]) == 2   # one DST, one setting


def training_photos(tmp_path):
    """Three small noise photos for a train-restore run (one named like a held-out imnet_ photo)."""
    photos = tmp_path / "photos"
    photos.mkdir()
    rng = np.random.default_rng(0)
    for name in ("a.png", "b.png", "imnet_x.png"):
        Image.fromarray(rng.integers(0, 255, (40, 48, 3), dtype=np.uint8)).save(photos / name)
    return photos


@pytest.mark.training
def test_train_restore_runs_and_resumes(tmp_path, capsys):
    from core.cli.restore import main

    photos = training_photos(tmp_path)
    out, ck = tmp_path / "m.keras", tmp_path / "ck"
    args = ["--data", str(photos), "--out", str(out), "--checkpoint-dir", str(ck), "--size", "32",
            "--batch-size", "2", "--save-every", "1", "--threads", "1", "--hard-every", "2", "--p-structure", "0.5",
            "--p-dark", "0.5"]
    assert main([*args, "--steps", "2"]) == 0
    assert out.exists() and json.loads((ck / "state.json").read_text())["step"] == 2
    assert main([*args, "--steps", "3"]) == 0
    assert "resuming at step 2" in capsys.readouterr().out
    assert json.loads((ck / "state.json").read_text())["step"] == 3
    assert len((ck / "log.csv").read_text().splitlines()) == 4      # header + 3 steps
    assert (ck / "hard.npy").exists() and np.load(ck / "hard.npy").shape[1:] == (3,)
    assert main(["--data", str(tmp_path / "nowhere"), "--out", str(out)]) == 2
    both = tmp_path / "both.keras"
    assert main(["--combine", str(out), str(engine.MODEL_PATH), "--out", str(both)]) == 0
    assert main(["--combine", str(tmp_path / "none.keras"), "--out", str(both)]) == 2
    second = tmp_path / "second.keras"
    assert main(["--take", str(both), "1", "--out", str(second)]) == 0      # the shipped one, back out alone
    assert main(["--take", str(both), "2", "--out", str(second)]) == 2
    assert main(["--take", str(tmp_path / "none.keras"), "0", "--out", str(second)]) == 2
    import keras

    x = np.random.default_rng(3).random((1, 32, 32, 1)).astype(np.float32)
    a, b, ab = (np.asarray(keras.saving.load_model(f, compile=False)(x)) for f in (out, engine.MODEL_PATH, both))
    np.testing.assert_allclose(ab, np.minimum(a, b), atol=1e-6)     # damage only where both agree
    np.testing.assert_allclose(np.asarray(keras.saving.load_model(second, compile=False)(x)), b, atol=1e-6)
