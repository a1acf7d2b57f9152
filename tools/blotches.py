"""The blotch measure: how much of a face's skin a colorization paints in a colour that skin never has.

Used by tools/bench_blotches.py (the table), tools/bench_bimodal.py (why) and tools/model_panel.py (the faces
it shows); docs/blotches.md explains the choices and their sources. Pure numpy here, except
:func:`detect_faces` (OpenCV) and :func:`face_photos` (reads the photos); no TensorFlow.

A face box (from OpenCV's Haar cascade) -> its skin pixels -> each pixel's colour, one of:

* **skin**: chroma >= MIN_CHROMA and hue angle inside SKIN_HUE;
* **blotch**: chroma >= MIN_CHROMA and hue angle outside SKIN_HUE (red, magenta, blue, green on a face);
* **neutral**: chroma < MIN_CHROMA (a grey or faintly tinted pixel: neither).

The blotch share of a face is blotch pixels / skin pixels of the mask (neutral ones count in the denominator,
so a grey result scores 0).
"""

from __future__ import annotations

import fnmatch
import json
import os

import numpy as np

# The skin hue sector, CIE Lab hue angle h = atan2(b, a) in degrees (0 = red/magenta side of +a, 90 = yellow).
# Derived from the true colours of the held-out imnet_* faces below (FACE_PHOTOS): of their chromatic skin
# pixels (mask below, C >= 15) 5 % lie under 22 deg and 1 % over 80 deg; rounded out to 20..90 (orange-red to
# yellow). The bsds_2* and val faces were not used to choose it: they check it (docs/blotches.md).
SKIN_HUE = (20.0, 90.0)
# A stricter sector, only to show how much the figures depend on the lower edge: v2's red patches are a rose red
# of 20..35 deg at their centre (sRGB's pure red is 40 deg), where 5 to 10 % of real photographed skin lies too.
STRICT_HUE = (30.0, 90.0)
MIN_CHROMA = 15.0      # CIELAB chroma; below it a pixel reads as a grey tinted, not as a colour
# The skin part of a Haar face box, as fractions of its width and height: x 25..75 %, y 20..70 % (the cheeks,
# nose and eyes: without the background and ears at the sides, the hairline on top and the lips below).
INNER = (0.25, 0.75, 0.20, 0.70)
# Skin lightness, from the face's own L: between these percentiles of the inner box's L (drops the eyes,
# brows, nostrils and shadows below, the specular highlights above).
L_PERCENTILES = (30.0, 90.0)
BLOTCH_FACE = 0.10     # a face "has a blotch" when more than this share of its skin pixels are blotch
BIMODAL_APART = 30.0   # ab units between the two modes of a bimodal distribution (tools/bench_bimodal.py)
BIMODAL_RATIO = 0.5    # ... and the second mode at least this fraction of the first

# OpenCV's Haar cascades (in the opencv-contrib wheel): a box of the default frontal-face cascade counts
# when the alt2 cascade finds a box over the same face (IoU > 0.4): fewer false faces on 208 px photos.
CASCADE = "haarcascade_frontalface_default.xml"
CONFIRM = "haarcascade_frontalface_alt2.xml"
DETECT = {"scaleFactor": 1.05, "minSize": (20, 20)}
NEIGHBOURS = (5, 3)    # minNeighbors of CASCADE, CONFIRM

