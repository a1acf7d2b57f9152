"""Reading clips with PyAV: what a clip is (probe), its frames one at a time, and one frame for a preview."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from core.lab import resize_rgb
from core.video.limits import VideoError, duration_text

SUPPORTED = "MP4, MOV, WebM, MKV, AVI or an animated GIF"
DEFAULT_FPS = Fraction(25)
MAX_FPS = 240


@dataclass(frozen=True)
class VideoInfo:
    """What a clip is, read from its header (``frames`` is estimated from duration x fps when the header
    does not say, e.g. for WebM)."""

    name: str                  # the file's name (never its folder)
    container: str             # e.g. "mov,mp4,m4a,3gp,3g2,mj2", "gif", "avi"
    codec: str                 # e.g. "h264", "vp9", "gif"
    width: int
    height: int
    fps: Fraction
    frames: int
    frames_known: bool
    duration: float            # seconds
    start: float               # the video's first timestamp, seconds (audio is kept in step with it)
    audio_codec: str | None    # None = no sound track
    rotation: int = 0          # degrees counter-clockwise the pictures are turned to stand upright (phone clips)
    time_base: Fraction | None = None    # the unit of the video's timestamps (None: not known)

    @property
    def has_audio(self) -> bool:
        return self.audio_codec is not None

    @property
    def megapixel_seconds(self) -> float:
        return self.width * self.height / 1e6 * self.duration

    def describe(self) -> str:
        """``640 × 360 · 25 fps · 4.0 s · 100 frames · with sound``"""
        fps = f"{float(self.fps):.3g}"
        frames = f"{self.frames} frames" if self.frames_known else f"about {self.frames} frames"
        sound = "with sound" if self.has_audio else "no sound"
        return f"{self.width} × {self.height} · {fps} fps · {duration_text(self.duration)} · {frames} · {sound}"


def _name(path) -> str:
    return Path(str(path)).name


def open_container(path):
    """``av.open`` for reading, with every failure turned into a :class:`VideoError` that names the file."""
    import av

    name = _name(path)
    p = Path(str(path))
    if not p.exists():
        raise VideoError(f"There is no file called {name}.")
    if p.is_dir():
        raise VideoError(f"{name} is a folder, not a video file.")
    if p.stat().st_size == 0:
        raise VideoError(f"{name} is empty (0 bytes): it is not a video.")
    try:
        container = av.open(str(p), mode="r", metadata_errors="ignore")
    except (av.FFmpegError, OSError, ValueError, UnicodeDecodeError) as e:
        raise VideoError(f"{name} is not a video that can be read: it is damaged, or not a video at all "
                         f"({SUPPORTED} work).") from e
    fmt = container.format.name or ""
    if fmt == "image2" or fmt.endswith("_pipe"):
        container.close()
        raise VideoError(f"{name} is a still picture, not a clip: colour it on the Colorize page "
                         "(or with python -m core colorize).")
    if not container.streams.video:
        container.close()
        raise VideoError(f"{name} has no picture track (only sound?), so there is nothing to colour.")
    if container.streams.video[0].codec_context is None:      # e.g. an MP4 cut off before its index
        container.close()
        raise VideoError(f"{name} is not a video that can be read: it is damaged (cut off?), or its picture "
                         "format is not supported.")
    return container


def _fps(stream) -> Fraction:
    for rate in (stream.average_rate, stream.guessed_rate, stream.base_rate):
        if rate and 0 < rate <= MAX_FPS:
            return Fraction(rate).limit_denominator(100_000)
    return DEFAULT_FPS


def _seconds(value, time_base) -> float | None:
    if value is None or time_base is None:
        return None
    return float(value * time_base)


def probe(path) -> VideoInfo:
    """Read a clip's header: size, frame rate, frame count, duration, sound. Raises :class:`VideoError`."""
    with contextlib.closing(open_container(path)) as container:
        stream = container.streams.video[0]
        cc = stream.codec_context
        width, height = int(cc.width or 0), int(cc.height or 0)
        if width < 1 or height < 1:
            raise VideoError(f"{_name(path)} does not say how large its pictures are; it looks damaged.")
        fps = _fps(stream)
        duration = _seconds(stream.duration, stream.time_base)
        if not duration and container.duration:
            duration = container.duration / 1_000_000
        frames = int(stream.frames or 0)
        known = frames > 0
        if not known:
            frames = max(1, int(math.ceil((duration or 0.0) * fps - 1e-6)))
        if not duration:
            duration = frames / float(fps)
        start = _seconds(stream.start_time, stream.time_base) or 0.0
        audio = container.streams.audio[0].codec_context.name if container.streams.audio else None
        rotation = _rotation(container, stream)
        if rotation in (90, 270):
            width, height = height, width
        return VideoInfo(_name(path), container.format.name or "", cc.name or "", width, height, fps, frames, known,
                         float(duration), float(start), audio, rotation,
                         Fraction(stream.time_base) if stream.time_base else None)


