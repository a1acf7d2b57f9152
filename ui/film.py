"""The Old film page's glue: the session's clip (the sample, or an upload kept in the session's folder), the
model and smoothing choices, and the preview. The background job is :mod:`ui.film_job`.

The numbers are :mod:`core.video`'s.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import numpy as np
import streamlit as st

from core import video as core_video
from core.images import fit_within
from core.video import VideoError
from ui import film_job, notices, state
from ui import models as ui_models
from ui.film_job import Clip
from ui.film_job import busy_session as _busy
from ui.film_job import session_folder as _folder
from ui.film_job import session_id as _session_id

UPLOAD_TYPES = ["mp4", "m4v", "mov", "webm", "mkv", "avi", "gif"]
MAX_UPLOAD_MB = 50                 # the server's upload cap too (.streamlit/config.toml)
PREVIEW_SIDE = 640                 # preview pictures are shown at most this large


# --------------------------------------------------------------------------- the clip


def clip() -> Clip | None:
    return state.FILM_CLIP.get()


def _set_clip(new: Clip | None) -> None:
    old = clip()
    if old is not None and not old.sample and (new is None or new.path != old.path):
        shutil.rmtree(old.path.parent, ignore_errors=True)
    state.FILM_CLIP.set(new)
    state.FILM_PROBLEM.clear()
    film_job.forget_result()


def use_sample() -> None:
    """Take the built-in sample clip (made on first use, then cached)."""
    try:
        path = core_video.sample_clip()
        info = core_video.probe(path)
    except (OSError, VideoError) as e:
        state.FILM_PROBLEM.set(f"The sample clip could not be made: {notices.no_paths(e)}")
        return
    state.FILM_UPLOADS.empty()
    _set_clip(Clip(f"sample-{path.name}", "Sample: the photographer (a slow zoom out)", path, info, sample=True))


def take_upload(upload) -> None:
    """Take an uploaded clip (once per file): check its size, store it in the session's folder, read its
    header; a problem becomes the page's message and the clip is not kept."""
    if upload is None or state.FILM_UPLOAD_ID.get() == upload.file_id:
        return
    state.FILM_UPLOAD_ID.set(upload.file_id)
    if upload.size > MAX_UPLOAD_MB * 1024 * 1024:
        state.FILM_PROBLEM.set(f"**{upload.name}** is {upload.size / 1e6:.0f} MB; clips up to {MAX_UPLOAD_MB} MB "
                               "can be uploaded. Cut it shorter or make it smaller.")
        return
    data = upload.getvalue()
    key = hashlib.sha1(data).hexdigest()[:16]
    current = clip()
    if current is not None and current.key == key:
        return
    if _busy(_session_id()):
        state.FILM_PROBLEM.set("Wait for the clip being coloured to finish (or cancel it) first.")
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
        state.FILM_PROBLEM.set(notices.no_paths(str(e).replace(path.name, upload.name)))
        return
    _set_clip(Clip(key, upload.name, path, info))


def limits_text() -> str:
    """``At most 60 megapixel-seconds: for example 65 s at 1280 × 720 or 4 min 20 s at 640 × 360.``"""
    lim = core_video.limits
    return (f"At most {lim.max_megapixel_seconds():g} megapixel-seconds: for example "
            f"{lim.duration_text(lim.longest_allowed(1280, 720), down=True)} at 1280 × 720 or "
            f"{lim.duration_text(lim.longest_allowed(640, 360), down=True)} at 640 × 360.")


def problem() -> str | None:
    return state.FILM_PROBLEM.get()


def clear_clip() -> None:
    state.FILM_UPLOAD_ID.set(None)
    state.FILM_UPLOADS.empty()
    _set_clip(None)


def uploader_key() -> str:
    """The upload box's key (a new one empties it)."""
    return state.FILM_UPLOADS.key()


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


def model_choice(choice: state.Slot[str] = state.FILM_MODEL) -> str:
    """One model (the first one chosen on the Colorize page, until changed here)."""
    names = list(ui_models.infos())
    if choice.get() not in names:
        from ui import settings

        choice.set(next((m for m in settings.models() if m in names), names[0]))
    return st.selectbox("Model", names, format_func=ui_models.label, key=choice.key,
                        help="The network that colours each frame. Autoencoder (ours) is this project's; "
                             "Grayscale adds no colour (a reference).")


def smoothing_choice(choice: state.Slot[str] = state.FILM_SMOOTHING) -> str:
    if choice.get() not in core_video.SMOOTHING:
        choice.set(core_video.SMOOTHING[0])
    return st.radio(
        "Smoothing over time", list(core_video.SMOOTHING), format_func=core_video.TITLES.get, key=choice.key,
        help="Each frame is coloured on its own, so colours can flicker from frame to frame. Motion-compensated "
             "smoothing follows what moves (optical flow) and blends each frame's colours with the previous "
             "frame's, and starts afresh at a scene cut. The running average ignores motion: it smears colour "
             "when things move and carries it across cuts.")


def preview(c: Clip, model: str, render_factor: int, position: float) -> tuple[np.ndarray, np.ndarray]:
    """(grey frame, coloured frame) at ``position`` (0-1) of the clip, kept for the session."""
    store = state.FILM_PREVIEWS.get_or_set(dict)
    key = (c.key, model, render_factor, round(position, 3))
    if key not in store:
        colorizer = ui_models.get(model)
        lo, hi = colorizer.render_factor_range
        grey, coloured = core_video.preview(c.path, colorizer, min(max(render_factor, lo), hi), position)
        store.clear()                                   # one preview at a time is enough
        store[key] = (fit_within(grey, PREVIEW_SIDE), fit_within(coloured, PREVIEW_SIDE))
    return store[key]
