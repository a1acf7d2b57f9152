"""Is a photo black-and-white, a toned black-and-white print, or a colour photo? (no Streamlit here)

Real scans of old black-and-white prints are almost never exactly grey: JPEG chroma noise, yellowed
paper, sepia or cyanotype toning. So the decision is statistical, over the whole picture, never a
per-pixel maximum:

* the photo is shrunk (area average, :data:`ANALYSIS_SIDE` px on the long side) and its a, b channels
  are smoothed over 3 x 3 pixels: fine-grained chroma noise (scanner, JPEG) averages away, colour
  areas stay;
* ``chroma``: how strong the overall tint is, the chroma of the photo's mean colour (Lab units);
* ``spread``: how much the colours vary *beyond one tint*: the RMS distance in ab of each pixel from the
  tint expected at its lightness (:data:`BANDS` equal-count lightness bands, in each the tint as a straight
  line in L, fitted by least squares; L is smoothed like a and b, so that where neighbours mix at an
  edge the tint still matches the lightness). A toned
  print may be browner in the midtones than in the highlights (its tint follows the lightness), but at a
  given lightness every pixel has the same tint; a colour photo has different colours at one lightness
  (a red shirt and a green tree);
* ``"colour"`` when ``spread >= min(SPREAD_CAP, max(SPREAD_BASE, SPREAD_OFFSET + SPREAD_PER_CHROMA * chroma))``
  (a strong
  tint brings some unevenness of its own: JPEG, clipped highlights, but never more than SPREAD_CAP); else
  ``"grey"`` when ``chroma < GREY_CHROMA`` (below a just-noticeable difference), else ``"toned"``.

The thresholds were measured on made-up sepia-, cyanotype- and yellowed-paper-toned versions of the
scikit-image sample photos (weak to strong: tint chroma 3 to 45, JPEG quality 75 and 90, with and without
scanner noise, also as small 64-128 px uploads), on grey JPEGs with chroma noise and on mildly colourful
colour photos (their colours turned down to 20-40 %), all in ``tests/test_kind.py``; the margins on that set
are small (about 4 %), so a photo near the line can go either way. A one-hue scene turned down (the
brown ``coffee`` sample at 20-30 % of its colour) reads as "toned": at that point it is one even tint.
An earlier rule (8 flat bands, capped at 3.5) was measured once on the project's 13,509 colour training and
validation photos: 98.8 % "colour" (not measured again for this rule).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core import lab
from core.rgb import check_rgb

KINDS = ("grey", "toned", "colour")
ANALYSIS_SIDE = 128          # long side of the shrunk copy that is measured (at most half the photo's) ...
MIN_ANALYSIS_SIDE = 32       # ... unless that would be less than this
BANDS = 8                    # lightness bands (equal pixel counts) that may each have their own tint
SPREAD_BASE = 1.65           # a photo with less colour variety than this (Lab units) is not a colour photo ...
SPREAD_OFFSET = 0.4          # ... nor one with less than this plus ...
SPREAD_PER_CHROMA = 0.21     # ... this share of its tint's chroma (a strong tint is a little uneven: JPEG's
                             #     half-resolution colour, clipped highlights) ...
SPREAD_CAP = 3.9             # ... but a spread of this much is always colour
MAX_TINT_SLOPE = 1.5         # a toned print's tint changes by at most this much (a or b) per unit of L
GREY_CHROMA = 1.5            # a tint weaker than this is invisible: the photo is simply grey

# Names of tints by hue angle in the ab plane (degrees, 0 = red along +a, 90 = yellow along +b).
_TINT_NAMES = ((35, "reddish"), (75, "sepia"), (110, "yellowish"), (170, "greenish"), (215, "cyan"),
               (290, "blue"), (345, "purple"), (360, "reddish"))


@dataclass(frozen=True)
class PhotoKind:
    """The verdict on one photo and the figures it rests on."""

    kind: str          # "grey", "toned" or "colour"
    chroma: float      # strength of the overall tint: chroma of the mean colour (Lab units, 0 = neutral)
    spread: float      # colour variety beyond that tint (Lab units)
    hue: float         # hue angle of the tint, degrees in [0, 360)

    @property
    def limit(self) -> float:
        """The spread from which a photo with this tint counts as a colour photo."""
        return spread_limit(self.chroma)

    @property
    def tint(self) -> str:
        """A plain name of the tint ("sepia", "blue", ...), "" for a grey photo."""
        if self.kind == "grey":
            return ""
        return next(name for upper, name in _TINT_NAMES if self.hue < upper)

    def figures(self) -> str:
        return f"chroma {self.chroma:.1f}, spread {self.spread:.1f}"

    def reason(self) -> str:
        """Why, in plain words (one sentence without the verdict)."""
        if self.kind == "grey":
            return f"it has no colour beyond noise ({self.figures()})"
        if self.kind == "toned":
            return f"its colour is one even {self.tint} tint ({self.figures()})"
        return (f"it has several different colours (colour spread {self.spread:.1f}, more than the "
                f"{self.limit:.1f} that one tint of chroma {self.chroma:.1f} can explain)")


def spread_limit(chroma: float) -> float:
    """The colour spread from which a photo whose overall tint has this chroma is a colour photo."""
    return min(SPREAD_CAP, max(SPREAD_BASE, SPREAD_OFFSET + SPREAD_PER_CHROMA * float(chroma)))


def _analysis_lab(rgb: np.ndarray) -> np.ndarray:
    import cv2

    small = np.ascontiguousarray(rgb[..., :3])
    h, w = small.shape[:2]
    # at most half size: JPEG keeps colour at half resolution, so its 2 x 2 blocks are averaged whole
    scale = min(ANALYSIS_SIDE / float(max(h, w)), 0.5) if max(h, w) >= 2 * MIN_ANALYSIS_SIDE else 1.0
    if scale < 1.0:
        small = cv2.resize(small, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
    out = lab.rgb_to_lab(small)
    out = cv2.blur(out, (3, 3))      # a, b and L alike: a tint that follows L still matches L where they mix
    return out


def _band_tints(L: np.ndarray, ab: np.ndarray, band: np.ndarray) -> np.ndarray:
    """Each pixel's expected tint: within its lightness band, the tint as a straight line in L (least squares)
    -- a toned print's tint changes smoothly with the lightness, also inside one band."""
    counts = np.maximum(np.bincount(band, minlength=BANDS), 1)

    def mean(values):
        return np.bincount(band, weights=values, minlength=BANDS) / counts

    mL = mean(L)
    dL = L - mL[band]
    var = mean(dL * dL)
    out = np.empty_like(ab)
    for i in range(2):
        m = mean(ab[:, i])
        slope = np.where(var > 1e-6, mean(dL * (ab[:, i] - m[band])) / np.maximum(var, 1e-6), 0.0)
        slope = np.clip(slope, -MAX_TINT_SLOPE, MAX_TINT_SLOPE)   # no print's tint jumps with the lightness
        out[:, i] = m[band] + slope[band] * dL
    return out


