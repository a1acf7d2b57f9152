"""The built-in sample photos (shipped inside scikit-image's wheel) and the app's drawn icon.

Real black-and-white photos come first (the real use case), then colour photos that the app makes grey
to test the models against the true colours. Each one's source and licence are shown in the app.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core import lab
from core.images import fit_within


@dataclass(frozen=True)
class Sample:
    name: str        # scikit-image loader, e.g. "chelsea"
    title: str
    credit: str      # who made it, and where it comes from
    licence: str
    colour: bool     # True: a colour photo (made grey, a test); False: a real black-and-white photo


# Only photos that scikit-image ships inside its wheel (no download at run time). Sources and licences
# as scikit-image documents them (skimage.data); real black-and-white photos first.
SAMPLES: tuple[Sample, ...] = (
    Sample("camera", "Photographer with a camera", "Lav Varshney, via scikit-image", "CC0", False),
    Sample("coins", "Greek coins from Pompeii", "Brooklyn Museum Collection, via scikit-image",
           "no known copyright restrictions", False),
    Sample("chelsea", "Chelsea the cat", "Stefan van der Walt, via scikit-image", "CC0", True),
    Sample("coffee", "Cup of coffee", "Rachel Michetti, via scikit-image", "CC0", True),
    Sample("astronaut", "Astronaut Eileen Collins", "NASA Great Images, via scikit-image", "public domain", True),
    Sample("rocket", "Rocket on the launch pad", "SpaceX, via scikit-image", "public domain", True),
    Sample("immunohistochemistry", "Stained tissue (microscope)",
           "Center for Microscopy and Molecular Imaging (CMMI), via scikit-image", "no known copyright restrictions",
           True),
)
SAMPLE_BY_NAME = {s.name: s for s in SAMPLES}
BW_SAMPLES = tuple(s for s in SAMPLES if not s.colour)         # real black-and-white photos
COLOUR_SAMPLES = tuple(s for s in SAMPLES if s.colour)         # colour photos, made grey as tests


def load_sample(name: str, max_side: int = 512) -> np.ndarray:
    """The sample ``name`` as RGB uint8 (grey ones as R = G = B), shrunk so its long side is at most
    ``max_side``."""
    if name not in SAMPLE_BY_NAME:
        raise ValueError(f"unknown sample {name!r}; choose from {', '.join(SAMPLE_BY_NAME)}")
    from skimage import data

    arr = np.asarray(getattr(data, name)(), dtype=np.uint8)
    if arr.ndim == 2:
        arr = np.repeat(arr[..., None], 3, axis=2)
    return fit_within(np.ascontiguousarray(arr[..., :3]), max_side)


def app_icon(size: int = 64) -> np.ndarray:
    """The app's favicon, drawn here (no download): a colour wheel whose left half is grey."""
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    c = (size - 1) / 2.0
    r = np.hypot(xx - c, yy - c) / c
    theta = np.arctan2(c - yy, xx - c)
    chroma = np.where(xx > c, 75.0 * np.clip(r, 0, 1), 0.0)
    lab_img = np.stack([np.full_like(r, 65.0), chroma * np.cos(theta), chroma * np.sin(theta)], axis=-1)
    rgb = lab.lab_to_rgb(lab_img)
    rgb[r > 1.0] = 255
    return rgb
