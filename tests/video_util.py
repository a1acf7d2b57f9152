"""Tiny clips made in the tests with PyAV (no files from outside): a slow pan over a sample photo, in grey,
optionally with a sine-tone sound track."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np

CODECS = {".mp4": "libx264", ".mov": "libx264", ".mkv": "libx264", ".webm": "libvpx-vp9", ".avi": "mpeg4"}


def pan_frames(frames: int = 12, width: int = 64, height: int = 48, step: int = 2, colour: bool = False,
               photo: str = "coffee") -> list[np.ndarray]:
    """``frames`` RGB frames: a window sliding right by ``step`` pixels per frame over a scikit-image photo
    (grey unless ``colour``). Frame t shows the photo from column ``t * step``."""
    import cv2
    from skimage import data

    from core.lab import to_grey_rgb

    img = np.ascontiguousarray(getattr(data, photo)()[..., :3])
    scale = height / img.shape[0]
    img = cv2.resize(img, (max(width + step * frames, round(img.shape[1] * scale)), height),
                     interpolation=cv2.INTER_AREA)
    if not colour:
        img = to_grey_rgb(img)
    return [np.ascontiguousarray(img[:, t * step: t * step + width]) for t in range(frames)]


def write_frames(path, frames, fps: int = 12, audio: str | None = None, audio_seconds: float | None = None,
                 rotation: int = 0, times: list[float] | None = None) -> Path:
    """Encode RGB ``frames`` into ``path`` (the codec follows the extension; .gif through Pillow). ``audio``:
    None, "aac" or "pcm_s16le" (a 440 Hz tone, as long as the clip unless ``audio_seconds``); ``rotation``:
    a display rotation (degrees counter-clockwise), as phones write; ``times``: each frame's timestamp in
    seconds (a variable frame rate, in milliseconds), else frame i is shown at i / fps."""
    import av

    path = Path(path)
    if path.suffix == ".gif":
        from PIL import Image

        imgs = [Image.fromarray(f) for f in frames]
        imgs[0].save(path, save_all=True, append_images=imgs[1:], duration=round(1000 / fps), loop=0)
        return path
    h, w = frames[0].shape[:2]
    with av.open(str(path), "w") as out:
        stream = out.add_stream(CODECS[path.suffix], rate=Fraction(fps))
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        if rotation:
            stream.set_display_rotation(rotation)
        if times is not None:
            stream.codec_context.time_base = Fraction(1, 1000)
        sound = None
        if audio:
            sound = out.add_stream(audio, rate=22050, layout="mono")
        for i, rgb in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            frame.pts = i if times is None else round(times[i] * 1000)
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
        if sound is not None:
            rate = 22050
            n = int(rate * (audio_seconds if audio_seconds is not None else len(frames) / fps))
            tone = (0.3 * np.sin(2 * np.pi * 440 * np.arange(n) / rate) * 32767).astype(np.int16)
            frame = av.AudioFrame.from_ndarray(tone[None, :], format="s16", layout="mono")
            frame.sample_rate, frame.pts = rate, 0
            out.mux(sound.encode(frame))
            out.mux(sound.encode(None))
    return path


def make_clip(path, frames: int = 12, width: int = 64, height: int = 48, fps: int = 12, audio: str | None = None,
              colour: bool = False) -> Path:
    return write_frames(path, pan_frames(frames, width, height, colour=colour), fps, audio)


def decode(path):
    """(stream facts, RGB frames) of a clip, read back with PyAV."""
    import av

    with av.open(str(path)) as c:
        v = c.streams.video[0]
        facts = {"codec": v.codec_context.name, "pix_fmt": v.codec_context.pix_fmt, "width": v.width,
                 "height": v.height, "fps": v.average_rate, "frames_header": v.frames,
                 "audio": c.streams.audio[0].codec_context.name if c.streams.audio else None,
                 "audio_seconds": (float(c.streams.audio[0].duration * c.streams.audio[0].time_base)
                                   if c.streams.audio and c.streams.audio[0].duration else None),
                 "format": c.format.name}
        frames = [f.to_ndarray(format="rgb24") for f in c.decode(v)]
    return facts, frames


def frame_times(path) -> list[float]:
    """Each frame's timestamp in seconds, from the video's start, in the order shown."""
    import av

    with av.open(str(path)) as c:
        v = c.streams.video[0]
        start = v.start_time or 0
        return sorted(float((f.pts - start) * v.time_base) for f in c.decode(v))
