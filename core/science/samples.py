"""Made-up data to try false colour on (made here, seeded: the same every time; no download).

* :func:`cells`: three 16-bit channels like a fluorescence micrograph: nuclei, a ring of membrane around each,
  and small bright spots, with camera noise.
* :func:`star_field`: one float32 channel like a telescope frame: a bright star and, beside it, a galaxy some
  400 times fainter, on a dark sky with a little noise. A linear stretch shows the star only; asinh
  shows the galaxy too. :func:`star_field_fits` gives it as a FITS file (rows from the bottom, as FITS has).
"""

from __future__ import annotations

import io

import numpy as np

from core.science.channel import Channel

CELLS = ((0.30, 0.28), (0.68, 0.32), (0.45, 0.70), (0.80, 0.75), (0.18, 0.72))   # (x, y) of each cell


def cells(side: int = 512, seed: int = 0) -> list[Channel]:
    """Nuclei, membranes and spots: 3 uint16 channels ``side`` x ``side``."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:side, :side].astype(np.float32) / side
    nuclei = np.zeros((side, side), np.float32)
    membrane = np.zeros_like(nuclei)
    for cx, cy in CELLS:
        r = np.hypot((xx - cx) * 1.2, yy - cy)
        nuclei += np.exp(-(r / 0.06) ** 4)
        membrane += np.exp(-((r - 0.13) / 0.012) ** 2)
    spots = np.zeros_like(nuclei)
    for cx, cy in rng.uniform(0.08, 0.92, (60, 2)):
        spots += np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * 0.006 ** 2))
    out = []
    for name, plane, level in (("nuclei", nuclei, 30000), ("membrane", membrane, 22000), ("spots", spots, 40000)):
        counts = 400 + level * np.clip(plane, 0, 1) + rng.normal(0, 120, plane.shape)
        out.append(Channel(np.clip(counts, 0, 65535).astype(np.uint16), name, "made-up cells"))
    return out


def star_field(shape=(360, 480), seed: int = 0) -> np.ndarray:
    """A bright star and a galaxy about 1/400 as bright at its centre, float32, upright (row 0 at the top)."""
    rng = np.random.default_rng(seed)
    h, w = shape
    yy, xx = np.mgrid[:h, :w].astype(np.float32)
    star = 60000 * np.exp(-((yy - 0.5 * h) ** 2 + (xx - 0.3 * w) ** 2) / (2 * 2.0 ** 2))
    t = np.deg2rad(30)
    dx, dy = xx - 0.7 * w, yy - 0.5 * h
    u, v = dx * np.cos(t) + dy * np.sin(t), -dx * np.sin(t) + dy * np.cos(t)     # a disc seen at a slant
    galaxy = 150 * np.exp(-np.hypot(u / (0.09 * w), v / (0.035 * w)) * 2.5)
    return (100 + star + galaxy + rng.normal(0, 0.5, shape)).astype(np.float32)


def star_field_fits(shape=(360, 480), seed: int = 0) -> bytes:
    """:func:`star_field` as a FITS file (FILTER = "R"; rows stored from the bottom up, as FITS does)."""
    from astropy.io import fits

    hdu = fits.PrimaryHDU(star_field(shape, seed)[::-1])
    hdu.header["FILTER"] = "R"
    hdu.header["OBJECT"] = "made-up star and galaxy"
    buf = io.BytesIO()
    hdu.writeto(buf)
    return buf.getvalue()
