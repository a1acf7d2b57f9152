"""Synthetic print damage for training and measuring the detector (no Streamlit, no Keras).

:func:`damage` draws scratches (thin bright or dark curves, 1-4 px wide, long: random Bezier curves
and polylines of varying intensity, slightly blurred), dust (small blobs and specks) and hairs (short
thin curves) over a clean lightness image in [0, 1], and returns the damaged image with the mask of
the drawn damage. Film grain / sensor noise is added to some images *before* the damage and is never
part of the mask, so the detector learns that grain is not damage. Some images get no damage at all.

:func:`structure` draws the opposite: *real* thin structure of sharp, larger photos into a clean image
(shaded rods with a highlight along one side such as tripod legs and handles, rim-lit object edges,
wires with their shadow), which is never damage; training crops get it before the damage is drawn.
Everything is driven by the ``numpy.random.Generator`` passed in: same seed, same damage.
"""

from __future__ import annotations

import cv2
import numpy as np

MASK_ALPHA = 0.25          # a drawn pixel belongs to the mask where the damage covers >= 25 % of it


def _bezier(rng, h, w, long: bool) -> np.ndarray:
    """Points of a random cubic Bezier curve (or a polyline) across a good part of the image."""
    size = max(h, w)
    p0 = rng.uniform([0, 0], [w, h])
    length = rng.uniform(0.4, 1.2) * size if long else rng.uniform(4, 20)
    angle = rng.uniform(0, 2 * np.pi)
    p3 = p0 + length * np.array([np.cos(angle), np.sin(angle)])
    bend = rng.normal(0, 0.15 if long else 0.4, size=(2, 2)) * length
    p1 = p0 + (p3 - p0) / 3 + bend[0]
    p2 = p0 + 2 * (p3 - p0) / 3 + bend[1]
    if long and rng.random() < 0.3:                      # a polyline with a few kinks
        pts = np.stack([p0, p1, p2, p3])
    else:
        t = np.linspace(0, 1, 64)[:, None]
        pts = (1 - t) ** 3 * p0 + 3 * (1 - t) ** 2 * t * p1 + 3 * (1 - t) * t ** 2 * p2 + t ** 3 * p3
    return np.round(pts * 4).astype(np.int32)            # 2 bits of sub-pixel precision for cv2


def _grain(grey: np.ndarray, rng) -> np.ndarray:
    """Film grain or sensor noise: Gaussian noise, sometimes blurred into clumps, of random strength."""
    sigma = rng.uniform(0.01, 0.06)
    noise = rng.normal(0, sigma, grey.shape).astype(np.float32)
    if rng.random() < 0.5:
        noise = cv2.GaussianBlur(noise, (0, 0), rng.uniform(0.5, 1.2)) * 1.8
    return np.clip(grey + noise, 0, 1)


def _dense(pts4: np.ndarray) -> np.ndarray:
    """Float points (N, 2), about one per pixel, along the polyline of :func:`_bezier`'s fixed-point output."""
    pts = pts4.astype(np.float64) / 4
    seg = np.linalg.norm(np.diff(pts, axis=0), axis=1)
    t = np.concatenate([[0], np.cumsum(seg)])
    s = np.linspace(0, t[-1], max(2, int(t[-1]) + 1))
    return np.stack([np.interp(s, t, pts[:, 0]), np.interp(s, t, pts[:, 1])], axis=1)


def _offset(pts: np.ndarray, d: float) -> np.ndarray:
    """The curve ``pts`` (N, 2) moved ``d`` px along its left normal."""
    tan = np.gradient(pts, axis=0)
    tan /= np.maximum(np.linalg.norm(tan, axis=1, keepdims=True), 1e-9)
    return pts + d * np.stack([-tan[:, 1], tan[:, 0]], axis=1)


def _paint(out: np.ndarray, pts: np.ndarray, width: int, value: float, closed: bool = False) -> np.ndarray:
    alpha = np.zeros(out.shape, np.float32)
    cv2.polylines(alpha, [np.round(pts * 4).astype(np.int32)], closed, 1.0, max(1, int(width)), cv2.LINE_AA, 2)
    return out * (1 - alpha) + value * alpha


def _at(img: np.ndarray, xy) -> float:
    """The value of ``img`` at the point (x, y), clamped to the image."""
    h, w = img.shape
    return float(img[int(np.clip(xy[1], 0, h - 1)), int(np.clip(xy[0], 0, w - 1))])


