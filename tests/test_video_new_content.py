"""Old film: what is uncovered or enters the view gets its own frame's colour, and the smoothing never lets a
colour grow that the frame itself does not have (issue 34). Tiny synthetic clips in memory, an oracle model
that gives each frame's true colour: whatever the smoothing keeps from earlier frames shows as an error."""

from __future__ import annotations

import numpy as np

from core import lab
from core.colorizers.base import Colorizer
from core.video import colorize_frames, make_smoother

H, W, SIDE, STEP = 64, 96, 24, 6
BACK_AB, PATCH_AB = (-20.0, 30.0), (40.0, 20.0)        # green background, a red patch


class Oracle(Colorizer):
    """Gives each frame's true ab, in order (the per-frame colouring at its best)."""

    name = "oracle"
    render_factor_range = (1, 64)

    def __init__(self, abs_):
        super().__init__()
        self.abs, self.i = list(abs_), 0

    def ab_for_lightness(self, L, render_factor=None):
        self.i += 1
        return self.abs[self.i - 1]


def texture(seed: int, shape) -> np.ndarray:
    """Smooth random texture of L (mean 50, a few L units): something the optical flow can follow."""
    rng = np.random.default_rng(seed)
    t = lab.resize_l(rng.normal(0, 8, (shape[0] // 6, shape[1] // 6)).astype(np.float32), *shape)
    return (50 + t - t.mean()).astype(np.float32)


def sliding_patch(frames: int = 10):
    """A textured patch of the background's mean lightness but another colour slides right over a still,
    textured background: (grey frames, true ab per frame, the patch's left edge per frame)."""
    back, patch = texture(1, (H, W)), texture(2, (SIDE, SIDE))
    greys, abs_, xs = [], [], []
    for t in range(frames):
        x = 8 + STEP * t
        L, ab = back.copy(), np.empty((H, W, 2), np.float32)
        ab[:] = BACK_AB
        L[20:20 + SIDE, x:x + SIDE] = patch
        ab[20:20 + SIDE, x:x + SIDE] = PATCH_AB
        greys.append(lab.join_l_ab(L, np.zeros((H, W, 2), np.float32)))
        abs_.append(ab)
        xs.append(x)
    return greys, abs_, xs


def _ab(rgb):
    return lab.rgb_to_lab(rgb)[..., 1:]


def test_what_a_patch_of_the_same_lightness_uncovers_takes_its_own_frames_colour():
    """Before: the warped L matched (same mean lightness; the mismatch is judged over 5 x 5 pixels), so the
    red of the patch stayed behind it on the green background for several frames."""
    greys, abs_, xs = sliding_patch()
    out = list(colorize_frames(greys, Oracle(abs_), 16, make_smoother("flow")))
    own = list(colorize_frames(greys, Oracle(abs_), 16, "none"))
    last = len(greys) - 1
    # uncovered in the last two frames: under the patch then, background now (2 px of margin)
    uncovered = (slice(22, 18 + SIDE), slice(xs[last - 2] + 2, xs[last] - 2))
    gap = np.linalg.norm(_ab(out[last])[uncovered] - _ab(own[last])[uncovered], axis=-1)
    assert gap.mean() < 3.0, gap.mean()
    assert _ab(out[last])[uncovered][..., 0].mean() < 0       # green (a < 0), not the patch's red


def test_the_smoothing_never_grows_a_colour_the_frame_does_not_have():
    """A red blotch in one early frame only (a model's mistake): later frames' own colour is green there,
    and what the smoothing gives them stays close to it rather than carrying the red on."""
    back = texture(3, (H, W))
    greys = [lab.join_l_ab(back, np.zeros((H, W, 2), np.float32)) for _ in range(8)]
    abs_ = [np.broadcast_to(np.float32(BACK_AB), (H, W, 2)).copy() for _ in greys]
    abs_[1][20:40, 30:60] = PATCH_AB                       # the blotch, in frame 1 only
    out = list(colorize_frames(greys, Oracle(abs_), 16, make_smoother("flow")))
    gaps = [np.linalg.norm(_ab(o)[20:40, 30:60] - np.float32(BACK_AB), axis=-1).mean() for o in out[2:]]
    assert max(gaps) < 4.0, gaps                             # the frames after it keep their own green


def test_still_frames_with_small_flicker_are_still_smoothed():
    """The checks keep what the smoothing is for: a small jitter of the colour is averaged away."""
    back = texture(4, (H, W))
    greys = [lab.join_l_ab(back, np.zeros((H, W, 2), np.float32)) for _ in range(10)]
    rng = np.random.default_rng(0)
    abs_ = [np.broadcast_to(np.float32(BACK_AB) + rng.normal(0, 3, 2).astype(np.float32), (H, W, 2)).copy()
            for _ in greys]
    out = [_ab(o) for o in colorize_frames(greys, Oracle(abs_), 16, make_smoother("flow"))]
    own = [_ab(o) for o in colorize_frames(greys, Oracle(abs_), 16, "none")]
    jump = [np.abs(b - a).mean() for a, b in zip(out[:-1], out[1:], strict=True)]
    jump_own = [np.abs(b - a).mean() for a, b in zip(own[:-1], own[1:], strict=True)]
    assert np.mean(jump[2:]) < 0.5 * np.mean(jump_own[2:])
