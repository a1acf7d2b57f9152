"""The filmstrip of a training run: the held-out photos coloured after each epoch, in one picture (no Streamlit).

Rows are the held-out photos; columns are the grey input, the model after some of the epochs (all of them
when there are few, else evenly spaced, always the first and the last), and the original.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

TILE = 128          # pixels per picture
GAP = 4
HEADER = 24


def pick_epochs(n: int, most: int = 8) -> list[int]:
    """Which of ``n`` frames (0-based) to show: all when ``n <= most``, else ``most`` evenly spaced with
    the first and the last."""
    if n <= most:
        return list(range(n))
    return sorted({int(round(i * (n - 1) / (most - 1))) for i in range(most)})


def _tile(rgb: np.ndarray, side: int) -> np.ndarray:
    import cv2

    h, w = rgb.shape[:2]
    s = side / max(h, w)
    out = cv2.resize(np.ascontiguousarray(rgb), (max(1, round(w * s)), max(1, round(h * s))),
                     interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR)
    canvas = np.full((side, side, 3), 255, np.uint8)
    y, x = (side - out.shape[0]) // 2, (side - out.shape[1]) // 2
    canvas[y:y + out.shape[0], x:x + out.shape[1]] = out
    return canvas


def filmstrip(heldout: Sequence[tuple[str, np.ndarray]], frames: Sequence[tuple[int, Sequence[np.ndarray]]],
              most: int = 8, tile: int = TILE) -> np.ndarray:
    """One RGB picture: for each held-out photo (title, original RGB) a row with its grey input, its
    colouring after the epochs of ``frames`` ((epoch, [picture per held-out photo]), see
    :func:`pick_epochs`) and the original, under a header that names the columns."""
    from PIL import Image, ImageDraw, ImageFont

    from core import lab

    chosen = [frames[i] for i in pick_epochs(len(frames), most)]
    columns = [("grey input", [lab.to_grey_rgb(rgb) for _, rgb in heldout])]
    columns += [(f"epoch {epoch}", pics) for epoch, pics in chosen]
    columns += [("original", [rgb for _, rgb in heldout])]
    n_rows, n_cols = len(heldout), len(columns)
    width = n_cols * tile + (n_cols - 1) * GAP
    height = HEADER + n_rows * tile + (n_rows - 1) * GAP
    sheet = np.full((height, width, 3), 255, np.uint8)
    for c, (_, pics) in enumerate(columns):
        for r, pic in enumerate(pics):
            y, x = HEADER + r * (tile + GAP), c * (tile + GAP)
            sheet[y:y + tile, x:x + tile] = _tile(pic, tile)
    img = Image.fromarray(sheet)
    draw = ImageDraw.Draw(img)
    font = ImageFont.load_default(size=15)
    for c, (label, _) in enumerate(columns):
        x = c * (tile + GAP) + tile / 2
        draw.text((x, HEADER / 2), label, fill=(0, 0, 0), font=font, anchor="mm")
    return np.asarray(img)
