"""The pictures of docs/false-colour.md, made from the made-up samples of :mod:`core.science.samples`.

    .venv/bin/python tools/falsecolour_figures.py [--out docs] [--files FOLDER]

Writes ``false_colour_cells.png`` (the three-channel cells in Fiji's order, with the legend) and
``false_colour_fits.png`` (the FITS star and faint galaxy through magma, full range: linear above, asinh with
softening 0.001 below, each with its legend), both 8-bit for the page. With ``--files`` it also writes the
samples as files (``nuclei.tif``, ``membrane.tif``, ``spots.tif``: uint16; ``star_and_galaxy.fits``: float32),
so that the commands in docs/false-colour.md can be run on them.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="docs", help="folder of the two figures (default docs)")
    ap.add_argument("--files", default=None, help="also write the samples as TIFF and FITS files here")
    args = ap.parse_args(argv)
    import tifffile
    from PIL import Image

    from core import outputs
    from core.science import falsecolour, read_channels, samples, with_legend

    out = Path(args.out)
    cells = samples.cells(400)
    pic = outputs.to_bits(with_legend(falsecolour(cells, preset="fiji")), 8)
    Image.fromarray(pic).save(out / "false_colour_cells.png", optimize=True)
    fits = samples.star_field_fits()
    chans = read_channels(fits, "star_and_galaxy.fits")
    rows = [outputs.to_bits(with_legend(falsecolour(chans, lut="magma", ranges="full", stretch=s, softening=a)), 8)
            for s, a in (("linear", None), ("asinh", 0.001))]
    width = max(r.shape[1] for r in rows)
    rows = [np.pad(r, ((0, 6), (0, width - r.shape[1]), (0, 0)), constant_values=255) for r in rows]
    Image.fromarray(np.concatenate(rows)[:-6]).save(out / "false_colour_fits.png", optimize=True)
    print(f"wrote {out / 'false_colour_cells.png'} and {out / 'false_colour_fits.png'}")
    if args.files:
        folder = Path(args.files)
        folder.mkdir(parents=True, exist_ok=True)
        for ch in cells:
            tifffile.imwrite(folder / f"{ch.name}.tif", ch.data)
        (folder / "star_and_galaxy.fits").write_bytes(fits)
        print(f"wrote nuclei.tif, membrane.tif, spots.tif and star_and_galaxy.fits to {folder}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
