"""Measure how far one colour hint leaks out of the object it was put on (core.guide's spreading).

    python tools/bench_leakage.py [--model autoencoder] [--variant NAME=key:value,...]
                                  [--gain ../shared/data/train --limit 40] [--scans [FOLDER] --scan-limit 20]

Objects with a known outline, made here from scikit-image's sample photos (colour thresholds, morphology
and a hand-placed ellipse or box, deterministic; see :func:`objects`): the astronaut's orange suit and her
black helmet, the coffee's red saucer and cup and the coffee in it, the rocket and the sky around it, the
motorcycle's red tank and side panels, the cat's pink nose. Each photo is made grey (its L), coloured by
the model (the base), and one click (the Guide page's "small" brush: radius 0.8 % of the long side) in a
strong red, blue or green is put at the object's deepest point. Measured against the base alone:

- **leak ΔE**: mean ΔE2000 (skimage.color.deltaE_ciede2000) change outside the object, at more than
  MARGIN (2 % of the long side) from its outline and from any other part of the same colour;
- **leak > 5**: the share of those outside pixels changed by more than 5 ΔE2000;
- **coverage**: the share of the object's pixels (more than 3 px inside its outline) that went at least
  half of the way from the base's ab to the hint's (at each pixel's L, inside sRGB).

``--variant`` runs the same with other keyword arguments of ``core.guide.spread.spread_ab`` (for choosing
them); ``--gain FOLDER`` adds the "10 hints over the automatic result" score of tools/bench_guide.py on the
held-out photos of FOLDER (names ``bsds_2*`` and ``imnet_*``: never tune on val) for every variant.
``--scans`` adds whole photos without outlines (scikit-image's camera, astronaut and coffee made grey, and
photos of FOLDER): leaks across L's strong edges and whether a second click keeps the first one's region
(tools/leakage_scans.py says how).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

COLOURS = {"red": (220, 30, 30), "blue": (30, 70, 220), "green": (30, 170, 50)}
BRUSH = 0.008           # the Guide page's default ("small") brush: radius / long side
MARGIN = 0.02           # outside = further than this x the long side from the object (and its look-alikes)
INSIDE = 3              # coverage is measured more than this many pixels inside the outline
CHANGED = 5.0           # ΔE2000 that counts as a visible change
HELD_OUT = ("bsds_2", "imnet_")


# --------------------------------------------------------------------------- the objects


def _disk(r: int) -> np.ndarray:
    import cv2

    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))


def _largest(mask: np.ndarray) -> np.ndarray:
    import cv2

    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    if n <= 1:
        return mask.astype(bool)
    return labels == 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))


def _fill_small_holes(mask: np.ndarray, area: int) -> np.ndarray:
    import cv2

    n, labels, stats, _ = cv2.connectedComponentsWithStats((~mask).astype(np.uint8), connectivity=4)
    small = np.zeros(n, bool)
    small[1:] = stats[1:, cv2.CC_STAT_AREA] < area
    return mask | small[labels]


def _clean(mask: np.ndarray, close: int, holes: int, opening: int = 1) -> np.ndarray:
    import cv2

    m = mask.astype(np.uint8)
    if opening:
        m = cv2.morphologyEx(m, cv2.MORPH_OPEN, _disk(opening))
    m = cv2.morphologyEx(m, cv2.MORPH_CLOSE, _disk(close))
    return _fill_small_holes(_largest(m), holes)


def _ellipse(shape, cy: int, cx: int, ry: int, rx: int) -> np.ndarray:
    import cv2

    m = np.zeros(shape, np.uint8)
    cv2.ellipse(m, (cx, cy), (rx, ry), 0, 0, 360, 1, -1)
    return m.astype(bool)


def _lch(rgb: np.ndarray):
    from skimage import color

    lab = color.rgb2lab(rgb)
    return lab[..., 0], np.hypot(lab[..., 1], lab[..., 2]), np.degrees(np.arctan2(lab[..., 2], lab[..., 1])), lab


def objects() -> list[dict]:
    """The objects measured: dicts with photo, name, rgb, mask (the object) and alike (the object and other
    parts of the same colour, left out of "outside"). Made from thresholds of the colour original, a
    hand-placed ellipse or box, an opening, a closing, the largest piece and its small holes filled."""
    from skimage import data

    out = []

    def add(photo, name, rgb, raw, cleaned, alike=None):
        # the click goes where the raw threshold and the cleaned object agree (not on a filled-in hole)
        out.append({"photo": photo, "name": name, "rgb": rgb, "mask": cleaned, "click": cleaned & raw,
                    "alike": cleaned if alike is None else (alike | cleaned)})

    rgb = data.astronaut()
    L, C, h, _ = _lch(rgb)
    yy, xx = np.mgrid[:rgb.shape[0], :rgb.shape[1]]
    orange = (C > 35) & (h > 33) & (h < 60) & (L > 35)
    raw = orange & (xx < 372) & (yy > 140)
    add("astronaut", "orange suit", rgb, raw, _clean(raw, 4, 3000))
    raw = _ellipse(L.shape, 432, 393, 92, 118) & (L < 45)
    add("astronaut", "black helmet", rgb, raw, _clean(raw, 4, 5000))
    rgb = data.coffee()
    L, C, h, _ = _lch(rgb)
    ceramic = (C > 45) & (h > 30) & (h < 50) & (L < 45)
    raw = ceramic & _ellipse(L.shape, 228, 278, 168, 208)
    add("coffee", "red saucer and cup", rgb, raw, _clean(raw, 3, 800), ceramic)
    raw = _ellipse(L.shape, 145, 290, 52, 90) & (h > 50) & (C > 35) & (L > 40)
    add("coffee", "coffee", rgb, raw, _clean(raw, 3, 800))
    rgb = data.rocket()
    L, C, h, lab = _lch(rgb)
    yy, xx = np.mgrid[:rgb.shape[0], :rgb.shape[1]]
    raw = (L > 48) & (xx > 300) & (xx < 345) & (yy > 120) & (yy < 360)
    add("rocket", "rocket", rgb, raw, _clean(raw, 2, 300))
    raw = (lab[..., 2] < -10) & (yy < 350)
    add("rocket", "sky", rgb, raw, _clean(raw, 1, 300, opening=0))
    rgb = data.stereo_motorcycle()[0]
    L, C, h, _ = _lch(rgb)
    yy, xx = np.mgrid[:rgb.shape[0], :rgb.shape[1]]
    red = (C > 55) & (h > 20) & (h < 50) & (L > 25)
    box = (xx > 515) & (xx < 625) & (yy > 170) & (yy < 283)          # a red plastic box on the shelf
    add("stereo_motorcycle", "red tank and side panels", rgb, red & ~box, _clean(red & ~box, 3, 500), red)
    rgb = data.chelsea()
    L, C, h, _ = _lch(rgb)
    raw = _ellipse(L.shape, 242, 262, 26, 36) & (C > 28) & (h > 20) & (h < 50)
    add("chelsea", "pink nose", rgb, raw, _clean(raw, 2, 200))
    return out


# --------------------------------------------------------------------------- the measurement


def guided(L: np.ndarray, base_ab: np.ndarray, hints, **params) -> np.ndarray:
    """What core.guide.apply_hints does (photos under 4 MP, no reference, no vibrance), with ``params`` for
    core.guide.spread.spread_ab: the guided photo as RGB uint8."""
    from core import gamut, lab
    from core.guide import spread

    ab = spread.spread_ab(L, hints, base_ab, **params)
    return lab.join_l_ab(L, gamut.fit_ab_to_gamut(L, ab))


def prepare(obj: dict, model: str) -> dict:
    import cv2

    from core import colorize, lab
    from core.guide import Hint

    rgb, mask = obj["rgb"], obj["mask"]
    h, w = mask.shape
    side = max(h, w)
    grey = lab.to_grey_rgb(rgb)
    auto = colorize(grey, model=model)
    L = lab.lightness(grey)
    depth = cv2.distanceTransform(mask.astype(np.uint8), cv2.DIST_L2, 5)
    # the deepest point of the object, the photo's border counting as its outline
    click = cv2.distanceTransform(np.pad(obj["click"], 1).astype(np.uint8), cv2.DIST_L2, 5)[1:-1, 1:-1]
    y, x = np.unravel_index(int(np.argmax(click)), click.shape)
    away = cv2.distanceTransform((~obj["alike"]).astype(np.uint8), cv2.DIST_L2, 5)
    radius = max(1.0, BRUSH * side)
    return {**obj, "grey": grey, "L": L, "base_ab": lab.rgb_to_lab(auto)[..., 1:], "auto": auto,
            "outside": away > MARGIN * side, "inside": depth > INSIDE,
            "hints": {c: [Hint(((float(x), float(y)),), rgb_c, radius)] for c, rgb_c in COLOURS.items()}}


def measure(p: dict, colour: str, **params) -> tuple[float, float, float]:
    """(leak ΔE, leak > 5 share, coverage) of one click of ``colour`` on the prepared object ``p``."""
    from skimage.color import deltaE_ciede2000

    from core import gamut, lab

    out = guided(p["L"], p["base_ab"], p["hints"][colour], **params)
    lab_out = lab.rgb_to_lab(out)
    lab_base = lab.rgb_to_lab(p["auto"])
    d = deltaE_ciede2000(lab_base, lab_out)
    leak = d[p["outside"]]
    hint_ab = lab.rgb_to_lab(np.array([[COLOURS[colour]]], np.uint8))[0, 0, 1:]
    inside = p["inside"]
    L_in = p["L"][inside][None]
    target = gamut.fit_ab_to_gamut(L_in, np.broadcast_to(hint_ab, L_in.shape + (2,)).astype(np.float32))[0]
    start = lab_base[..., 1:][inside]
    way = target - start
    moved = ((lab_out[..., 1:][inside] - start) * way).sum(1) / np.maximum((way * way).sum(1), 1e-6)
    return float(leak.mean()), float((leak > CHANGED).mean()), float((moved >= 0.5).mean())


def gain(photos, **params) -> float:
    """Mean ΔE2000 of 10 ground-truth hints over the automatic result / the automatic result's (as
    tools/bench_guide.py's targets section: the same hints, seeded by the photo's index)."""
    from core import guide
    from core.metrics import delta_e2000

    auto, hinted = [], []
    for i, p in enumerate(photos):
        hs = guide.sample_hints(p["ref"], 10, seed=i)
        auto.append(delta_e2000(p["ref"], p["auto"]))
        hinted.append(delta_e2000(p["ref"], guided(p["L"], p["auto_ab"], hs, **params)))
    return float(np.mean(hinted) / np.mean(auto))


def scan_row(name: str, clicks: list, params: dict) -> list:
    """One row of the whole-photo table (tools/leakage_scans.py) for one setting of the spreading."""
    import leakage_scans

    scores = np.array([measure(c, c["colour"], **params) for photo in clicks for c in photo])
    pairs = np.array([leakage_scans.kept(photo[0], photo[1], guided, **params) for photo in clicks
                      if len(photo) > 1])
    return [name, f"{scores[:, 0].mean():.2f}", f"{100 * scores[:, 1].mean():.1f} %",
            f"{100 * scores[:, 2].mean():.1f} %", f"{pairs[:, 0].mean():.2f}", f"{100 * pairs[:, 1].mean():.1f} %"]


def parse_variant(text: str) -> tuple[str, dict]:
    name, _, rest = text.partition("=")
    params = {}
    for item in filter(None, rest.split(",")):
        key, _, value = item.partition(":")
        params[key.strip()] = float(value)
    return name.strip(), params


def table(header, rows) -> str:
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(["---"] + ["---:"] * (len(header) - 1)) + " |"]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="autoencoder")
    ap.add_argument("--variant", action="append", default=[],
                    help="NAME=key:value,... keyword arguments of core.guide.spread.spread_ab (repeatable)")
    ap.add_argument("--gain", default=None, help="a folder of colour photos: also the 10-hint score on its "
                    "held-out photos (bsds_2*, imnet_*)")
    ap.add_argument("--limit", type=int, default=40, help="photos for --gain (evenly spaced)")
    ap.add_argument("--per-object", action="store_true", help="also a table per object")
    ap.add_argument("--scans", nargs="?", const="", default=None,
                    help="also whole photos: scikit-image's three made grey, and FOLDER's (tools/leakage_scans.py)")
    ap.add_argument("--scan-limit", type=int, default=20, help="photos of the --scans FOLDER (evenly spaced)")
    ap.add_argument("--no-objects", action="store_true", help="skip the hand-masked objects")
    args = ap.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    t0 = time.perf_counter()
    prepared = [] if args.no_objects else [prepare(o, args.model) for o in objects()]
    clicks = []
    if args.scans is not None:
        import leakage_scans

        for name, grey in leakage_scans.photos(args.scans or None, args.scan_limit):
            clicks.append(leakage_scans.prepare(name, grey, args.model, COLOURS, BRUSH, MARGIN, INSIDE))
    photos = []
    if args.gain:
        from bench_guide import load_photos

        photos = load_photos(args.gain, args.limit, args.model, None, prefixes=HELD_OUT)
    print(f"{len(prepared)} objects, {len(clicks)} whole photos, {len(photos)} photos for the gain "
          f"({time.perf_counter() - t0:.0f} s)",
          file=sys.stderr, flush=True)
    variants = [("shipped", {})] + [parse_variant(v) for v in args.variant]
    rows, per, scan_rows = [], [], []
    for name, params in variants:
        if clicks:
            scan_rows.append(scan_row(name, clicks, params))
        if not prepared:
            continue
        scores = np.array([[measure(p, c, **params) for c in COLOURS] for p in prepared])   # (objects, colours, 3)
        cells = [name, f"{scores[..., 0].mean():.2f}", f"{100 * scores[..., 1].mean():.1f} %",
                 f"{100 * scores[..., 2].mean():.1f} %"]
        if photos:
            cells.append(f"{gain(photos, **params):.3f}")
        rows.append(cells)
        per.append(scores.mean(1))
        print(f"  {name} done", file=sys.stderr, flush=True)
    if args.per_object:
        head = ["object (mean of 3 colours)"] + [f"{k}: {n}" for k in ("leak ΔE", "coverage") for n, _ in variants]
        lines = [[f"{p['photo']}: {p['name']}"] + [f"{s[i, 0]:.2f}" for s in per]
                 + [f"{100 * s[i, 2]:.0f} %" for s in per] for i, p in enumerate(prepared)]
        print(table(head, lines) + "\n", flush=True)
    if scan_rows:
        n = sum(len(c) for c in clicks)
        print(f"**Whole photos: {n} clicks on {len(clicks)} photos, and a second click** (base: {args.model})\n")
        print(table(["settings", "leak ΔE2000 beyond strong edges", f"changed > {CHANGED:g}", "coverage",
                     "first region after a second click: ΔE2000", "changed > 5"], scan_rows) + "\n", flush=True)
    if not prepared:
        return 0
    head = ["settings", "leak ΔE2000", f"outside changed > {CHANGED:g}", "coverage"]
    if photos:
        head.append(f"10 hints × automatic ({len(photos)} held-out photos)")
    print(f"**One click on {len(prepared)} objects x {len(COLOURS)} colours** (base: {args.model})\n")
    print(table(head, rows), flush=True)
    print(f"\n(total {time.perf_counter() - t0:.0f} s, {os.cpu_count()} CPUs)", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