# The held-out photos (never trained on: models/README.md) that the detector looks through, and the ones in
# which every confirmed box is a real human face, checked by eye on a contact sheet (bench_blotches.py
# --scan): of the 1,163 held-out photos 63 had confirmed boxes (67); the 36 kept hold 39 faces; rejected were
# animals, textures, a doll, masks, statues, a painting, a sepia portrait (no true skin colour) and a diver's
# mask. Fixed here, before any model was measured, so that every model is judged on the same faces.
HELD_OUT = ("train/imnet_*", "train/bsds_2*", "val/*")
FACE_PHOTOS = (
    "bsds_230098_48db07.jpg", "bsds_23050_341ff7.jpg", "bsds_246009_05ed18.jpg",
    "bsds_285036_f70419.jpg", "bsds_290035_5e06a2.jpg", "imnet_n02088466_bloodhound_d7ed15.jpg",
    "imnet_n02093859_Kerry_blue_terrier_cef0d8.jpg", "imnet_n02098286_West_Highland_white_terrier_64cbbb.jpg",
    "imnet_n02098413_Lhasa_0cab63.jpg", "imnet_n02105641_Old_English_sheepdog_d8c415.jpg",
    "imnet_n02108422_bull_mastiff_7f6b4d.jpg", "imnet_n02536864_coho_3cb16d.jpg",
    "imnet_n02669723_academic_gown_68c8fd.jpg", "imnet_n03124170_cowboy_hat_d07a47.jpg",
    "imnet_n03125729_cradle_1ea476.jpg", "imnet_n03325584_feather_boa_e9253f.jpg",
    "imnet_n03372029_flute_37d268.jpg", "imnet_n03450230_gown_9c65e2.jpg", "imnet_n03617480_kimono_269898.jpg",
    "imnet_n03710721_maillot_5ede54.jpg", "imnet_n03720891_maraca_28509b.jpg",
    "imnet_n03763968_military_uniform_348464.jpg", "imnet_n03787032_mortarboard_f48943.jpg",
    "imnet_n03884397_panpipe_eba356.jpg", "imnet_n03887697_paper_towel_03095f.jpg",
    "imnet_n04136333_sarong_991579.jpg", "imnet_n04235860_sleeping_bag_a9d1a2.jpg",
    "imnet_n04532106_vestment_834bf4.jpg", "imnet_n04584207_wig_ed2b49.jpg",
    "imnet_n07714571_head_cabbage_51343a.jpg", "bsds_119082_d89050.jpg", "bsds_189080_bb9d0e.jpg",
    "bsds_216081_f54a25.jpg", "bsds_302008_354cd0.jpg", "bsds_376043_bb8c33.jpg",
    "imnet_n04591157_Windsor_tie_33dbfa.jpg",
)
# scikit-image's sample photos at 512 px (core.figures.samples.load_sample): astronaut (colour, made grey) and
# camera (a real black-and-white photo: no true colours). Boxes (x, y, w, h): the frontal cascades' box on the
# astronaut's face (their second box, on the background, dropped by eye); the camera man is in profile, which
# the frontal cascades miss and haarcascade_profileface.xml boxes mostly as hair: placed by eye on his face
# (after v2's red patch there had been seen; docs/blotches.md).
SAMPLE_SIDE = 512
SAMPLE_FACES = {"astronaut": ((176, 65, 97, 97),), "camera": ((170, 105, 100, 110),)}


