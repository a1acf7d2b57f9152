"""Temporal smoothing of the predicted colour (ab) from frame to frame: none, motion-compensated, running average.

Each frame is coloured on its own, so its colours jump a little from frame to frame (flicker). The smoothers
here take the model's ab for a frame and return the ab to join with that frame's full-resolution L.

``flow`` (the default): dense optical flow (OpenCV's DIS) on L from the current frame back to the previous
one; the previous *output* ab is warped onto the current frame along it and blended with the current
prediction. The history is used only where it can be trusted (issue 34): its weight falls per pixel with how
badly the warped previous L matches the current L, it is 0 where the flow back and the flow forward disagree
(a forward-backward check: what is uncovered or enters the view has no true match in the previous frame,
however alike its L looks) or where the pixel came from outside the previous frame, and it falls with how far
the warped colour is from the frame's own prediction (a colour the frame never had cannot grow, and small
flicker is still averaged away). A frame that the flow cannot explain at all (a scene cut) resets the
history.

``average``: a plain running average of ab, without motion; kept for comparison (it smears colour along
motion and carries it across cuts).
"""

from __future__ import annotations

import time

import numpy as np

from core import lab

WORK_LONG_SIDE = 640         # flow and blending run on a copy of at most this many pixels on the long side
ALPHA = 0.2                  # weight of the new prediction where the history is fully trusted (tuned: README)
AVERAGE_ALPHA = 0.2          # the running average's weight of the new prediction
MATCH_SIGMA = 8.0            # L units: a warped-L mismatch of this size leaves the history e^-1 of its weight
COLOUR_SIGMA = 16.0          # ab units: a warped colour this far from the frame's own leaves the history e^-1
FB_RELATIVE, FB_ABSOLUTE = 0.01, 2.0   # forward-backward check (Sundaram et al. 2010): the two flows disagree
                                       # where |back + forward|^2 > 0.01 (|back|^2 + |forward|^2) + 2 px^2 (grain)
CUT_MISMATCH = 12.0          # a scene cut: the median warped-L mismatch is above this many L units ...
CUT_OUTSIDE = 0.6            # ... or this share of the pixels flowed in from outside the previous frame
SMOOTHING = ("flow", "none", "average")
TITLES = {
    "flow": "Motion-compensated (recommended)",
    "none": "None: each frame on its own",
    "average": "Running average (for comparison)",
}


def work_size(height: int, width: int) -> tuple[int, int]:
    """The size flow and blending run at: the frame's, shrunk to at most WORK_LONG_SIDE on the long side."""
    scale = min(1.0, WORK_LONG_SIDE / float(max(height, width)))
    return max(1, round(height * scale)), max(1, round(width * scale))


class Smoother:
    """No smoothing: every frame keeps its own prediction. The base of the others (``reset``, ``stats``)."""

    name = "none"

    def __init__(self):
        self.flow_seconds = 0.0        # time spent on optical flow and warping (for the benchmark)
        self.cuts: list[int] = []      # frames (0-based) where the history was reset by a scene cut
        self.frame = -1

    def reset(self) -> None:
        self.frame = -1

    def __call__(self, L: np.ndarray, ab: np.ndarray) -> np.ndarray:
        """``L``: the frame's full-resolution lightness (H, W); ``ab``: the model's prediction (h, w, 2)
        at any resolution. Returns the ab to join with ``L`` (any resolution)."""
        self.frame += 1
        return ab


class AverageSmoother(Smoother):
    """ab_out = alpha x prediction + (1 - alpha) x previous ab_out, pixel by pixel, without motion."""

    name = "average"

    def __init__(self, alpha: float = AVERAGE_ALPHA):
        super().__init__()
        self.alpha = float(alpha)
        self.prev: np.ndarray | None = None

    def reset(self) -> None:
        super().reset()
        self.prev = None

    def __call__(self, L, ab):
        self.frame += 1
        h, w = work_size(*np.shape(L))
        ab = lab.resize_ab(ab, h, w)
        if self.prev is not None:
            ab = self.alpha * ab + (1.0 - self.alpha) * self.prev
        self.prev = ab
        return ab


