"""The Old film page's glue: the session's clip, the preview, and the colouring job that runs in a background
thread (one per session, a few per server) while the page polls its progress.

The numbers are :mod:`core.video`'s. A clip is a file on disk (PyAV reads files): each session gets a private
temporary folder for its upload and its result, removed when a new clip replaces them, when the session is
gone, or when the server stops.
"""

from __future__ import annotations

import atexit
import functools
import hashlib
import logging
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import streamlit as st

from core import ModelUnavailable
from core import video as core_video
from core.images import fit_within
from core.video import Cancelled, VideoError, VideoInfo, VideoResult
from ui import models as ui_models
from ui import notices

UPLOAD_TYPES = ["mp4", "m4v", "mov", "webm", "mkv", "avi", "gif"]
MAX_UPLOAD_MB = 50                 # the server's upload cap too (.streamlit/config.toml)
POLL_SECONDS = 1.0                 # how often the progress bar is redrawn while a clip is coloured
MAX_RUNNING = 1                    # clips coloured at once on this server; more wait their turn (2 CPU cores)
PREVIEW_SIDE = 640                 # preview pictures are shown at most this large
_log = logging.getLogger(__name__)


# --------------------------------------------------------------------------- each session's folder


_folders: dict[str, Path] = {}     # session id -> its private folder
_folders_lock = threading.Lock()


def _session_id() -> str:
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


def _folder() -> Path:
    """The session's private folder (created on first use); folders of sessions that are gone are removed."""
    sid = _session_id()
    with _folders_lock:
        for other, path in list(_folders.items()):
            if other != sid and not session_alive(other) and not _busy(other):
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


# --------------------------------------------------------------------------- the clip


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


def clip() -> Clip | None:
    return st.session_state.get("film_clip")


def _set_clip(new: Clip | None) -> None:
    old = clip()
    if old is not None and not old.sample and (new is None or new.path != old.path):
        shutil.rmtree(old.path.parent, ignore_errors=True)
    st.session_state["film_clip"] = new
    st.session_state.pop("film_problem", None)
    forget_result()


def use_sample() -> None:
    """Take the built-in sample clip (made on first use, then cached)."""
    try:
        path = core_video.sample_clip()
        info = core_video.probe(path)
    except (OSError, VideoError) as e:
        st.session_state["film_problem"] = f"The sample clip could not be made: {notices.no_paths(e)}"
        return
    st.session_state["film_uploader_n"] = st.session_state.get("film_uploader_n", 0) + 1     # empty the box
    _set_clip(Clip(f"sample-{path.name}", "Sample: the photographer (a slow zoom out)", path, info, sample=True))


def take_upload(upload) -> None:
    """Take an uploaded clip (once per file): check its size, store it in the session's folder, read its
    header; a problem becomes the page's message and the clip is not kept."""
    if upload is None or st.session_state.get("film_upload_id") == upload.file_id:
        return
    st.session_state["film_upload_id"] = upload.file_id
    if upload.size > MAX_UPLOAD_MB * 1024 * 1024:
        st.session_state["film_problem"] = (f"**{upload.name}** is {upload.size / 1e6:.0f} MB; clips up to "
                                            f"{MAX_UPLOAD_MB} MB can be uploaded. Cut it shorter or make it smaller.")
        return
    data = upload.getvalue()
    key = hashlib.sha1(data).hexdigest()[:16]
    current = clip()
    if current is not None and current.key == key:
        return
    if _busy(_session_id()):
        st.session_state["film_problem"] = "Wait for the clip being coloured to finish (or cancel it) first."
        return
    from core.figures.export import safe_stem

    suffix = Path(upload.name).suffix.lower()
    folder = _folder() / key                  # the file keeps (a safe form of) its name: messages name it
    folder.mkdir(exist_ok=True)
    path = folder / f"{safe_stem(upload.name)}{suffix if suffix[1:] in UPLOAD_TYPES else ''}"
    path.write_bytes(data)
    try:
        info = core_video.probe(path)
        core_video.limits.check(info.width, info.height, info.duration, info.frames)
    except VideoError as e:
        shutil.rmtree(folder, ignore_errors=True)
        st.session_state["film_problem"] = notices.no_paths(str(e).replace(path.name, upload.name))
        return
    _set_clip(Clip(key, upload.name, path, info))


def limits_text() -> str:
    """``At most 60 megapixel-seconds: for example 65 s at 1280 × 720 or 4 min 20 s at 640 × 360.``"""
    lim = core_video.limits
    return (f"At most {lim.max_megapixel_seconds():g} megapixel-seconds: for example "
            f"{lim.duration_text(lim.longest_allowed(1280, 720), down=True)} at 1280 × 720 or "
            f"{lim.duration_text(lim.longest_allowed(640, 360), down=True)} at 640 × 360.")