def hue_chroma(ab: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Hue angle in degrees, in (-90, 270] so that the skin sector and the reds just below 0 are contiguous,
    and chroma, of ab (..., 2)."""
    ab = np.asarray(ab, np.float64)
    a, b = ab[..., 0], ab[..., 1]
    h = np.degrees(np.arctan2(b, a))
    return np.where(h <= -90.0, h + 360.0, h), np.hypot(a, b)


def classify(ab: np.ndarray, sector=SKIN_HUE) -> tuple[np.ndarray, np.ndarray]:
    """(blotch, skin) boolean masks of ab (..., 2); pixels in neither are neutral (chroma < MIN_CHROMA)."""
    h, c = hue_chroma(ab)
    chromatic = c >= MIN_CHROMA
    inside = (h >= sector[0]) & (h <= sector[1])
    return chromatic & ~inside, chromatic & inside


def inner_box(box, shape) -> tuple[slice, slice]:
    """The skin part (INNER) of a face box (x, y, w, h), clipped to an image of ``shape``, as (rows, cols)."""
    x, y, w, h = (int(v) for v in box)
    x0, x1 = x + int(INNER[0] * w), x + int(INNER[1] * w)
    y0, y1 = y + int(INNER[2] * h), y + int(INNER[3] * h)
    return slice(max(y0, 0), min(y1, shape[0])), slice(max(x0, 0), min(x1, shape[1]))


def skin_mask(L: np.ndarray, box) -> np.ndarray:
    """Boolean (H, W): the skin-lightness pixels of the face ``box`` in the lightness ``L`` (H, W) (the grey
    input's, so the same pixels for every model and for the true colours)."""
    mask = np.zeros(L.shape[:2], bool)
    rows, cols = inner_box(box, L.shape)
    part = np.asarray(L[rows, cols], np.float64)
    if part.size == 0:
        return mask
    lo, hi = np.percentile(part, L_PERCENTILES)
    mask[rows, cols] = (part >= lo) & (part <= hi)
    return mask


def blotch_share(L: np.ndarray, ab: np.ndarray, box) -> dict[str, float]:
    """The face ``box``'s measure for one colouring ``ab`` (H, W, 2) of lightness ``L``: ``blotch`` and ``skin``
    (shares of the skin pixels), ``strict`` (the blotch share with STRICT_HUE), ``hue`` (the median hue angle
    of its pixels of chroma >= MIN_CHROMA; NaN when none) and ``pixels`` (how many)."""
    mask = skin_mask(L, box)
    n = int(mask.sum())
    if n == 0:
        return {"blotch": 0.0, "skin": 0.0, "strict": 0.0, "hue": float("nan"), "pixels": 0}
    blotch, skin = classify(np.asarray(ab)[mask])
    strict, _ = classify(np.asarray(ab)[mask], STRICT_HUE)
    h, c = hue_chroma(np.asarray(ab)[mask])
    hue = float(np.median(h[c >= MIN_CHROMA])) if (c >= MIN_CHROMA).any() else float("nan")
    return {"blotch": float(blotch.mean()), "skin": float(skin.mean()), "strict": float(strict.mean()), "hue": hue,
            "pixels": n}


def summarise(shares: list[float], threshold: float = BLOTCH_FACE) -> dict[str, float]:
    """Mean blotch share over faces and how many faces are over ``threshold``."""
    s = np.asarray(shares, np.float64)
    return {"faces": int(s.size), "mean": float(s.mean()) if s.size else float("nan"),
            "over": int((s > threshold).sum())}


def iou(p, q) -> float:
    x1, y1 = max(p[0], q[0]), max(p[1], q[1])
    x2, y2 = min(p[0] + p[2], q[0] + q[2]), min(p[1] + p[3], q[1] + q[3])
    inter = max(0, x2 - x1) * max(0, y2 - y1)
    return inter / float(p[2] * p[3] + q[2] * q[3] - inter)


def detect_faces(grey: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Face boxes (x, y, w, h) in a grey uint8 image (H, W): CASCADE's boxes that CONFIRM also finds."""
    import cv2

    img = cv2.equalizeHist(np.ascontiguousarray(grey, np.uint8))
    found = []
    for name, n in zip((CASCADE, CONFIRM), NEIGHBOURS, strict=True):
        path = cv2.data.haarcascades + name
        cascade = cv2.CascadeClassifier(path)
        if cascade.empty():
            raise RuntimeError(f"OpenCV's {path} is missing (it ships in the opencv-contrib wheel)")
        found.append([tuple(int(v) for v in b) for b in cascade.detectMultiScale(img, minNeighbors=n, **DETECT)])
    return [p for p in found[0] if any(iou(p, q) > 0.4 for q in found[1])]


def held_out_files(data: str) -> list[str]:
    """The held-out photos under the data folder ``data`` (its train/ and val/), sorted."""
    from core.images import list_images

    out = []
    for pattern in HELD_OUT:
        folder, glob = pattern.split("/")
        out += [f for f in list_images([os.path.join(data, folder)]) if fnmatch.fnmatch(os.path.basename(f), glob)]
    return sorted(out)


def read_grey(path: str) -> np.ndarray:
    from core.images import load_image
    from core.lab import to_grey_rgb

    return to_grey_rgb(load_image(path))[..., 0]


def face_photos(data: str, cache: str) -> dict[str, list]:
    """{path of each FACE_PHOTOS photo: its face boxes}, detected once and kept in the JSON ``cache``."""
    if os.path.isfile(cache):
        with open(cache) as f:
            kept = json.load(f)
        if kept.get("data") == os.path.abspath(data) and sorted(kept["faces"]) == sorted(FACE_PHOTOS):
            return {os.path.join(data, *where): boxes for where, boxes in
                    ((kept["where"][n], b) for n, b in kept["faces"].items())}
    where = {os.path.basename(f): os.path.relpath(f, data).split(os.sep) for f in held_out_files(data)}
    missing = [n for n in FACE_PHOTOS if n not in where]
    if missing:
        raise SystemExit(f"{len(missing)} face photos are not in {data} (e.g. {missing[0]}); is it the project's "
                         "data folder (../shared/data)?")
    faces = {n: detect_faces(read_grey(os.path.join(data, *where[n]))) for n in FACE_PHOTOS}
    os.makedirs(os.path.dirname(os.path.abspath(cache)), exist_ok=True)
    with open(cache, "w") as f:
        json.dump({"data": os.path.abspath(data), "where": {n: where[n] for n in FACE_PHOTOS},
                   "faces": faces}, f, indent=1)
    return {os.path.join(data, *where[n]): boxes for n, boxes in faces.items()}
