"""Vibrance: more or less colour, never touching the lightness and never leaving the sRGB gamut."""

from __future__ import annotations

import numpy as np

from core import gamut

MIN_AMOUNT, MAX_AMOUNT = 0.0, 2.0


def check_amount(amount: float) -> float:
    try:
        value = float(amount)
    except (TypeError, ValueError):
        raise ValueError(f"vibrance must be a number from {MIN_AMOUNT:g} to {MAX_AMOUNT:g}, not {amount!r}") from None
    if not MIN_AMOUNT <= value <= MAX_AMOUNT:       # also refuses NaN
        raise ValueError(f"vibrance must be from {MIN_AMOUNT:g} (grey) to {MAX_AMOUNT:g}, not {amount!r}")
    return value


def vibrance_ab(L: np.ndarray, ab: np.ndarray, amount: float) -> np.ndarray:
    """ab with vibrance ``amount`` (0 = grey, 1 = unchanged, 2 = the most).

    Below 1 every chroma is scaled by ``amount``. Above 1 a colour gains more the further it is from the
    most saturated colour sRGB can show at its lightness and hue (muted colours gain most, vivid ones
    little), and any colour that would leave the gamut is brought back along its own hue."""
    amount = check_amount(amount)
    ab = np.asarray(ab, np.float32)
    if amount == 1.0:
        return ab.copy()
    if amount < 1.0:
        return ab * np.float32(amount)
    chroma = np.hypot(ab[..., 0], ab[..., 1])
    room = 1.0 - np.clip(chroma / np.maximum(gamut.max_chroma(L, ab), 1e-3), 0.0, 1.0)
    gain = 1.0 + (amount - 1.0) * room
    return gamut.fit_ab_to_gamut(L, ab * gain[..., None])
