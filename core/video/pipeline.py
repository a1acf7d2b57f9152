"""Colorizing a clip: decode, predict ab per frame on the shared Lab path, smooth it over time, join with each
frame's full-resolution L, encode; one frame at a time."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from core import lab
from core.video import limits
from core.video.limits import Cancelled, VideoError
from core.video.reader import VideoInfo, iter_timed_frames, probe, read_frame
from core.video.smoothing import Smoother, make_smoother
from core.video.stages import JoinAndWrite
from core.video.writer import VideoWriter

Progress = Callable[[int, int], None]          # (frames done, frames in all: the header's count or an estimate)


@dataclass(frozen=True)
class VideoResult:
    """What :func:`colorize_video` wrote."""

    path: Path
    frames: int
    fps: float
    width: int                 # the size of the written clip (odd sources are padded by one pixel)
    height: int
    source_size: tuple[int, int]
    duration: float            # of the clip, seconds
    seconds: float             # wall time of the run
    model: str
    render_factor: int
    smoothing: str
    audio: str | None          # "copied", "re-encoded to AAC", None (the source had no sound)
    scene_cuts: list[int] = field(default_factory=list)     # frames where the smoothing started afresh
    flow_seconds: float = 0.0
    credentials: str = ""      # "signed", "" (not asked for), or why the clip was written without them

    @property
    def padded(self) -> bool:
        return (self.width, self.height) != self.source_size

    @property
    def frames_per_second(self) -> float:
        """Throughput of the run (frames coloured per second of wall time)."""
        return self.frames / self.seconds if self.seconds > 0 else 0.0

    def describe(self) -> str:
        sound = {None: "no sound", "copied": "sound copied"}.get(self.audio, f"sound {self.audio}")
        text = (f"{self.frames} frames, {self.width} × {self.height}, {self.fps:.3g} fps, {sound}; coloured in "
                f"{self.seconds:.1f} s ({self.frames_per_second:.1f} frames/s)")
        if self.padded:
            w, h = self.source_size
            text += (f". The source is {w} × {h}: H.264 needs even sides, so its last "
                     f"{'column' if w % 2 else 'row'}{' and row' if w % 2 and h % 2 else ''} was repeated")
        if self.credentials not in ("", "signed"):
            text += f". Written without Content Credentials: {self.credentials}"
        return text


def _colorizer(model):
    from core.colorizers import get_colorizer
    from core.colorizers.base import Colorizer

    return model if isinstance(model, Colorizer) else get_colorizer(str(model))


def _cancelled(cancel) -> bool:
    if cancel is None:
        return False
    is_set = getattr(cancel, "is_set", None)
    return bool(is_set() if is_set is not None else cancel())


def colorize_frames(frames: Iterable[np.ndarray], model="autoencoder", render_factor: int | None = None,
                    smoothing: str | Smoother | None = "flow") -> Iterator[np.ndarray]:
    """Colour a sequence of RGB frames (colour frames are used through their lightness), lazily, one at a
    time: the engine of :func:`colorize_video`, for callers that have frames in memory (the benchmark)."""
    colorizer = _colorizer(model)
    rf = colorizer.check_render_factor(render_factor)
    smoother = smoothing if isinstance(smoothing, Smoother) else make_smoother(smoothing)
    for rgb in frames:
        yield lab.join_l_ab(*_colour(rgb, colorizer, rf, smoother))


def _colour(rgb: np.ndarray, colorizer, rf: int, smoother: Smoother) -> tuple[np.ndarray, np.ndarray]:
    """(L, smoothed ab) of one frame: its lightness, and the model's colour for it after the smoothing."""
    L = lab.lightness(rgb)
    return L, smoother(L, colorizer.ab_for_lightness(L, rf))


