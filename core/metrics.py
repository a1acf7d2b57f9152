"""Quality figures of a colorization against its colour original.

Follows the project's evaluation protocol: MSE and PSNR on RGB uint8
(data_range 255), SSIM on RGB (channel_axis 2), mean CIEDE2000 on scikit-image
Lab, and the Hasler & Suesstrunk (2003) colourfulness of the output divided by
that of the reference.
"""

from __future__ import annotations

import numpy as np
from skimage.color import deltaE_ciede2000

from core.lab import rgb_to_lab

METRICS = {
    "mse": ("MSE", "Mean squared error of the RGB pixels (0-255). Lower is better."),
    "psnr": ("PSNR (dB)", "Peak signal-to-noise ratio in decibels. Higher is better."),
    "ssim": ("SSIM", "Structural similarity, 1 = identical structure. Higher is better."),
    "delta_e2000": ("ΔE2000", "Mean CIEDE2000 colour difference; about 2 is just noticeable. Lower is better."),
    "colorfulness_ratio": ("Colourfulness ratio",
                           "Colourfulness of the result divided by the original's: 1 = as vivid, "
                           "0 = grey. Closest to 1 is best."),
}
METRIC_NAMES = tuple(METRICS)               # the order of every table, chart and CSV
LOWER_IS_BETTER = frozenset({"mse", "delta_e2000"})


def colorfulness(rgb: np.ndarray) -> float:
    """Hasler & Suesstrunk (2003) colourfulness of an RGB image (0-255 scale)."""
    x = np.asarray(rgb, np.float64)
    rg = x[..., 0] - x[..., 1]
    yb = 0.5 * (x[..., 0] + x[..., 1]) - x[..., 2]
    return float(np.sqrt(rg.std() ** 2 + yb.std() ** 2) + 0.3 * np.sqrt(rg.mean() ** 2 + yb.mean() ** 2))


def delta_e2000(reference: np.ndarray, output: np.ndarray) -> float:
    return float(np.mean(deltaE_ciede2000(rgb_to_lab(reference), rgb_to_lab(output))))


def compare(reference_rgb: np.ndarray, output_rgb: np.ndarray) -> dict[str, float]:
    """All figures for one image pair (both RGB uint8, same size)."""
    # imported here: skimage.metrics pulls in scipy.stats (~2 s), which the app's first page does not need
    from skimage.metrics import mean_squared_error, peak_signal_noise_ratio, structural_similarity

    ref = np.asarray(reference_rgb)
    out = np.asarray(output_rgb)
    if ref.shape != out.shape:
        raise ValueError(f"images differ in size: {ref.shape} vs {out.shape}")
    mse = float(mean_squared_error(ref, out))
    psnr = float("inf") if mse == 0 else float(peak_signal_noise_ratio(ref, out, data_range=255))
    min_side = min(ref.shape[:2])
    if min_side >= 7:
        ssim = float(structural_similarity(ref, out, channel_axis=2, data_range=255))
    else:
        win = min_side if min_side % 2 else min_side - 1
        ssim = float(structural_similarity(ref, out, channel_axis=2, data_range=255, win_size=max(win, 1))) \
            if win >= 3 else float(mse == 0)
    c_ref = colorfulness(ref)
    ratio = colorfulness(out) / c_ref if c_ref > 1e-9 else float("nan")
    return {"mse": mse, "psnr": psnr, "ssim": ssim, "delta_e2000": delta_e2000(ref, out), "colorfulness_ratio": ratio}
