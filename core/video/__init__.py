"""Old film: colour a black-and-white clip frame by frame, smoothed over time so it does not flicker.

Public API::

    from core.video import colorize_video, probe, read_frame, preview, sample_clip, VideoError, Cancelled
    info = probe("film.mp4")            # VideoInfo: size, fps, frames, duration, sound (VideoError if unreadable)
    result = colorize_video("film.mp4", "film_colour.mp4", model="autoencoder", render_factor=None,
                            smoothing="flow", progress=lambda done, total: ..., cancel=threading.Event())
    result.frames, result.fps, result.width, result.height, result.seconds, result.audio
    grey, coloured = preview("film.mp4", model="autoencoder", position=0.5)    # one frame, for a preview
    frames = colorize_frames(rgb_frames, model=..., smoothing="flow")        # in memory, lazily

Clips are read and written with PyAV (FFmpeg's libraries inside its wheel: no system ffmpeg, nothing
downloaded). The output is an H.264 / yuv420p MP4 with ``+faststart`` that browsers play, with the source's
frame rate, frame count and size (odd sides are padded by one repeated pixel row or column: H.264 4:2:0 needs
even sides) and its sound. Frames stream through one at a time; a cap on duration x resolution
(:mod:`core.video.limits`) keeps a run bounded; the output appears only when complete.

Smoothing (:mod:`core.video.smoothing`): "flow" (default, motion-compensated with optical flow, resets at
scene cuts and occlusions), "none", "average" (a plain running average, for comparison).
"""

from core.video.limits import Cancelled, VideoError, max_megapixel_seconds
from core.video.pipeline import VideoResult, colorize_frames, colorize_video, preview
from core.video.reader import VideoInfo, iter_frames, probe, read_frame
from core.video.sample import sample_clip
from core.video.smoothing import SMOOTHING, TITLES, make_smoother

__all__ = [
    "SMOOTHING",
    "TITLES",
    "Cancelled",
    "VideoError",
    "VideoInfo",
    "VideoResult",
    "colorize_frames",
    "colorize_video",
    "iter_frames",
    "make_smoother",
    "max_megapixel_seconds",
    "preview",
    "probe",
    "read_frame",
    "sample_clip",
]