class FlowSmoother(Smoother):
    """Motion-compensated smoothing (see the module's docstring)."""

    name = "flow"

    def __init__(self, alpha: float = ALPHA, sigma: float = MATCH_SIGMA, cut_mismatch: float = CUT_MISMATCH,
                 colour_sigma: float | None = COLOUR_SIGMA, check: bool = True, fb_absolute: float = FB_ABSOLUTE):
        import cv2

        super().__init__()
        self.cv2 = cv2
        self.alpha, self.sigma, self.cut_mismatch = float(alpha), float(sigma), float(cut_mismatch)
        self.colour_sigma = None if not colour_sigma else float(colour_sigma)     # None: no colour check
        self.check, self.fb_absolute = bool(check), float(fb_absolute)            # the forward-backward check
        self.dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_FAST)
        self.prev_L = self.prev_u8 = self.prev_ab = None
        self.grid = None

    def reset(self) -> None:
        super().reset()
        self.prev_L = self.prev_u8 = self.prev_ab = None

    def _grid(self, h: int, w: int):
        if self.grid is None or self.grid[0].shape != (h, w):
            self.grid = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
        return self.grid

    def history_weight(self, L: np.ndarray, u8: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
        """(warped previous ab, the weight of that history per pixel) for the current frame's L at the
        work size; (None, None) at a scene cut."""
        cv2 = self.cv2
        h, w = L.shape
        flow = self.dis.calc(u8, self.prev_u8, None)          # current pixel p came from p + flow in prev
        gx, gy = self._grid(h, w)
        mx, my = gx + flow[..., 0], gy + flow[..., 1]
        inside = (mx >= 0) & (mx <= w - 1) & (my >= 0) & (my <= h - 1)
        warped_L = cv2.remap(self.prev_L, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        # signed difference averaged over 5 x 5 pixels first: film grain cancels out, a real mismatch does not
        mismatch = np.abs(cv2.blur(L - warped_L, (5, 5)))
        if (1.0 - inside.mean() > CUT_OUTSIDE
                or float(np.median(mismatch[inside])) > self.cut_mismatch):
            return None, None
        warped_ab = cv2.remap(self.prev_ab, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        confidence = np.exp(-np.square(mismatch / self.sigma)) * inside
        if self.check:
            confidence *= self.consistent(u8, flow, mx, my)
        return warped_ab, (1.0 - self.alpha) * confidence

    def consistent(self, u8: np.ndarray, back: np.ndarray, mx: np.ndarray, my: np.ndarray) -> np.ndarray:
        """1 where the flow from the previous frame forward, read where the current pixel came from, brings
        it back to where it is (Sundaram, Brox and Keutzer 2010); 0 where it does not: an uncovered pixel,
        new content, or a flow that is wrong there."""
        cv2 = self.cv2
        forward = self.dis.calc(self.prev_u8, u8, None)
        forward = cv2.remap(forward, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        gap = np.square(back + forward).sum(-1)
        bound = FB_RELATIVE * (np.square(back).sum(-1) + np.square(forward).sum(-1)) + self.fb_absolute
        return (gap <= bound).astype(np.float32)

    def __call__(self, L, ab):
        self.frame += 1
        L = np.asarray(L, np.float32)
        h, w = work_size(*L.shape)
        L = lab.resize_l(L, h, w)
        ab = lab.resize_ab(ab, h, w)
        u8 = np.clip(L * 2.55 + 0.5, 0, 255).astype(np.uint8)
        if self.prev_u8 is not None:
            t0 = time.perf_counter()
            warped, weight = self.history_weight(L, u8)
            self.flow_seconds += time.perf_counter() - t0
            if weight is None:
                self.cuts.append(self.frame)
            else:
                if self.colour_sigma is not None:        # a colour far from the frame's own is not flicker
                    weight = weight * np.exp(-np.square(warped - ab).sum(-1) / self.colour_sigma ** 2)
                ab = ab + weight[..., None] * (warped - ab)
        self.prev_L, self.prev_u8, self.prev_ab = L, u8, ab
        return ab


def make_smoother(smoothing: str | None = "flow", **params) -> Smoother:
    """A new smoother by name ("flow" when None); ``params`` go to its constructor (alpha, sigma, ...)."""
    name = "flow" if smoothing is None else str(smoothing)
    classes = {"flow": FlowSmoother, "none": Smoother, "average": AverageSmoother}
    if name not in classes:
        raise ValueError(f"unknown smoothing {name!r}; choose from {', '.join(SMOOTHING)}")
    return classes[name](**params)
