"""Clips for tools/bench_video.py where content enters the view or is uncovered (issue 34), and where it is.

- **zoom**: for each of three colour photos of scikit-image, a shot that zooms out from 1.8 to 1.0 while
  panning (as the built-in sample clip does): at every frame new content enters at the borders;
- **uncover**: a textured patch (a square cut from *chelsea*, its lightness matched to the background's
  mean, its colour its own) slides across a still photo (*coffee*), then a second one across *astronaut*:
  behind it, the background is uncovered;
- **sample**: the built-in sample clip (core/video/sample.py: *camera*, black and white, no colour truth).

``entered(...)`` marks, per frame, the pixels that were not visible (outside the frame, or under the patch)
in any of the previous ``k`` frames of the shot: "new content", which should take its own frame's colour.
"""

from __future__ import annotations

import numpy as np

from core import lab
from core.video.sample import Motion, render

ZOOM_SHOTS = (("astronaut", (0.45, 0.30, 1.8), (0.50, 0.50, 1.0)),
              ("coffee", (0.60, 0.45, 1.8), (0.50, 0.50, 1.0)),
              ("chelsea", (0.45, 0.40, 1.8), (0.50, 0.50, 1.0)))
UNCOVER = (("coffee", "chelsea"), ("astronaut", "chelsea"))     # (background, where the patch is cut from)
FRAMES = 40
RECENT = 6                       # frames: "new content" = not visible in any of the previous RECENT frames


def _square(m: np.ndarray) -> np.ndarray:
    return np.vstack([m, [0.0, 0.0, 1.0]])


def _photo(name: str) -> np.ndarray:
    from skimage import data

    img = getattr(data, name)()
    img = np.repeat(img[..., None], 3, 2) if img.ndim == 2 else img[..., :3]
    return np.ascontiguousarray(img)


def _inside(a: np.ndarray, h: int, w: int) -> np.ndarray:
    gx, gy = np.meshgrid(np.arange(w, dtype=np.float64), np.arange(h, dtype=np.float64))
    mx = a[0, 0] * gx + a[0, 1] * gy + a[0, 2]
    my = a[1, 0] * gx + a[1, 1] * gy + a[1, 2]
    return (mx >= 0) & (mx <= w - 1) & (my >= 0) & (my <= h - 1)


def zoom_clip(width: int = 480, height: int = 270, frames: int = FRAMES, shots=ZOOM_SHOTS):
    """(greys, truths, motions, cuts, new): ``motions[i]`` maps frame i's pixels to frame i - 1's (None at a
    cut), ``new[i]`` the bool mask of the pixels not visible in any of the previous RECENT frames of the shot."""
    greys, truths, motions, cuts, new = [], [], [], [], []
    for name, start, end in shots:
        photo = _photo(name)
        motion = Motion(width, height, frames, 24, start, end)
        if truths:
            cuts.append(len(truths))
        mats = [_square(motion.matrix(t, photo.shape)) for t in range(frames)]
        for t, rgb in enumerate(render(photo, motion)):
            truths.append(rgb)
            greys.append(lab.to_grey_rgb(rgb))
            motions.append(None if t == 0 else (mats[t - 1] @ np.linalg.inv(mats[t]))[:2])
            seen = np.ones((height, width), bool)
            for k in range(1, min(RECENT, t) + 1):
                seen &= _inside(mats[t - k] @ np.linalg.inv(mats[t]), height, width)
            new.append(~seen if t else np.zeros((height, width), bool))
    return greys, truths, motions, cuts, new


def uncover_clip(width: int = 480, height: int = 270, frames: int = FRAMES, side: int = 110):
    """(greys, truths, motions, cuts, new) of the uncover shots: the camera is still, a square patch of
    ``side`` px slides from left to right across the frame (about 12 px a frame); ``motions`` is None (the
    motion is not one map), ``new`` the background uncovered in the previous RECENT frames."""
    import cv2

    greys, truths, cuts, new = [], [], [], []
    for back_name, patch_name in UNCOVER:
        back = cv2.resize(_photo(back_name), (width, height), interpolation=cv2.INTER_AREA)
        src = _photo(patch_name)
        y0, x0 = (src.shape[0] - 2 * side) // 2, (src.shape[1] - 2 * side) // 2
        patch = cv2.resize(src[y0:y0 + 2 * side, x0:x0 + 2 * side], (side, side), interpolation=cv2.INTER_AREA)
        # the patch's lightness is shifted to the background's mean: the warped L alone cannot tell them apart
        plab = lab.rgb_to_lab(patch)
        plab[..., 0] += lab.lightness(back).mean() - plab[..., 0].mean()
        patch = lab.join_l_ab(np.clip(plab[..., 0], 0, 100), plab[..., 1:])
        if truths:
            cuts.append(len(truths))
        top = (height - side) // 2
        covered = []
        for t in range(frames):
            x = round(-side / 2 + t * width / (frames - 1))            # from half in at the left to half out
            rgb = back.copy()
            under = np.zeros((height, width), bool)
            a, b = max(0, x), min(width, x + side)
            if b > a:
                rgb[top:top + side, a:b] = patch[:, a - x:b - x]
                under[top:top + side, a:b] = True
            covered.append(under)
            truths.append(rgb)
            greys.append(lab.to_grey_rgb(rgb))
            was = np.zeros((height, width), bool)
            for k in range(1, min(RECENT, t) + 1):
                was |= covered[t - k]
            new.append(was & ~under)
    return greys, truths, [None] * len(truths), cuts, new


def sample_clip_frames():
    """(greys, motions, new) of the built-in sample clip (rendered in memory as the cached MP4 is made)."""
    from core.figures.samples import load_sample
    from core.video.sample import SAMPLE_PHOTO

    motion = Motion()
    photo = load_sample(SAMPLE_PHOTO, max_side=4096)
    mats = [_square(motion.matrix(t, photo.shape)) for t in range(motion.frames)]
    greys, motions, new = [], [], []
    for t, rgb in enumerate(render(photo, motion)):
        greys.append(lab.to_grey_rgb(rgb))
        motions.append(None if t == 0 else (mats[t - 1] @ np.linalg.inv(mats[t]))[:2])
        seen = np.ones((motion.height, motion.width), bool)
        for k in range(1, min(RECENT, t) + 1):
            seen &= _inside(mats[t - k] @ np.linalg.inv(mats[t]), motion.height, motion.width)
        new.append(~seen if t else np.zeros((motion.height, motion.width), bool))
    return greys, motions, new
