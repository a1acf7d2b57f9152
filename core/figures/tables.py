"""Score tables: metric rows per photo and model, means, rounding and formatting for display."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from core import lab
from core.metrics import METRIC_NAMES, METRICS, colorfulness, compare

SCORE_MAX_PIXELS = 4_000_000  # bigger photos are scored on a shrunk copy (the same for every model)



def scoring_copy(rgb: np.ndarray, max_pixels: int = SCORE_MAX_PIXELS) -> np.ndarray:
    """``rgb`` itself, or an area-shrunk copy when it has more than ``max_pixels`` pixels."""
    h, w = rgb.shape[:2]
    if h * w <= max_pixels:
        return rgb
    scale = math.sqrt(max_pixels / float(h * w))
    return lab.resize_rgb(rgb, max(1, int(h * scale)), max(1, int(w * scale)))


def scored_shrunk(rgb: np.ndarray, max_pixels: int = SCORE_MAX_PIXELS) -> bool:
    """Whether :func:`metric_rows` scores this picture on a shrunk copy."""
    return rgb.shape[0] * rgb.shape[1] > max_pixels


def metric_rows(photo: str, reference: np.ndarray, outputs: Mapping[str, np.ndarray],
                max_pixels: int = SCORE_MAX_PIXELS) -> list[dict]:
    """One row per model: {"photo", "model", mse, psnr, ssim, delta_e2000, colorfulness_ratio}.

    Photos over ``max_pixels`` are scored on shrunk copies of the reference and
    of every output alike (full-size CIEDE2000 of a 40 MP photo needs gigabytes).
    """
    ref = scoring_copy(reference, max_pixels)
    rows = []
    for model, out in outputs.items():
        row = {"photo": photo, "model": model}
        row.update(compare(ref, scoring_copy(out, max_pixels)))
        rows.append(row)
    return rows


def colourfulness_rows(photo: str, outputs: Mapping[str, np.ndarray]) -> list[dict]:
    """Colourfulness only (no reference): one row per model."""
    return [{"photo": photo, "model": model, "colourfulness": colorfulness(scoring_copy(out))}
            for model, out in outputs.items()]


def _finite_mean(values: Sequence[float]) -> float:
    vals = [v for v in values if v is not None and not math.isnan(v)]
    if not vals:
        return float("nan")
    finite = [v for v in vals if math.isfinite(v)]
    return float(np.mean(finite)) if len(finite) == len(vals) else float("inf")


def mean_rows(rows: Sequence[dict], columns: Sequence[str] = METRIC_NAMES) -> list[dict]:
    """The mean of each column per model, in first-seen model order (photo = "mean")."""
    models: list[str] = []
    for r in rows:
        if r["model"] not in models:
            models.append(r["model"])
    out = []
    for m in models:
        mine = [r for r in rows if r["model"] == m]
        row = {"photo": f"mean of {len(mine)}", "model": m}
        for c in columns:
            row[c] = _finite_mean([r[c] for r in mine])
        out.append(row)
    return out


def metrics_table(rows: Sequence[dict]) -> list[dict]:
    """Rows for display: labelled columns, values rounded (infinite PSNR stays ``inf``)."""
    out = []
    for r in rows:
        row = {"photo": r["photo"], "model": r["model"]}
        for key in METRIC_NAMES:
            v = r.get(key)
            digits = 1 if key == "mse" else 2 if key in ("psnr", "delta_e2000") else 3
            row[METRICS[key][0]] = round(v, digits) if v is not None and math.isfinite(v) else v
        out.append(row)
    return out


def format_metric(key: str, value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if math.isinf(value):
        return "∞ (identical)" if key == "psnr" else "∞"
    if key == "mse":
        return f"{value:.1f}"
    if key in ("psnr", "delta_e2000"):
        return f"{value:.2f}"
    return f"{value:.3f}"


def round_rows(rows: Sequence[dict], digits: int = 2) -> list[dict]:
    """Copies of ``rows`` with float values rounded for display."""
    return [{k: (round(v, digits) if isinstance(v, float) and math.isfinite(v) else v) for k, v in r.items()}
            for r in rows]