def _rotation(container, stream) -> int:
    """The display rotation the clip asks for (0, 90, 180, 270 degrees counter-clockwise), read from its
    first frame; 0 when there is none or the frame cannot be decoded."""
    import av

    try:
        frame = next(iter(_decoded(container, stream, "")), None)
    except (VideoError, av.FFmpegError):
        return 0
    return int(round(float(getattr(frame, "rotation", 0) or 0) / 90.0)) % 4 * 90 if frame is not None else 0


def _to_rgb(frame, rotation: int = 0) -> np.ndarray:
    """The frame as RGB uint8, turned upright when the clip carries a display rotation."""
    rgb = frame.to_ndarray(format="rgb24")
    return np.ascontiguousarray(np.rot90(rgb, rotation // 90)) if rotation else rgb


MAX_BAD_PACKETS = 8          # damaged packets skipped (as FFmpeg's player does) before a clip counts as broken


def _decoded(container, stream, name: str) -> Iterator:
    """The stream's frames, decoded packet by packet; a damaged packet is skipped (its picture is lost, the
    decoder carries on), but more than MAX_BAD_PACKETS of them raise a :class:`VideoError`."""
    import av

    bad = 0
    try:
        for packet in container.demux(stream):
            try:
                frames = packet.decode()
            except av.FFmpegError:
                bad += 1
                if bad > MAX_BAD_PACKETS:
                    raise VideoError(f"{name} is damaged: too many of its pictures cannot be decoded.") from None
                continue
            yield from frames
    except av.FFmpegError as e:                   # the container itself cannot be read on
        raise VideoError(f"{name} is damaged or cut off: it cannot be read to its end.") from e


def iter_timed_frames(path, info: VideoInfo | None = None) -> Iterator[tuple[Fraction | None, np.ndarray]]:
    """(time, frame) of every frame of the clip: its timestamp in seconds from the video's start (an exact
    fraction; None where the container gives none) and the picture as H x W x 3 uint8 RGB, decoded one at a
    time (memory does not grow with the clip's length). The timestamps are what a variable-frame-rate clip
    (a phone's, a screen recording) needs to keep its timing. A clip that ends well before the frame count of
    its header raises :class:`VideoError` at its end (a truncated download is not coloured half-way without
    a word)."""
    info = info or probe(path)
    n = 0
    with contextlib.closing(open_container(path)) as container:
        stream = container.streams.video[0]
        tb = Fraction(stream.time_base) if stream.time_base else None
        start = stream.start_time or 0
        for frame in _decoded(container, stream, info.name):
            rgb = _to_rgb(frame, info.rotation)
            if rgb.shape[:2] != (info.height, info.width):      # a stream that changes size mid-way
                rgb = resize_rgb(rgb, info.height, info.width)
            n += 1
            yield (None if frame.pts is None or tb is None else (frame.pts - start) * tb), rgb
    if n == 0:
        raise VideoError(f"{info.name} has no picture that can be decoded; it looks damaged or cut off.")
    if info.frames_known and n < info.frames - max(2, info.frames // 50):
        raise VideoError(f"{info.name} ends early: only {n} of its {info.frames} frames could be read. The file "
                         "looks cut off (an interrupted download or copy?).")


def iter_frames(path, info: VideoInfo | None = None) -> Iterator[np.ndarray]:
    """Every frame of the clip as H x W x 3 uint8 RGB (:func:`iter_timed_frames` without the times)."""
    for _, rgb in iter_timed_frames(path, info):
        yield rgb


def _where(position: float) -> str:
    return "at its start" if position <= 0 else "at its end" if position >= 1 else f"at {position:.0%} of it"


def read_frame(path, position: float = 0.5) -> np.ndarray:
    """One frame as RGB uint8: the one at ``position`` (0 = first, 1 = last) of the clip's duration. Seeks
    to the key frame before it, then decodes forward; for the preview of the Old film page."""
    import av

    info = probe(path)
    position = min(max(float(position), 0.0), 1.0)
    target = info.start + position * max(info.duration - 1.0 / float(info.fps), 0.0)
    last = None
    with contextlib.closing(open_container(path)) as container:
        stream = container.streams.video[0]
        if target > info.start and stream.time_base:
            with contextlib.suppress(av.FFmpegError):
                container.seek(int(target / stream.time_base), stream=stream, backward=True)
        with contextlib.suppress(VideoError):
            for frame in _decoded(container, stream, info.name):
                last = frame
                if frame.time is None or frame.time >= target - 0.5 / float(info.fps):
                    break
    if last is None:
        raise VideoError(f"{info.name} is damaged or cut off: there is no picture to decode {_where(position)}.")
    return _to_rgb(last, info.rotation)
