"""core.weights: the hash-checked download, against an HTTP server on localhost run by the test."""

from __future__ import annotations

import functools
import hashlib
import http.server
import socket
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from caffe_net import CAFFEMODEL, HULL, PROTOTXT, write_small_eccv16

import core
from core import weights
from core.weights import FetchError, Remote


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves the folder; ``/short/<name>`` announces the full length but sends only half the bytes."""

    def log_message(self, *args):   # keep the test output clean
        pass

    def do_GET(self):  # noqa: N802 - the http.server API
        self.server.requests.append(self.path)
        if self.path.startswith("/short/"):
            data = (Path(self.directory) / self.path[len("/short/"):]).read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        if self.path.startswith(("/endless/", "/slow/")):
            # no Content-Length: sends far more than any pin (fast), or a trickle (slow), until the client stops
            slow = self.path.startswith("/slow/")
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.end_headers()
            try:
                for _ in range(200 if slow else 4000):         # 4000 x 64 KiB = 256 MiB at most
                    self.wfile.write(b"\0" * (256 if slow else 1 << 16))
                    if slow:
                        self.wfile.flush()
                        time.sleep(0.02)
            except OSError:            # the client hung up, as it should
                pass
            self.close_connection = True
            return
        if self.path.startswith("/huge/"):      # announces 300 MB
            self.send_response(200)
            self.send_header("Content-Length", str(300_000_000))
            self.end_headers()
            self.close_connection = True
            return
        super().do_GET()


@pytest.fixture
def server(tmp_path):
    """(base_url, served_folder, list_of_request_paths)."""
    served = tmp_path / "served"
    write_small_eccv16(served)
    (served / "big.bin").write_bytes(np.random.default_rng(0).bytes(300_000))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Handler, directory=str(served)))
    httpd.requests = []
    httpd.daemon_threads = True
    t = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    t.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", served, httpd.requests
    finally:
        httpd.shutdown()
        httpd.server_close()
        t.join(5)


@pytest.fixture
def home(tmp_path, monkeypatch):
    h = tmp_path / "home"
    monkeypatch.setenv("COLORIZER_HOME", str(h))
    core.clear_cache()
    yield h
    core.clear_cache()


def _sha1(path) -> str:
    return hashlib.sha1(Path(path).read_bytes()).hexdigest()


def _remotes(base, served, bad_sha1_for=None, url_for=None) -> list[Remote]:
    out = []
    for name in (PROTOTXT, HULL, CAFFEMODEL):
        url = (url_for or {}).get(name, f"{base}/{name}")
        if name == HULL:
            sha1 = "0" * 40 if bad_sha1_for == name else ""
            out.append(Remote(name, url, "", 0.001, content_sha1=sha1 or weights.npy_content_sha1(served / name)))
        else:
            sha1 = "0" * 40 if bad_sha1_for == name else _sha1(served / name)
            out.append(Remote(name, url, sha1, 0.001))
    return out


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# --- good downloads -------------------------------------------------------------------------------

def test_fetch_puts_verified_files_in_place_and_reports_progress(server, home, monkeypatch):
    base, served, requests_seen = server
    monkeypatch.setitem(weights.REMOTES, "eccv16", _remotes(base, served))
    calls = []
    folder = weights.fetch("eccv16", progress=lambda f, done, total: calls.append((f, done, total)))
    assert folder == home / "eccv16"
    assert _leftovers(folder) == sorted([PROTOTXT, HULL, CAFFEMODEL])
    for name in (PROTOTXT, HULL, CAFFEMODEL):
        assert (folder / name).read_bytes() == (served / name).read_bytes()
    # progress: every file reported, ending at its full size
    for name in (PROTOTXT, HULL, CAFFEMODEL):
        mine = [c for c in calls if c[0] == name]
        assert mine, name
        size = (served / name).stat().st_size
        assert mine[-1][1:] == (size, size)
        assert [c[1] for c in mine] == sorted(c[1] for c in mine)
    # and the model is now usable
    info = core.available_models()["eccv16"]
    assert info.available
    img = np.random.default_rng(0).integers(0, 256, (40, 50, 3), dtype=np.uint8)
    assert core.colorize(img, model="eccv16").shape == (40, 50, 3)

    # a second fetch finds the verified files and downloads nothing
    n = len(requests_seen)
    weights.fetch("eccv16")
    assert len(requests_seen) == n
    # force downloads again
    weights.fetch("eccv16", force=True)
    assert len(requests_seen) == n + 3


def test_fetch_replaces_a_damaged_local_file(server, home, monkeypatch):
    base, served, requests_seen = server
    monkeypatch.setitem(weights.REMOTES, "eccv16", _remotes(base, served))
    weights.fetch("eccv16")
    target = home / "eccv16" / CAFFEMODEL
    target.write_bytes(b"damaged")
    n = len(requests_seen)
    weights.fetch("eccv16")
    assert len(requests_seen) == n + 1 and requests_seen[-1] == f"/{CAFFEMODEL}"
    assert target.read_bytes() == (served / CAFFEMODEL).read_bytes()


def test_fetch_into_an_explicit_folder(server, tmp_path, monkeypatch):
    base, served, _ = server
    monkeypatch.setitem(weights.REMOTES, "eccv16", _remotes(base, served))
    dest = tmp_path / "elsewhere" / "deep"
    assert weights.fetch("eccv16", folder=dest) == dest
    assert _leftovers(dest) == sorted([PROTOTXT, HULL, CAFFEMODEL])


def test_weights_main_fetch(server, home, monkeypatch, capsys):
    base, served, _ = server
    monkeypatch.setitem(weights.REMOTES, "eccv16", _remotes(base, served))
    from core.cli.weights import main as weights_main

    assert weights_main(["fetch", "eccv16"]) == 0
    assert "eccv16 weights ready in" in capsys.readouterr().out
    monkeypatch.setitem(weights.REMOTES, "eccv16", _remotes(base, served, bad_sha1_for=CAFFEMODEL))
    assert weights_main(["fetch", "eccv16", "--force"]) == 1
    assert "error:" in capsys.readouterr().err


# --- bad downloads leave nothing behind ------------------------------------------------------------

@pytest.mark.parametrize("tampered", [PROTOTXT, HULL, CAFFEMODEL])
def test_wrong_sha1_raises_and_leaves_no_file(server, home, monkeypatch, tampered):
    base, served, _ = server
    monkeypatch.setitem(weights.REMOTES, "eccv16", _remotes(base, served, bad_sha1_for=tampered))
    with pytest.raises(FetchError, match="does not match"):
        weights.fetch("eccv16")
    left = _leftovers(home / "eccv16")
    assert tampered not in left
    assert not [f for f in left if f.endswith(".part")]
    assert not core.available_models()["eccv16"].available


def test_a_tampered_file_on_the_server(server, home, monkeypatch):
    base, served, _ = server
    remotes = _remotes(base, served)
    (served / CAFFEMODEL).write_bytes((served / CAFFEMODEL).read_bytes() + b"\x00")  # pinned hash no longer fits
    monkeypatch.setitem(weights.REMOTES, "eccv16", [r for r in remotes if r.filename == CAFFEMODEL])
    with pytest.raises(FetchError, match="tampered or truncated"):
        weights.fetch("eccv16")
    assert _leftovers(home / "eccv16") == []


def test_not_a_npy_file(server, home, monkeypatch):
    base, served, _ = server
    (served / "fake.npy").write_bytes(b"<html>not found</html>")
    remote = Remote(HULL, f"{base}/fake.npy", "", 0.001, content_sha1=weights.npy_content_sha1(served / HULL))
    monkeypatch.setitem(weights.REMOTES, "eccv16", [remote])
    with pytest.raises(FetchError, match="not a valid .npy"):
        weights.fetch("eccv16")
    assert _leftovers(home / "eccv16") == []


def test_unreachable_server_says_offline_and_leaves_nothing(home, monkeypatch):
    port = _closed_port()
    remote = Remote(CAFFEMODEL, f"http://127.0.0.1:{port}/{CAFFEMODEL}", "0" * 40, 129.0)
    monkeypatch.setitem(weights.REMOTES, "eccv16", [remote])
    with pytest.raises(FetchError) as exc:
        weights.fetch("eccv16")
    assert "offline" in str(exc.value)
    assert CAFFEMODEL in str(exc.value)
    assert _leftovers(home / "eccv16") == []
    assert not (home / "eccv16").exists() and not home.exists()     # no empty folder left behind either


def test_a_failed_fetch_keeps_a_folder_that_was_there(home, monkeypatch):
    (home / "eccv16").mkdir(parents=True)
    monkeypatch.setitem(weights.REMOTES, "eccv16",
                        [Remote(CAFFEMODEL, f"http://127.0.0.1:{_closed_port()}/x", "0" * 40, 1.0)])
    with pytest.raises(FetchError):
        weights.fetch("eccv16")
    assert (home / "eccv16").is_dir()


def test_http_404_leaves_nothing(server, home, monkeypatch):
    base, _, _ = server
    monkeypatch.setitem(weights.REMOTES, "eccv16", [Remote(CAFFEMODEL, f"{base}/missing.bin", "0" * 40, 1.0)])
    with pytest.raises(FetchError, match="Could not download"):
        weights.fetch("eccv16")
    assert _leftovers(home / "eccv16") == []


def test_truncated_response_leaves_nothing(server, home, monkeypatch):
    base, served, _ = server
    remote = Remote("big.bin", f"{base}/short/big.bin", _sha1(served / "big.bin"), 0.3)
    monkeypatch.setitem(weights.REMOTES, "eccv16", [remote])
    calls = []
    with pytest.raises(FetchError, match="cut short"):
        weights.fetch("eccv16", progress=lambda f, d, t: calls.append((d, t)))
    assert _leftovers(home / "eccv16") == []
    assert calls and all(d < t for d, t in calls)     # never reached the announced length


def test_unknown_name():
    with pytest.raises(FetchError, match="nothing to fetch"):
        weights.fetch("autoencoder")


# --- pins and paths -------------------------------------------------------------------------------

def test_pinned_release_hashes():
    pins = {r.filename: r for r in weights.REMOTES["eccv16"]}
    assert set(pins) == {PROTOTXT, HULL, CAFFEMODEL}
    assert pins[PROTOTXT].sha1 == "f528334e386a69cbaaf237a7611d833bef8e5219"
    assert pins[CAFFEMODEL].sha1 == "21e61293a3fa6747308171c11b6dd18a68a26e7f"
    assert pins[HULL].content_sha1 and not pins[HULL].sha1
    for r in pins.values():
        assert r.url.startswith(("http://", "https://")) and r.url.endswith(r.filename)


def test_npy_content_sha1_ignores_the_file_format(tmp_path):
    pts = np.arange(10, dtype=np.int64).reshape(5, 2)
    np.save(tmp_path / "a.npy", pts)
    np.save(tmp_path / "b.npy", pts.astype(np.int32))           # another dtype, same values
    np.save(tmp_path / "c.npy", np.asfortranarray(pts))         # another memory order
    h = weights.npy_content_sha1(tmp_path / "a.npy")
    assert h == hashlib.sha1(pts.tobytes()).hexdigest()
    assert weights.npy_content_sha1(tmp_path / "b.npy") == h
    assert weights.npy_content_sha1(tmp_path / "c.npy") == h


def test_home_and_autoencoder_path(monkeypatch, tmp_path):
    monkeypatch.delenv("COLORIZER_HOME", raising=False)
    monkeypatch.delenv("COLORIZER_AUTOENCODER", raising=False)
    assert weights.home() == weights.PROJECT_DIR / "models"
    assert weights.autoencoder_path() == weights.PROJECT_DIR / "models" / "autoencoder.keras"
    monkeypatch.setenv("COLORIZER_HOME", str(tmp_path))
    monkeypatch.setenv("COLORIZER_AUTOENCODER", str(tmp_path / "x.keras"))
    assert weights.home() == tmp_path
    assert weights.autoencoder_path() == tmp_path / "x.keras"


@pytest.mark.skipif(not (Path(__file__).resolve().parents[2] / "shared" / "reference" / "caffe" / HULL).is_file(),
                    reason="needs ../shared/reference/caffe")
def test_real_reference_files_match_the_pins():
    ref = Path(__file__).resolve().parents[2] / "shared" / "reference" / "caffe"
    pins = {r.filename: r for r in weights.REMOTES["eccv16"]}
    weights.verify(pins[PROTOTXT], ref / PROTOTXT)
    weights.verify(pins[HULL], ref / HULL)


# --- a server that sends more than the pin, or too slowly (issue 24, defect 6) ------------------------


@pytest.mark.parametrize("prefix", ["endless", "huge"])
def test_a_download_far_over_its_pinned_size_is_stopped_and_leaves_nothing(server, home, monkeypatch, prefix):
    base, served, _ = server
    remotes = _remotes(base, served, url_for={PROTOTXT: f"{base}/{prefix}/{PROTOTXT}"})
    monkeypatch.setitem(weights.REMOTES, "eccv16", remotes)
    limit = weights.max_bytes(remotes[0])
    assert limit < 2_000_000                                   # pinned 0.001 MB: a little over, not 300 MB
    t0 = time.monotonic()
    with pytest.raises(FetchError, match=f"more than the {limit} (bytes )?expected"):
        weights.fetch("eccv16")
    assert time.monotonic() - t0 < 10                          # stopped early, not after 256 MiB
    assert _leftovers(home / "eccv16") == []
    assert not home.exists() or not any(home.rglob("*"))


def test_a_download_over_its_total_time_is_stopped_and_leaves_nothing(server, home, monkeypatch):
    base, served, _ = server
    remotes = _remotes(base, served, url_for={PROTOTXT: f"{base}/slow/{PROTOTXT}"})
    monkeypatch.setitem(weights.REMOTES, "eccv16", remotes)
    monkeypatch.setattr(weights, "MIN_TOTAL_SECONDS", 0.3)
    monkeypatch.setattr(weights, "SECONDS_PER_MB", 0.0)
    with pytest.raises(FetchError, match=r"stopped after 0 s .*too slow"):
        weights.fetch("eccv16")                                # each read is quick, the whole is too slow
    assert _leftovers(home / "eccv16") == []