def problem() -> str | None:
    return st.session_state.get("film_problem")


def clear_clip() -> None:
    st.session_state["film_upload_id"] = None
    st.session_state["film_uploader_n"] = st.session_state.get("film_uploader_n", 0) + 1
    _set_clip(None)


def uploader_key() -> str:
    """The upload box's key (a new one empties it)."""
    return f"film_upload_{st.session_state.get('film_uploader_n', 0)}"


def show_original(c: Clip, caption: str = "Original") -> None:
    """The clip as it is: played when browsers can, an animated GIF as a picture, else its middle frame."""
    if c.mime:
        st.video(c.path, format=c.mime)
        st.caption(caption)
    elif c.is_gif:
        st.image(c.path.read_bytes(), caption=caption, width="stretch")
    else:
        try:
            st.image(fit_within(core_video.read_frame(c.path, 0.5), PREVIEW_SIDE), width="stretch",
                     caption=f"{caption} (middle frame: browsers cannot play this {c.info.codec} clip as it is; "
                             "the coloured result is an MP4 that plays everywhere)")
        except VideoError as e:
            st.warning(notices.no_paths(e))


# --------------------------------------------------------------------------- model, smoothing, preview


def model_choice(key: str = "film_model") -> str:
    """One model (the first one chosen on the Colorize page, until changed here)."""
    infos = ui_models.infos()
    names = list(infos)
    if st.session_state.get(key) not in names:
        from ui import settings

        st.session_state[key] = next((m for m in settings.models() if m in names), names[0])

    def label(name: str) -> str:
        info = infos[name]
        return info.title if info.available else f"{info.title} (not downloaded)"

    return st.selectbox("Model", names, format_func=label, key=key,
                        help="The network that colours each frame. Autoencoder (ours) is this project's; "
                             "Grayscale adds no colour (a reference).")


def smoothing_choice(key: str = "film_smoothing") -> str:
    if st.session_state.get(key) not in core_video.SMOOTHING:
        st.session_state[key] = core_video.SMOOTHING[0]
    return st.radio(
        "Smoothing over time", list(core_video.SMOOTHING), format_func=core_video.TITLES.get, key=key,
        help="Each frame is coloured on its own, so colours can flicker from frame to frame. Motion-compensated "
             "smoothing follows what moves (optical flow) and blends each frame's colours with the previous "
             "frame's, and starts afresh at a scene cut. The running average ignores motion: it smears colour "
             "when things move and carries it across cuts.")


def preview(c: Clip, model: str, render_factor: int, position: float) -> tuple[np.ndarray, np.ndarray]:
    """(grey frame, coloured frame) at ``position`` (0-1) of the clip, kept for the session."""
    store = st.session_state.setdefault("film_previews", {})
    key = (c.key, model, render_factor, round(position, 3))
    if key not in store:
        colorizer = ui_models.get(model)
        lo, hi = colorizer.render_factor_range
        grey, coloured = core_video.preview(c.path, colorizer, min(max(render_factor, lo), hi), position)
        store.clear()                                   # one preview at a time is enough
        store[key] = (fit_within(grey, PREVIEW_SIDE), fit_within(coloured, PREVIEW_SIDE))
    return store[key]


# --------------------------------------------------------------------------- the background job


_slots = threading.BoundedSemaphore(MAX_RUNNING)
_jobs: dict[str, Job] = {}         # session id -> its latest job
_jobs_lock = threading.Lock()


def _busy(session_id: str) -> bool:
    job = _jobs.get(session_id)
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
                smoothing=self.smoothing, progress=self._progress, cancel=self._stop)
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
    return st.session_state.get("film_job")


def forget_result() -> None:
    """Drop the session's finished job and its file (a running one is cancelled)."""
    old = st.session_state.pop("film_job", None)
    if old is not None:
        old.cancel.set()
        if not old.active:
            old.out.unlink(missing_ok=True)


def start(c: Clip, model: str, render_factor: int, smoothing: str) -> None:
    """Start colouring the clip in a background thread (the Colorize button's callback)."""
    sid = _session_id()
    if _busy(sid):
        return
    try:
        colorizer = ui_models.get(model)                 # loaded here, in the page's thread (st.cache_resource)
    except ModelUnavailable as e:
        st.session_state["film_problem"] = notices.no_paths(e)
        return
    lo, hi = colorizer.render_factor_range
    forget_result()
    out = _folder() / f"result-{c.key}-{model}-{time.monotonic_ns()}.mp4"
    new = Job(c, colorizer, model, ui_models.title(model), min(max(int(render_factor), lo), hi), smoothing, out, sid)
    with _jobs_lock:
        _jobs[sid] = new
    st.session_state["film_job"] = new
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