def _contrast(base: float, rng, lo: float = 0.2, hi: float = 0.6) -> float:
    """A value that differs from ``base`` by lo..hi, on whichever side has room."""
    d = rng.uniform(lo, hi)
    up = base + d <= 1 and (base - d < 0 or rng.random() < 0.5)
    return float(np.clip(base + d if up else base - d, 0, 1))


def structure(grey: np.ndarray, rng: np.random.Generator, n: int | None = None) -> np.ndarray:
    """``grey`` float32 (H, W) in [0, 1] with 1-3 pieces of real thin structure drawn in (no mask: it is
    part of the photo). Kinds: a shaded rod (body 3-16 px wide, a highlight of 15-45 % of it along one side,
    often a dark side), a plain bar of 5-10 px (wider than any drawn scratch), a rim-lit edge (an object
    region with a thin bright or dark rim along part of its border) and a wire with its parallel shadow.
    Half of the time the result is slightly blurred (optics)."""
    h, w = grey.shape
    out = grey.astype(np.float32).copy()
    for _ in range(int(rng.integers(1, 4)) if n is None else n):
        kind = rng.choice(["rod", "rod", "rim", "wire", "bar"])
        if kind == "rim":
            c = rng.uniform([0, 0], [w, h])
            r = rng.uniform(0.1, 0.4) * max(h, w)
            k = int(rng.integers(5, 10))
            ang = np.sort(rng.uniform(0, 2 * np.pi, k))
            poly = np.stack([c[0] + r * rng.uniform(0.6, 1.0, k) * np.cos(ang),
                             c[1] + r * rng.uniform(0.6, 1.0, k) * np.sin(ang)], axis=1)
            pts = _dense(np.round(np.vstack([poly, poly[:1]]) * 4).astype(np.int32))
            vo = _contrast(_at(out, c), rng, 0.15, 0.5)
            alpha = np.zeros(out.shape, np.float32)
            cv2.fillPoly(alpha, [np.round(pts * 4).astype(np.int32)], 1.0, cv2.LINE_AA, 2)
            out = out * (1 - alpha) + vo * alpha
            a0 = int(rng.integers(0, len(pts)))
            arc = np.roll(pts, -a0, axis=0)[: max(8, int(len(pts) * rng.uniform(0.2, 0.7)))]
            inward = 1.0 if rng.random() < 0.5 else -1.0          # the polygon's orientation is random
            rim = _contrast(vo, rng, 0.3, 0.7)
            out = _paint(out, _offset(arc, inward * rng.uniform(0.5, 1.5)), int(rng.integers(1, 3)), rim)
            continue
        pts = _dense(_bezier(rng, h, w, True))
        pts = pts[: max(8, int(len(pts) * rng.uniform(0.5, 1.0)))]
        base = _at(out, pts[len(pts) // 2])
        if kind == "rod":                   # a shaded rod: a highlight along one side, often a dark side
            wb = rng.uniform(3, 16)
            vb = _contrast(base, rng, 0.2, 0.6)
            out = _paint(out, pts, round(wb), vb)
            side = 1.0 if rng.random() < 0.5 else -1.0
            hl = max(1, round(wb * rng.uniform(0.15, 0.45)))
            out = _paint(out, _offset(pts, side * (wb / 2 - hl / 2 - rng.uniform(0, 0.3 * wb))), hl,
                         float(np.clip(vb + rng.uniform(0.3, 0.7), 0, 1)))
            if rng.random() < 0.6:
                dw = max(1, round(wb * rng.uniform(0.2, 0.5)))
                out = _paint(out, _offset(pts, -side * (wb / 2 - dw / 2)), dw, vb * rng.uniform(0.2, 0.7))
        elif kind == "bar":                 # a plain bar wider than any scratch (5-10 px): a handle, a pole
            out = _paint(out, pts, int(rng.integers(5, 11)), _contrast(base, rng, 0.3, 0.7))
        else:                                                      # a wire and its shadow
            vw = _contrast(base, rng, 0.3, 0.7)
            out = _paint(out, pts, int(rng.integers(1, 3)), vw)
            out = _paint(out, _offset(pts, rng.uniform(2.5, 6) * (1 if rng.random() < 0.5 else -1)), 1,
                         float(np.clip(base - rng.uniform(0.1, 0.4), 0, 1)))
    if rng.random() < 0.5:
        out = cv2.GaussianBlur(out, (0, 0), rng.uniform(0.3, 0.9))
    return np.clip(out, 0, 1).astype(np.float32)


def _gouge(h: int, w: int, rng) -> np.ndarray:
    """Coverage of a thick scratch: a long curve whose width swells and thins along it (a peak of 4-9 px,
    tapering to 1-3 px at the ends, with a ragged wobble), drawn as overlapping discs."""
    pts = _dense(_bezier(rng, h, w, True))
    s = np.linspace(0, 1, len(pts))
    peak, end = rng.uniform(4, 9), rng.uniform(1, 3)
    centre = rng.uniform(0.3, 0.7)
    prof = np.clip(1 - np.abs(s - centre) / max(centre, 1 - centre), 0, 1) ** rng.uniform(0.3, 1.0)
    width = end + (peak - end) * prof * (1 + 0.15 * np.sin(s * rng.uniform(6, 20) + rng.uniform(0, 6)))
    alpha = np.zeros((h, w), np.float32)
    for (x, y), wd in zip(pts, width, strict=True):
        cv2.circle(alpha, (int(round(x * 4)), int(round(y * 4))), int(round(wd * 2)), 1.0, -1, cv2.LINE_AA, 2)
    return alpha


def _cluster(h: int, w: int, rng) -> np.ndarray:
    """Coverage of a dust cluster: 5-30 specks (radius 0.4-2 px, a few short fibres) scattered normally
    (sigma 2-9 px) around one point."""
    alpha = np.zeros((h, w), np.float32)
    c = rng.uniform([0, 0], [w, h])
    sigma = rng.uniform(2, 9)
    for _ in range(int(rng.integers(5, 31))):
        x, y = c + rng.normal(0, sigma, 2)
        if rng.random() < 0.15:                          # a short fibre among the specks
            d = rng.uniform(2, 6) * np.array([np.cos(a := rng.uniform(0, np.pi)), np.sin(a)])
            cv2.line(alpha, (int((x - d[0]) * 4), int((y - d[1]) * 4)), (int((x + d[0]) * 4), int((y + d[1]) * 4)),
                     1.0, 1, cv2.LINE_AA, 2)
        else:
            r = rng.uniform(0.4, 2.0)
            cv2.ellipse(alpha, (int(x * 4), int(y * 4)), (int(r * 4), int(r * rng.uniform(0.6, 1.0) * 4)),
                        float(rng.uniform(0, 180)), 0, 360, 1.0, -1, cv2.LINE_AA, 2)
    return alpha


def damage(grey: np.ndarray, rng: np.random.Generator, p_clean: float = 0.2, p_grain: float = 0.4,
           scratches: bool = True, dust: bool = True, p_thick: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """``grey`` float32 (H, W) in [0, 1] -> (damaged float32 (H, W), mask bool (H, W)).

    ``p_thick``: the share of damaged crops that also get 0-2 thick scratches (:func:`_gouge`) and 0-2 dust
    clusters (:func:`_cluster`, at least one of the two), drawn after the usual damage (which stays the same).
    Off by default: with 0 no random number is drawn for it, so the shipped recipe's crops are unchanged."""
    h, w = grey.shape
    out = grey.astype(np.float32)
    if rng.random() < p_grain:
        out = _grain(out, rng)
    mask = np.zeros((h, w), bool)
    if rng.random() < p_clean:
        return out, mask
    area = h * w / (128 * 128)
    n_scratch = rng.integers(0, 5) if scratches else 0
    n_dust = int(rng.integers(0, 16) * area) if dust else 0
    n_hair = int(rng.integers(0, 3) * area) if dust else 0

    def kinds():                       # lazily: the thick ones are planned after the others are drawn
        yield from (("scratch", n_scratch), ("dust", n_dust), ("hair", n_hair))
        if p_thick and rng.random() < p_thick:
            n_gouge = int(rng.integers(0, 3)) if scratches else 0
            n_cluster = int(rng.integers(0, 3)) if dust else 0
            if n_gouge + n_cluster == 0:
                n_gouge, n_cluster = (1, 0) if scratches else (0, int(dust))
            yield from (("gouge", n_gouge), ("cluster", n_cluster))

    for kind, n in kinds():
        for _ in range(n):
            alpha = np.zeros((h, w), np.float32)
            if kind == "gouge":
                alpha = _gouge(h, w, rng)
            elif kind == "cluster":
                alpha = _cluster(h, w, rng)
            elif kind == "scratch":
                width = int(rng.integers(1, 5))
                cv2.polylines(alpha, [_bezier(rng, h, w, True)], False, 1.0, width, cv2.LINE_AA, 2)
            elif kind == "hair":
                cv2.polylines(alpha, [_bezier(rng, h, w, False)], False, 1.0, 1, cv2.LINE_AA, 2)
            else:
                c = (int(rng.uniform(0, w) * 4), int(rng.uniform(0, h) * 4))
                ax = (int(rng.uniform(0.5, 3.5) * 4), int(rng.uniform(0.5, 3.5) * 4))
                cv2.ellipse(alpha, c, ax, float(rng.uniform(0, 180)), 0, 360, 1.0, -1, cv2.LINE_AA, 2)
            if rng.random() < 0.5:
                alpha = cv2.GaussianBlur(alpha, (0, 0), rng.uniform(0.3, 0.8))
            strength = rng.uniform(0.45, 1.0)
            a = alpha * strength
            if rng.random() < 0.5:                           # bright (a scratch in the emulsion of a print)
                out = out + a * (rng.uniform(0.85, 1.0) - out).clip(0)
            else:                                            # dark (dust, a scratch on the negative)
                out = out - a * (out - rng.uniform(0.0, 0.15)).clip(0)
            mask |= alpha >= MASK_ALPHA
    return out.astype(np.float32), mask


def crop(grey: np.ndarray, size: int, rng) -> np.ndarray:
    """A random ``size`` x ``size`` crop (the image is upscaled first when it is smaller)."""
    h, w = grey.shape
    if min(h, w) < size:
        f = size / min(h, w)
        grey = cv2.resize(grey, (max(size, round(w * f)), max(size, round(h * f))), interpolation=cv2.INTER_AREA)
        h, w = grey.shape
    y, x = int(rng.integers(0, h - size + 1)), int(rng.integers(0, w - size + 1))
    out = grey[y:y + size, x:x + size]
    if rng.random() < 0.5:
        out = out[:, ::-1]
    return np.ascontiguousarray(out)


def crop_at(grey: np.ndarray, size: int, cy: int, cx: int, rng) -> np.ndarray:
    """A ``size`` crop that holds the point (``cy``, ``cx``) somewhere inside (not always in the middle)."""
    h, w = grey.shape
    if min(h, w) < size:
        f = size / min(h, w)
        grey = cv2.resize(grey, (max(size, round(w * f)), max(size, round(h * f))), interpolation=cv2.INTER_AREA)
        cy, cx = int(cy * grey.shape[0] / h), int(cx * grey.shape[1] / w)
        h, w = grey.shape
    m = size // 4
    y = int(np.clip(cy - rng.integers(m, size - m), 0, h - size))
    x = int(np.clip(cx - rng.integers(m, size - m), 0, w - size))
    out = grey[y:y + size, x:x + size]
    if rng.random() < 0.5:
        out = out[:, ::-1]
    return np.ascontiguousarray(out)


def batch(images: list[np.ndarray], size: int, n: int, rng, hard=None,
          p_hard: float = 0.5, p_structure: float = 0.0, p_dark: float = 0.0,
          p_thick: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` damaged crops of random images: (x (n, size, size, 1), y (n, size, size, 1)) float32.

    ``hard``: optional (image index, y, x) points where a detector saw damage on a clean photo (hard
    negatives: thin real structure); a share ``p_hard`` of the crops then holds one of them. The damage
    is drawn over those crops as over any other; the real structure itself is never in the mask.
    ``p_structure``: the share of crops that get :func:`structure` drawn in before the damage.
    ``p_dark``: the share of crops made dark first (lightness times 0.05-0.35: a black coat, a night, a
    shadow), where a bright scratch shows most and real bright thin structure is rare.
    ``p_thick``: passed to :func:`damage` (thick scratches and dust clusters in that share of damaged crops).
    """
    xs, ys = [], []
    for _ in range(n):
        if hard is not None and len(hard) and rng.random() < p_hard:
            i, cy, cx = hard[int(rng.integers(len(hard)))]
            g = crop_at(images[int(i)], size, int(cy), int(cx), rng)
        else:
            g = crop(images[int(rng.integers(len(images)))], size, rng)
        if p_dark and rng.random() < p_dark:
            g = (g * rng.uniform(0.05, 0.35)).astype(np.float32)
        if p_structure and rng.random() < p_structure:
            g = structure(g, rng)
        d, m = damage(g, rng, p_thick=p_thick)
        xs.append(d)
        ys.append(m)
    return np.stack(xs)[..., None].astype(np.float32), np.stack(ys)[..., None].astype(np.float32)
