"""The Old film page's background job: one clip coloured in a thread per session (a few per server), its
progress polled by a fragment, and each session's private folder for its upload and result (removed when a
new clip replaces them, when the session is gone, or when the server stops).
"""

from __future__ import annotations

import atexit
import functools
import logging
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import streamlit as st

from core import ModelUnavailable
from core import video as core_video
from core.credentials import Signing
from core.video import Cancelled, VideoError, VideoInfo, VideoResult
from ui import models as ui_models
from ui import notices, state

POLL_SECONDS = 1.0                 # how often the progress bar is redrawn while a clip is coloured
MAX_RUNNING = 1                    # clips coloured at once on this server; more wait their turn (2 CPU cores)
_log = logging.getLogger(__name__)


# --------------------------------------------------------------------------- the clip (what a job colours)


@dataclass(frozen=True)
class Clip:
    key: str               # content hash
    name: str              # what the visitor called it
    path: Path
    info: VideoInfo
    sample: bool = False

    @property
    def stem(self) -> str:
        """The start of the download's name: the upload's own name, or "sample_clip"."""
        from core.figures.export import safe_stem

        return "sample_clip" if self.sample else safe_stem(self.name)

    @property
    def mime(self) -> str | None:
        """The type a browser plays this clip as, or None when browsers cannot play it (AVI, MKV with H.264 ...)."""
        codec, fmt = self.info.codec, self.info.container
        if codec == "h264" and fmt.startswith("mov"):
            return "video/mp4"
        if codec in ("vp8", "vp9", "av1") and "webm" in fmt:
            return "video/webm"
        return None

    @property
    def is_gif(self) -> bool:
        return self.info.container == "gif"


# --------------------------------------------------------------------------- each session's folder


_folders: dict[str, Path] = {}     # session id -> its private folder
_folders_lock = threading.Lock()


def session_id() -> str:
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else "no-session"


def session_alive(session_id: str) -> bool:
    """False once the visitor's session has ended (closed tab, expired); True outside a Streamlit server."""
    from streamlit import runtime

    if not runtime.exists() or session_id == "no-session":
        return True
    try:
        return runtime.get_instance().is_active_session(session_id)
    except RuntimeError:
        return True


def session_folder() -> Path:
    """The session's private folder (created on first use); folders of sessions that are gone are removed."""
    sid = session_id()
    with _folders_lock:
        for other, path in list(_folders.items()):
            if other != sid and not session_alive(other) and not busy_session(other):
                shutil.rmtree(path, ignore_errors=True)
                del _folders[other]
        path = _folders.get(sid)
        if path is None or not path.is_dir():
            path = Path(tempfile.mkdtemp(prefix="colorization-film-"))       # mode 0700
            _folders[sid] = path
        return path


@atexit.register
def _remove_folders() -> None:
    with _folders_lock:
        for path in _folders.values():
            shutil.rmtree(path, ignore_errors=True)
        _folders.clear()


# --------------------------------------------------------------------------- the background job


_slots = threading.BoundedSemaphore(MAX_RUNNING)
_jobs: dict[str, Job] = {}         # session id -> its latest job
_jobs_lock = threading.Lock()


def busy_session(sid: str) -> bool:
    job = _jobs.get(sid)
    return job is not None and job.active


