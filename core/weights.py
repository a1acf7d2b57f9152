"""Where model weights live, the hash-checked eccv16 download, and how commands are spelled for users.

The command line is ``python -m core weights fetch eccv16`` / ``... weights status`` (:mod:`core.cli.weights`).

The eccv16 files are stored as
``$COLORIZER_HOME/eccv16/{colorization_deploy_v2.prototxt,
colorization_release_v2.caffemodel, pts_in_hull.npy}``; ``COLORIZER_HOME``
defaults to the project's ``models/`` folder. Each download goes to a
temporary file that is only moved into place after its SHA-1 matches the pin;
a bad hash or a broken connection leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
SHIPPED_DIR = PROJECT_DIR / "models"


def home() -> Path:
    """``$COLORIZER_HOME`` (default: the project's ``models/`` folder)."""
    return Path(os.environ.get("COLORIZER_HOME") or SHIPPED_DIR)


def autoencoder_path() -> Path:
    return Path(os.environ.get("COLORIZER_AUTOENCODER") or SHIPPED_DIR / "autoencoder.keras")


def effnet_weights_path() -> Path:
    return SHIPPED_DIR / "efficientnet_lite0.weights.h5"


def effnet_classifier_path() -> Path:
    """The whole ImageNet classifier (made by tools/convert_efficientnet.py; dev only, for the semantic check)."""
    return SHIPPED_DIR / "efficientnet_lite0_classifier.weights.h5"


@dataclass(frozen=True)
class Remote:
    filename: str
    url: str
    sha1: str              # SHA-1 of the file's bytes ("" = check ``content_sha1`` instead)
    size_mb: float
    content_sha1: str = ""  # for .npy: SHA-1 of the int64 array values


ECCV16 = [
    Remote("colorization_deploy_v2.prototxt",
           "https://raw.githubusercontent.com/richzhang/colorization/caffe/models/colorization_deploy_v2.prototxt",
           "f528334e386a69cbaaf237a7611d833bef8e5219", 0.01),
    Remote("pts_in_hull.npy",
           "https://raw.githubusercontent.com/richzhang/colorization/caffe/resources/pts_in_hull.npy",
           "", 0.005, content_sha1="283817b625ba6d9a0ba5d573c362991ec323e0d2"),
    Remote("colorization_release_v2.caffemodel",
           "http://eecs.berkeley.edu/~rich.zhang/projects/2016_colorization/files/demo_v2/"
           "colorization_release_v2.caffemodel",
           "21e61293a3fa6747308171c11b6dd18a68a26e7f", 129.0),
]
REMOTES = {"eccv16": ECCV16}

PYTHON = ".venv/bin/python"     # the interpreter the README's set-up creates


def command(args: str) -> str:
    """How a user runs an engine command, spelled the same everywhere (README, CLI, app)."""
    return f"{PYTHON} -m core {args}"


def fetch_command(name: str) -> str:
    return command(f"weights fetch {name}")


def download_mb(name: str) -> float:
    """Size in MB of the files :func:`fetch` downloads for ``name``."""
    return float(sum(r.size_mb for r in REMOTES[name]))


class FetchError(RuntimeError):
    """A download failed; nothing partial was left behind."""


def sha1_file(path) -> str:
    h = hashlib.sha1()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def npy_content_sha1(path) -> str:
    import numpy as np

    arr = np.load(path, allow_pickle=False)
    return hashlib.sha1(np.ascontiguousarray(arr.astype(np.int64)).tobytes()).hexdigest()


def verify(remote: Remote, path) -> None:
    """Raise FetchError when ``path`` does not match the pin of ``remote``."""
    if remote.sha1:
        got = sha1_file(path)
        if got != remote.sha1:
            raise FetchError(f"{remote.filename}: SHA-1 {got} does not match the pinned {remote.sha1} "
                             "(tampered or truncated download); the file was deleted")
    if remote.content_sha1:
        try:
            got = npy_content_sha1(path)
        except Exception as e:  # noqa: BLE001 - any unreadable file is a bad download
            raise FetchError(f"{remote.filename}: not a valid .npy file ({e}); the file was deleted") from None
        if got != remote.content_sha1:
            raise FetchError(f"{remote.filename}: content SHA-1 {got} does not match the pinned "
                             f"{remote.content_sha1}; the file was deleted")


SIZE_MARGIN_BYTES = 1 << 20    # a download may be this much larger than its pin, then it is stopped
MIN_TOTAL_SECONDS = 120.0      # the whole download of one file may take this long ...
SECONDS_PER_MB = 10.0          # ... plus this per pinned MB (0.1 MB/s), then it is stopped


def max_bytes(remote: Remote) -> int:
    """The most bytes :func:`fetch` reads for ``remote``: its pinned size plus a little."""
    return int(remote.size_mb * 1_000_000 * 1.1) + SIZE_MARGIN_BYTES


def total_seconds(remote: Remote) -> float:
    """The total time :func:`fetch` allows for ``remote`` (besides the per-read timeout)."""
    return MIN_TOTAL_SECONDS + SECONDS_PER_MB * remote.size_mb


def _download(url: str, dest: Path, progress=None, timeout: float = 30.0,
              limit: int | None = None, deadline: float | None = None) -> None:
    """Stream ``url`` into ``dest``; stop with FetchError past ``limit`` bytes or ``deadline`` seconds in all."""
    import requests

    start = time.monotonic()
    with requests.get(url, stream=True, timeout=timeout) as r:
        r.raise_for_status()
        total = int(r.headers.get("content-length") or 0)
        if limit is not None and total > limit:
            raise FetchError(f"{url} announces {total} bytes, more than the {limit} expected; "
                             "not downloaded (wrong or tampered address)")
        done = 0
        with open(dest, "wb") as fh:
            try:
                for chunk in r.iter_content(chunk_size=1 << 16):
                    fh.write(chunk)
                    done += len(chunk)
                    if limit is not None and done > limit:
                        raise FetchError(f"download of {url} stopped: more than the {limit} bytes expected "
                                         "(wrong or tampered address); the file was deleted")
                    if deadline is not None and time.monotonic() - start > deadline:
                        raise FetchError(f"download of {url} stopped after {deadline:.0f} s ({done} bytes); "
                                         "the connection is too slow, please try again")
                    if progress:
                        progress(done, total)
            except requests.exceptions.ChunkedEncodingError:
                # the connection broke mid-file: not an offline problem, say what happened
                raise FetchError(f"download of {url} was cut short ({done} of {total or '?'} bytes); "
                                 "please try again") from None
    if total and done != total:
        raise FetchError(f"download of {url} was cut short ({done} of {total} bytes)")


def fetch(name: str = "eccv16", folder: Path | None = None, progress=None, force: bool = False) -> Path:
    """Download the files of ``name`` into ``folder`` (default ``$COLORIZER_HOME/<name>``).

    ``progress(filename, done_bytes, total_bytes)`` is called while downloading.
    Files already present and matching their pin are kept. Raises FetchError; a failed fetch
    removes the folders it created (when they are still empty).
    """
    if name not in REMOTES:
        raise FetchError(f"nothing to fetch for {name!r}; known: {', '.join(REMOTES)}")
    folder = Path(folder or home() / name)
    created = [d for d in (folder, *folder.parents) if not d.exists()]     # deepest first
    folder.mkdir(parents=True, exist_ok=True)
    try:
        _fetch_into(folder, REMOTES[name], progress, force)
    except BaseException:
        for d in created:               # a failed first fetch leaves no empty folder behind
            try:
                d.rmdir()
            except OSError:             # not empty (a file that did verify is kept), or gone
                break
        raise
    return folder


def _fetch_into(folder: Path, remotes: list[Remote], progress, force: bool) -> None:
    import requests

    for remote in remotes:
        final = folder / remote.filename
        if final.exists() and not force:
            try:
                verify(remote, final)
                continue
            except FetchError:
                final.unlink()
        fd, tmp = tempfile.mkstemp(prefix=remote.filename + ".", suffix=".part", dir=folder)
        os.close(fd)
        tmp = Path(tmp)
        try:
            cb = (lambda d, t, f=remote.filename: progress(f, d, t)) if progress else None
            _download(remote.url, tmp, cb, limit=max_bytes(remote), deadline=total_seconds(remote))
            verify(remote, tmp)
            shutil.move(str(tmp), final)
        except requests.exceptions.RequestException as e:
            raise FetchError(f"Could not download {remote.filename} from {remote.url}: {type(e).__name__}. "
                             "Are you offline? Try again with an internet connection.") from None
        except OSError as e:
            raise FetchError(f"Could not write {final}: {e}") from None
        finally:
            if tmp.exists():
                tmp.unlink()


if __name__ == "__main__":      # the old spelling, python -m core.weights ..., is forwarded to python -m core weights
    import runpy
    import sys

    sys.argv[1:1] = ["weights"]
    runpy.run_module("core", run_name="__main__", alter_sys=True)
