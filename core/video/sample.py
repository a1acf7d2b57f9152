"""The built-in sample clip: a slow pan and zoom over a sample photo, in grey, made on first use and cached."""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SAMPLE_PHOTO = "camera"        # the app's first sample: a real black-and-white photo (Lav Varshney, CC0)
VERSION = 1                    # part of the file name: bump when the recipe below changes


@dataclass(frozen=True)
class Motion:
    """A slow, steady camera move over a photo: from ``start`` to ``end``, each (centre x, centre y, zoom),
    the centre in 0-1 of the photo's width and height, zoom 1 = the largest window of the frame's shape that
    the photo holds (2 = half as wide); linear in time, the window kept inside the photo."""

    width: int = 480
    height: int = 270
    frames: int = 96
    fps: int = 24
    start: tuple[float, float, float] = (0.50, 0.33, 1.8)    # the photographer's face and camera ...
    end: tuple[float, float, float] = (0.50, 0.50, 1.0)      # ... out to the whole scene

    def matrix(self, t: int, photo_shape) -> np.ndarray:
        """The 2 x 3 affine map from the photo to frame ``t`` (for ``cv2.warpAffine``)."""
        ph, pw = photo_shape[:2]
        u = t / max(self.frames - 1, 1)
        cx, cy, zoom = (a + (b - a) * u for a, b in zip(self.start, self.end, strict=True))
        s = zoom * max(self.width / pw, self.height / ph)          # frame pixels per photo pixel
        half_w, half_h = self.width / (2 * s), self.height / (2 * s)   # the window's half size, photo pixels
        x = min(max(cx * pw, half_w), pw - half_w)
        y = min(max(cy * ph, half_h), ph - half_h)
        return np.array([[s, 0.0, self.width / 2 - s * x],
                         [0.0, s, self.height / 2 - s * y]], np.float32)


def render(photo: np.ndarray, motion: Motion = Motion()) -> Iterator[np.ndarray]:
    """The frames of ``motion`` over ``photo`` (RGB uint8), one at a time."""
    import cv2

    for t in range(motion.frames):
        yield cv2.warpAffine(photo, motion.matrix(t, photo.shape), (motion.width, motion.height),
                             flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT)


def write_clip(frames, path, fps: int) -> Path:
    """Write RGB frames as an H.264 MP4 (through :class:`core.video.writer.VideoWriter`, so atomically)."""
    from fractions import Fraction

    from core.video.reader import VideoInfo
    from core.video.writer import VideoWriter

    frames = iter(frames)
    first = next(frames)
    h, w = first.shape[:2]
    info = VideoInfo(Path(path).name, "", "", w, h, Fraction(fps), 0, False, 0.0, 0.0, None)
    with VideoWriter(path, info, crf=20) as writer:
        writer.write(first)
        for rgb in frames:
            writer.write(rgb)
    return Path(path)


def cache_dir() -> Path:
    """Where generated files are kept: ``COLORIZER_CACHE``, else ``<COLORIZER_HOME>/.cache/video``; the
    system's temporary folder when that cannot be written."""
    from core import weights

    configured = os.environ.get("COLORIZER_CACHE")
    folder = Path(configured) if configured else weights.home() / ".cache" / "video"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if os.access(folder, os.W_OK):
            return folder
    except OSError:
        pass
    fallback = Path(tempfile.gettempdir()) / "colorization-studio-cache"
    fallback.mkdir(parents=True, exist_ok=True)
    return fallback


_lock = threading.Lock()


def sample_clip(motion: Motion = Motion()) -> Path:
    """The sample clip's file (made once, ~1 s; later calls return the cached file): 4 s of a slow zoom out
    and pan over the black-and-white sample photo "camera", 480 x 270 at 24 fps, no sound."""
    from core.figures.samples import load_sample

    name = f"sample_{SAMPLE_PHOTO}_{motion.width}x{motion.height}_{motion.frames}f_{motion.fps}fps_v{VERSION}.mp4"
    path = cache_dir() / name
    with _lock:
        if not path.is_file():
            photo = load_sample(SAMPLE_PHOTO, max_side=4096)
            write_clip(render(photo, motion), path, motion.fps)      # atomic: another process may race, harmlessly
    return path