def classify(rgb: np.ndarray) -> PhotoKind:
    """The kind of an H x W x 3 uint8 photo, with the figures that decided it (see the module doc)."""
    rgb = np.asarray(rgb)
    if rgb.ndim == 2:
        return PhotoKind("grey", 0.0, 0.0, 0.0)
    rgb = check_rgb(rgb, "the photo")
    lab_img = _analysis_lab(rgb)
    L = lab_img[..., 0].ravel()
    ab = lab_img[..., 1:].reshape(-1, 2).astype(np.float64)
    mean = ab.mean(axis=0)
    chroma = float(np.hypot(mean[0], mean[1]))
    hue = float(np.degrees(np.arctan2(mean[1], mean[0])) % 360.0)
    # the tint of each lightness band (equal pixel counts), and each pixel's distance from its band's tint
    band = np.empty(L.size, np.intp)
    band[np.argsort(L, kind="stable")] = (np.arange(L.size) * BANDS) // L.size
    spread = float(np.sqrt(np.mean(np.sum((ab - _band_tints(L.astype(np.float64), ab, band)) ** 2, axis=1))))
    if spread >= spread_limit(chroma):
        kind = "colour"
    elif chroma < GREY_CHROMA:
        kind = "grey"
    else:
        kind = "toned"
    return PhotoKind(kind, chroma, spread, hue)


def photo_kind(rgb: np.ndarray) -> str:
    """``"grey"``, ``"toned"`` (a monochrome photo with one overall tint) or ``"colour"``."""
    return classify(rgb).kind