@dataclass
class Job:
    """One clip coloured in a background thread. The thread only writes these fields; the page reads them."""

    clip: Clip
    colorizer: object                     # the shared model instance (thread-safe), loaded by the page
    model: str
    model_title: str
    render_factor: int
    smoothing: str
    out: Path
    session_id: str
    state: str = "queued"                 # queued, running, done, failed, cancelled
    done: int = 0
    total: int = 0
    started: float = 0.0                  # time.monotonic() when it started colouring
    error: str | None = None
    result: VideoResult | None = None
    cancel: threading.Event = field(default_factory=threading.Event)

    @property
    def active(self) -> bool:
        return self.state in ("queued", "running")

    @property
    def fraction(self) -> float:
        return min(1.0, self.done / self.total) if self.total else 0.0

    def status(self) -> str:
        """``Frame 37 of 96 · 11.2 frames/s · about 5 s left``"""
        if self.state == "queued":
            return "Waiting for another clip on this server to finish…"
        if self.done == 0:
            return "Starting (loading the model, reading the clip)…"
        rate = self.done / max(time.monotonic() - self.started, 1e-6)
        left = max(self.total - self.done, 0) / rate if rate > 0 else 0.0
        return (f"Frame {self.done} of {self.total} · {rate:.1f} frames/s · "
                f"about {core_video.limits.duration_text(left)} left")

    def _progress(self, done: int, total: int) -> None:
        self.done, self.total = done, total

    def _stop(self) -> bool:
        if self.cancel.is_set():
            return True
        if self.done % 25 == 0 and not session_alive(self.session_id):     # the visitor has gone
            self.cancel.set()
        return self.cancel.is_set()

    def run(self) -> None:
        while not _slots.acquire(timeout=0.2):
            if self._stop():
                self.state = "cancelled"
                return
        try:
            self.state, self.started, self.total = "running", time.monotonic(), self.clip.info.frames
            self.result = core_video.colorize_video(
                self.clip.path, self.out, model=self.colorizer, render_factor=self.render_factor,
                smoothing=self.smoothing, progress=self._progress, cancel=self._stop,
                credentials=Signing.from_env())
            self.state = "done"
        except Cancelled:
            self.state = "cancelled"
        except (VideoError, ModelUnavailable, ValueError) as e:
            self.error = notices.no_paths(str(e).replace(self.clip.path.name, self.clip.name))
            self.state = "failed"
        except MemoryError:
            self.error, self.state = "There was not enough memory for this clip; try a smaller one.", "failed"
        except Exception as e:  # noqa: BLE001 - a background thread: the visitor gets a message, the log the rest
            _log.exception("colouring a clip failed")
            self.error = f"Something went wrong while colouring the clip ({type(e).__name__}); nothing was kept."
            self.state = "failed"
        finally:
            _slots.release()


def job() -> Job | None:
    return state.FILM_JOB.get()


def forget_result() -> None:
    """Drop the session's finished job and its file (a running one is cancelled)."""
    old = state.FILM_JOB.pop()
    if old is not None:
        old.cancel.set()
        if not old.active:
            old.out.unlink(missing_ok=True)


def start(c: Clip, model: str, render_factor: int, smoothing: str) -> None:
    """Start colouring the clip in a background thread (the Colorize button's callback)."""
    sid = session_id()
    if busy_session(sid):
        return
    try:
        colorizer = ui_models.get(model)                 # loaded here, in the page's thread (st.cache_resource)
    except ModelUnavailable as e:
        state.FILM_PROBLEM.set(notices.no_paths(e))
        return
    lo, hi = colorizer.render_factor_range
    forget_result()
    out = session_folder() / f"result-{c.key}-{model}-{time.monotonic_ns()}.mp4"
    new = Job(c, colorizer, model, ui_models.title(model), min(max(int(render_factor), lo), hi), smoothing, out, sid)
    with _jobs_lock:
        _jobs[sid] = new
    state.FILM_JOB.set(new)
    threading.Thread(target=new.run, name=f"old-film-{sid[:8]}", daemon=True).start()


def download_name(j: Job) -> str:
    return f"{j.clip.stem}_{j.model}.mp4"


def result_bytes(j: Job):
    """A function that reads the result when the download is clicked (not at every rerun)."""
    return functools.partial(Path.read_bytes, j.out)


def progress_panel(j: Job) -> None:
    """The progress bar and the Cancel button, redrawn every POLL_SECONDS without rerunning the page; when the
    job ends, the whole page is drawn again with the result."""

    @st.fragment(run_every=POLL_SECONDS)
    def panel() -> None:
        if not j.active:
            st.rerun(scope="app")
        st.progress(j.fraction, text=j.status())
        st.button("Cancel", key="film_cancel", icon=":material/stop_circle:", on_click=j.cancel.set,
                  disabled=j.cancel.is_set(), help="Stop; nothing is kept.")

    panel()


SMOOTHING_WORDS = {"flow": "motion-compensated smoothing", "none": "no smoothing", "average": "running average"}


def settings_text(j: Job) -> str:
    """``Autoencoder (ours), render factor 12, motion-compensated smoothing``"""
    return f"{j.model_title}, render factor {j.render_factor}, {SMOOTHING_WORDS.get(j.smoothing, j.smoothing)}"