def colorize_video(src, dst, model="autoencoder", render_factor: int | None = None,
                   smoothing: str | None = "flow", progress: Progress | None = None, cancel=None,
                   credentials=None) -> VideoResult:
    """Colour the clip ``src`` into an MP4 at ``dst`` (H.264, yuv420p, +faststart; the source's frame rate,
    frame count and size, and its sound). ``model`` is a model name or a colorizer instance;
    ``render_factor`` None = the model's default; ``smoothing`` "flow" (default), "none" or "average".

    ``progress(done, total)`` is called after every frame; ``cancel`` (a ``threading.Event`` or a function
    returning True to stop) is checked before every frame and raises :class:`Cancelled`. Raises
    :class:`VideoError` for unreadable, damaged or over-size clips, ``ValueError`` for a bad render factor or
    smoothing, :class:`core.ModelUnavailable` for a model that cannot run. Nothing is left at ``dst`` (nor
    beside it) unless the whole clip was written. ``credentials``: a :class:`core.credentials.Signing` to sign
    the clip with Content Credentials (the source clip its parent); ``VideoResult.credentials`` says how it went
    (a failure keeps the clip, unsigned)."""
    t0 = time.perf_counter()
    src, dst = Path(src), Path(dst)
    colorizer = _colorizer(model)
    rf = colorizer.check_render_factor(render_factor)
    smoother = make_smoother(smoothing)
    info: VideoInfo = probe(src)
    if dst.exists() and dst.resolve() == src.resolve():
        raise VideoError("The output would replace the input clip; choose another name for it.")
    limits.check(info.width, info.height, info.duration, info.frames)
    with VideoWriter(dst, info, sound_from=src) as writer:

        def written() -> None:
            if progress is not None:
                progress(writer.frames, max(info.frames, writer.frames))

        last_stage = JoinAndWrite(writer.write, written)      # joins and encodes on a second thread
        try:
            for t, rgb in _checked(iter_timed_frames(src, info), info, cancel):
                last_stage.put(*_colour(rgb, colorizer, rf, smoother), t)     # each frame keeps its timestamp
            last_stage.finish()
        except BaseException:
            last_stage.stop()              # before the writer is aborted: the worker must not touch it after
            raise
        if _cancelled(cancel):
            raise Cancelled()
        frames, audio, duration = writer.frames, writer.audio, float(writer.end)
    width, height = writer.size
    fps = frames / duration if duration > 0 else float(info.fps)          # the average rate, for a variable one too
    facts = {"model": colorizer.name, "render_factor": rf, "smoothing": smoother.name, "frames": frames}
    signed = _sign(dst, src, facts, credentials)
    return VideoResult(dst, frames, fps, width, height, (info.width, info.height),
                       duration, time.perf_counter() - t0, colorizer.name, rf, smoother.name, audio,
                       list(smoother.cuts), smoother.flow_seconds, signed)


def _sign(dst: Path, src: Path, facts: dict, signing) -> str:
    """Sign the written clip in place; "signed", "" (no ``signing``) or why it stays unsigned."""
    if signing is None or not signing.enabled:
        return ""
    from core import credentials

    try:
        credentials.sign_file(dst, "mp4", {**facts, "title": dst.name}, credentials.Source.of(src), signing)
    except credentials.CredentialsError as e:
        return str(e)
    return "signed"


def _checked(frames: Iterable[tuple], info: VideoInfo, cancel) -> Iterator[tuple]:
    """The (time, frame) pairs, stopping with :class:`Cancelled` when asked to, and with a :class:`VideoError` once the
    clip turns out longer than its header said and than the caps allow."""
    allowed = min(limits.MAX_FRAMES,
                  int(limits.longest_allowed(info.width, info.height) * float(info.fps)) + 1)
    for n, item in enumerate(frames, 1):
        if _cancelled(cancel):
            raise Cancelled()
        if n > max(allowed, info.frames):
            limits.check(info.width, info.height, n / float(info.fps), n)
        yield item


def preview(src, model="autoencoder", render_factor: int | None = None, position: float = 0.5):
    """(grey frame, coloured frame) at ``position`` (0 = first, 1 = last) of the clip: what one frame will
    look like, without smoothing."""
    rgb = read_frame(src, position)
    grey = lab.to_grey_rgb(rgb)
    colorizer = _colorizer(model)
    return grey, colorizer.colorize(grey, colorizer.check_render_factor(render_factor))
