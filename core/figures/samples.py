"""The built-in sample photos (shipped inside scikit-image's wheel) and the app's drawn icon."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core import lab
from core.images import fit_within


@dataclass(frozen=True)
class Sample:
    name: str        # scikit-image loader, e.g. "chelsea"
    title: str
    credit: str


# Only photos that scikit-image ships inside its wheel (no download at run time).
SAMPLES: tuple[Sample, ...] = (
    Sample("chelsea", "Chelsea the cat", "scikit-image sample data (Stefan van der Walt)"),
    Sample("coffee", "Cup of coffee", "scikit-image sample data (Rachel Michetti)"),
    Sample("astronaut", "Astronaut Eileen Collins", "scikit-image sample data (NASA, public domain)"),
    Sample("rocket", "Rocket on the launch pad", "scikit-image sample data (SpaceX, CC0)"),
    Sample("immunohistochemistry", "Stained tissue (microscope)", "scikit-image sample data (GWU)"),
)
SAMPLE_BY_NAME = {s.name: s for s in SAMPLES}


def load_sample(name: str, max_side: int = 512) -> np.ndarray:
    """The colour sample ``name`` as RGB uint8, shrunk so its long side is at most ``max_side``."""
    if name not in SAMPLE_BY_NAME:
        raise ValueError(f"unknown sample {name!r}; choose from {', '.join(SAMPLE_BY_NAME)}")
    from skimage import data

    rgb = np.ascontiguousarray(np.asarray(getattr(data, name)())[..., :3], dtype=np.uint8)
    return fit_within(rgb, max_side)


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
