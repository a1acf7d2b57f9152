"""Many threads share one cached model instance and get exactly the single-threaded results."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import core
from core import colorize, get_colorizer

N_THREADS = 10


def _images(n=N_THREADS, seed=0):
    """n different photo-like images, 64 to 160 px, portrait and landscape."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        h, w = (int(v) for v in rng.integers(64, 161, 2))
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        img = np.stack([127 + 120 * np.sin(xx / (5 + i)), 127 + 120 * np.cos(yy / (7 + i)),
                        (xx + yy) * 255 / (h + w)], axis=-1)
        img += rng.normal(0, 10, img.shape)
        out.append(np.clip(img, 0, 255).astype(np.uint8))
    return out


def _run_threads(fn, items):
    barrier = threading.Barrier(len(items))

    def work(item):
        barrier.wait(timeout=60)     # all threads start together
        return fn(item)

    with ThreadPoolExecutor(max_workers=len(items)) as pool:
        return list(pool.map(work, items, timeout=300))


@pytest.mark.parametrize("model", ["autoencoder", "eccv16", "grayscale"])
def test_threads_give_the_single_threaded_results(model, request):
    if model == "autoencoder":
        request.getfixturevalue("use_autoencoder")
    elif model == "eccv16":
        request.getfixturevalue("small_eccv16_home")
    images = _images()
    instance = get_colorizer(model)
    expected = [colorize(img, model=model) for img in images]
    # the same image twice single-threaded is reproducible (so any difference below is the threads)
    assert np.array_equal(colorize(images[0], model=model), expected[0])
    for rep in range(2):
        got = _run_threads(lambda img: colorize(img, model=model), images)
        for i, (g, e) in enumerate(zip(got, expected, strict=True)):
            assert g.shape == images[i].shape
            assert np.array_equal(g, e), f"{model}: image {i} differs in round {rep}"
    assert get_colorizer(model) is instance                       # one cached instance served them all
    if model != "grayscale":                                       # the images really differ
        assert len({e.tobytes() for e in expected}) == N_THREADS


def test_threads_with_different_render_factors(small_eccv16_home):
    images = _images(seed=1)
    factors = [4, 8, 14, 20, 31, 4, 8, 14, 20, 31]
    expected = [colorize(img, "eccv16", rf) for img, rf in zip(images, factors, strict=True)]
    got = _run_threads(lambda pair: colorize(pair[0], "eccv16", pair[1]), list(zip(images, factors, strict=True)))
    for g, e in zip(got, expected, strict=True):
        assert np.array_equal(g, e)


def test_mixed_models_in_parallel(use_autoencoder, small_eccv16_home):
    images = _images(seed=2)
    models = ["autoencoder", "eccv16"] * (N_THREADS // 2)
    expected = [colorize(img, m) for img, m in zip(images, models, strict=True)]
    got = _run_threads(lambda pair: colorize(*pair), list(zip(images, models, strict=True)))
    for g, e in zip(got, expected, strict=True):
        assert np.array_equal(g, e)


def test_cold_cache_creates_one_instance(small_eccv16_home):
    core.clear_cache()
    got = _run_threads(lambda _: get_colorizer("eccv16"), list(range(N_THREADS)))
    assert all(g is got[0] for g in got)
