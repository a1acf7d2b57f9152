"""Display ranges and stretches: how a channel's measured values become brightness 0-1.

* :func:`display_range`: a channel's range: ``"auto"`` (its values at the :data:`AUTO_PERCENTILES`, 0.1 % of
  the pixels clipped at each end: :func:`percentile_range`), ``"full"`` (its smallest to its largest value:
  nothing clipped) or ``(min, max)`` given.
* :func:`percentile_range`: the values at two percentiles of a channel's finite pixels
  (:class:`astropy.visualization.AsymmetricPercentileInterval`, on at most :data:`SAMPLE` evenly spread pixels).
* :func:`to_unit`: values -> 0-1 float32: ``(v - min) / (max - min)`` clipped to 0-1 (outside the display
  range is black or full brightness, as any display range does), then the stretch: ``linear``, ``asinh``
  (:class:`astropy.visualization.AsinhStretch`: faint detail lifted, bright cores kept apart: Lupton et al.
  2004) or ``log`` (:class:`astropy.visualization.LogStretch`). Their softening ``a``: the share of the range
  below which asinh stays linear (default :data:`ASINH_A`, astropy's and ds9's; a bright star next to a faint
  galaxy wants 0.001), the log's steepness (default :data:`LOG_A`).

Nothing here rounds: 16-bit and float data stay float32 until the picture is written.
"""

from __future__ import annotations

import numpy as np

from core.science.channel import Channel, ChannelError

STRETCHES = ("linear", "asinh", "log")
ASINH_A = 0.1             # astropy's default: linear below about 0.1 of the range, logarithmic above
LOG_A = 1000.0            # astropy's default
AUTO_PERCENTILES = (0.1, 99.9)   # "auto" clips 0.1 % of the pixels at each end (Fiji's Auto saturates 0.35 %)
SAMPLE = 1_000_000        # at most this many pixels decide an auto range


def _stretch(name: str, a: float | None = None):
    from astropy.visualization import AsinhStretch, LinearStretch, LogStretch

    if name == "linear":
        return LinearStretch()
    if name == "asinh":
        return AsinhStretch(a=a or ASINH_A)
    if name == "log":
        return LogStretch(a=a or LOG_A)
    raise ChannelError(f"Unknown stretch {name!r}: choose from {', '.join(STRETCHES)}.")


def softening(name: str, a: float | None = None) -> float | None:
    """The softening ``a`` that stretch ``name`` uses (None for linear); ChannelError for an unknown stretch or
    an ``a`` out of its range (asinh: 0 < a <= 1, log: a > 0)."""
    _stretch(name)
    if name == "linear":
        return None
    if a is not None and not (a > 0 and (name != "asinh" or a <= 1)):
        raise ChannelError(f"The {name} softening must be {'above 0 and at most 1' if name == 'asinh' else 'above 0'}"
                           f", not {a!r}.")
    return float(a) if a else (ASINH_A if name == "asinh" else LOG_A)


def finite_sample(data: np.ndarray, limit: int = SAMPLE) -> np.ndarray:
    """The finite values of ``data`` (every k-th pixel when there are more than ``limit``), as a 1-D array."""
    flat = data.reshape(-1)
    if flat.size > limit:
        flat = flat[:: -(-flat.size // limit)]
    return flat[np.isfinite(flat)] if flat.dtype.kind == "f" else flat


def _top(data: np.ndarray) -> float:
    return float(np.iinfo(data.dtype).max) if data.dtype.kind in "ui" else 1.0


def percentile_range(ch: Channel, lower: float = AUTO_PERCENTILES[0],
                     upper: float = AUTO_PERCENTILES[1]) -> tuple[float, float]:
    """The values of ``ch`` at the ``lower`` and ``upper`` percentiles (0-100) of its finite pixels (sampled);
    ChannelError naming the channel when every pixel is NaN. The two may be equal (a flat stretch of pixels)."""
    from astropy.visualization import AsymmetricPercentileInterval

    values = finite_sample(ch.data)
    if values.size == 0:
        raise ChannelError(f"{ch.label}: every pixel is NaN or infinite: there is no data to show.")
    lo, hi = AsymmetricPercentileInterval(lower, upper).get_limits(values)
    return float(lo), float(hi)


def display_range(ch: Channel, spec="auto") -> tuple[float, float]:
    """The display range of ``ch``: ``spec`` "auto", "full" or (min, max); ChannelError naming the channel
    for all-NaN data or an empty range (min >= max). An auto or full range of a flat channel (every pixel
    the same) runs from 0 (or the value, when negative) to the type's top (1.0 for float), so it shows as it
    is rather than failing."""
    if isinstance(spec, str) and spec not in ("auto", "full"):
        raise ChannelError(f"{ch.label}: unknown range {spec!r}: use auto, full or MIN:MAX.")
    if not isinstance(spec, str):
        try:
            lo, hi = (float(v) for v in spec)
        except (TypeError, ValueError):
            raise ChannelError(f"{ch.label}: a range is two numbers, min and max, not {spec!r}.") from None
        if not (np.isfinite(lo) and np.isfinite(hi)) or lo >= hi:
            raise ChannelError(f"{ch.label}: the range {lo:g} to {hi:g} is empty: its max must be above its min.")
        return lo, hi
    if spec == "auto":
        lo, hi = percentile_range(ch)
        values = finite_sample(ch.data) if lo >= hi else None
    else:
        values = ch.data[np.isfinite(ch.data)] if ch.data.dtype.kind == "f" else ch.data.reshape(-1)
        if values.size == 0:
            raise ChannelError(f"{ch.label}: every pixel is NaN or infinite: there is no data to show.")
        lo, hi = float(values.min()), float(values.max())
    if lo >= hi:                       # a flat channel (or one bright speck above a flat rest: take the extremes)
        lo, hi = float(values.min()), float(values.max())
    if lo >= hi:
        lo, hi = min(lo, 0.0), max(hi, _top(ch.data))
        if lo >= hi:
            hi = lo + 1.0
    return lo, hi


def to_unit(data: np.ndarray, lo: float, hi: float, stretch: str = "linear", a: float | None = None) -> np.ndarray:
    """``data`` in the display range ``lo``-``hi`` as float32 0-1 through ``stretch`` with softening ``a``
    (None: the stretch's default); NaN stays NaN."""
    if stretch != "linear" and data.dtype in (np.uint8, np.uint16) and data.size > 65536:
        # 8- and 16-bit data: the stretch of every possible value once, then one look-up per pixel
        return to_unit(np.arange(np.iinfo(data.dtype).max + 1, dtype=data.dtype), lo, hi, stretch, a)[data]
    out = np.empty(data.shape, np.float32)
    np.subtract(data, np.float32(lo), out=out, dtype=np.float32)
    out *= np.float32(1.0 / (hi - lo))
    np.clip(out, 0.0, 1.0, out=out)
    if stretch != "linear":
        _stretch(stretch, a)(out, clip=False, out=out)
    return out
