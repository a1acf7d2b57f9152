"""Leaks of one click, and two clicks combining, on whole photos without hand-made outlines (issue 34).

Used by ``tools/bench_leakage.py --scans [FOLDER]``. No real black-and-white scans ship with the project, so the
photos are scikit-image's camera, astronaut and coffee made grey, plus (with FOLDER) colour photos evenly
spaced from it, made grey (their colour is never used: the regions come from L alone). On each photo:

- **regions** from L's edges (a Gaussian of σ = 1, Sobel): a *strong* edge is a step of >= STRONG L units
  over 3 px, a *weak* one of >= WEAK; a region is a connected piece of the photo between edges (edges
  widened by 1 px). The clicks go at the deepest points of the up to 3 largest weak-edge regions (each
  >= 1 % of the photo), in the one of red, blue or green farthest from the base's colour there;
- **leak ΔE / leak > 5**: ΔE2000 change against the base beyond every *strong* edge around the click
  (outside its strong-edge region, more than 2 % of the long side from it): what crossed a strong edge;
- **coverage**: the share of the click's weak-edge region (> 3 px inside) moved at least half-way to
  the hint's colour;
- **kept**: a second click (in the second region, with its own colour) added to the first: the mean
  ΔE2000 between the first click's result and the two clicks' result, inside the first region (0 = the
  first region kept its colour), and the share of it that changed by more than 5.
"""

from __future__ import annotations

import os

import numpy as np

STRONG, WEAK = 12.0, 6.0       # L units over 3 px
MIN_REGION = 0.01              # of the photo
SKIMAGE = ("camera", "astronaut", "coffee")


def edges(L: np.ndarray, step: float) -> np.ndarray:
    import cv2

    g = cv2.GaussianBlur(np.asarray(L, np.float32), (0, 0), 1.0)
    mag = np.hypot(cv2.Sobel(g, cv2.CV_32F, 1, 0, ksize=3), cv2.Sobel(g, cv2.CV_32F, 0, 1, ksize=3)) / 8.0
    return cv2.dilate((3.0 * mag >= step).astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)


def regions(L: np.ndarray, step: float) -> np.ndarray:
    """Labels (0 = an edge) of the pieces of the photo between edges of at least ``step``."""
    import cv2

    return cv2.connectedComponents((~edges(L, step)).astype(np.uint8), connectivity=4)[1]


def photos(folder: str | None, limit: int) -> list[tuple[str, np.ndarray]]:
    """(name, grey RGB) of scikit-image's three photos and, with ``folder``, ``limit`` photos evenly spaced."""
    from skimage import data

    from core import lab, load_image
    from core.images import list_images

    out = []
    for name in SKIMAGE:
        img = getattr(data, name)()
        img = np.repeat(img[..., None], 3, 2) if img.ndim == 2 else img[..., :3]
        out.append((name, lab.to_grey_rgb(np.ascontiguousarray(img))))
    if folder and os.path.isdir(folder):
        files = list_images([folder])
        files = files[:: max(1, len(files) // max(1, limit))][:limit]
        out += [(os.path.basename(f), lab.to_grey_rgb(load_image(f))) for f in files]
    return out


def prepare(name: str, grey: np.ndarray, model: str, colours: dict, brush: float, margin: float,
            inside: int) -> list[dict]:
    """One dict per click (the measure of bench_leakage.measure takes it), in order of region size."""
    import cv2

    from core import colorize, lab
    from core.guide import Hint

    auto = colorize(grey, model=model)
    L = lab.lightness(grey)
    base_ab = lab.rgb_to_lab(auto)[..., 1:]
    weak, strong = regions(L, WEAK), regions(L, STRONG)
    side = max(L.shape)
    areas = np.bincount(weak.ravel())
    areas[0] = 0
    order = [int(i) for i in np.argsort(-areas)[:3] if areas[i] >= MIN_REGION * L.size]
    hint_ab = {c: lab.rgb_to_lab(np.array([[rgb]], np.uint8))[0, 0, 1:] for c, rgb in colours.items()}
    out = []
    for i in order:
        region = weak == i
        depth = cv2.distanceTransform(region.astype(np.uint8), cv2.DIST_L2, 5)
        y, x = np.unravel_index(int(np.argmax(depth)), depth.shape)
        mean = base_ab[region].mean(0)
        colour = max(colours, key=lambda c: float(np.linalg.norm(hint_ab[c] - mean)))
        reach = strong == strong[y, x]
        away = cv2.distanceTransform((~reach).astype(np.uint8), cv2.DIST_L2, 5)
        out.append({"photo": name, "name": f"region {len(out) + 1}", "L": L, "base_ab": base_ab, "auto": auto,
                    "outside": away > margin * side, "inside": depth > inside, "colour": colour,
                    "hints": {colour: [Hint(((float(x), float(y)),), colours[colour], max(1.0, brush * side))]}})
    return out


def kept(first: dict, second: dict, guided, **params) -> tuple[float, float]:
    """(mean ΔE2000, share > 5) inside the first click's region between one click and both clicks."""
    from skimage.color import deltaE_ciede2000

    from core import lab

    h1, h2 = first["hints"][first["colour"]], second["hints"][second["colour"]]
    one = guided(first["L"], first["base_ab"], h1, **params)
    two = guided(first["L"], first["base_ab"], h1 + h2, **params)
    d = deltaE_ciede2000(lab.rgb_to_lab(one), lab.rgb_to_lab(two))[first["inside"]]
    return float(d.mean()), float((d > 5.0).mean())
