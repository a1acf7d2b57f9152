"""Files the app hands out: PNGs (optionally stamped), ZIPs, file names and inline data URIs."""

from __future__ import annotations

import base64
import io
import re
import zipfile
from collections.abc import Iterable

import numpy as np

from core.images import encode_png, fit_within

STAMP_TEXT = "AI-coloured"


def stamp_label(rgb: np.ndarray, text: str = STAMP_TEXT) -> np.ndarray:
    """A copy of ``rgb`` with ``text`` in a dark box in the bottom-right corner (Pillow's default font)."""
    from PIL import Image, ImageDraw, ImageFont

    img = Image.fromarray(np.asarray(rgb, np.uint8)).convert("RGBA")
    w, h = img.size
    size = max(8, int(round(min(w, h) * 0.06)))
    try:
        font = ImageFont.load_default(size=size)
    except (TypeError, OSError):   # pragma: no cover - Pillow without FreeType
        font = ImageFont.load_default()
    overlay = Image.new("RGBA", img.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    tw, th = right - left, bottom - top
    pad = max(2, size // 4)
    x1, y1 = w - pad, h - pad
    x0, y0 = max(0, x1 - tw - 2 * pad), max(0, y1 - th - 2 * pad)
    draw.rectangle((x0, y0, x1, y1), fill=(0, 0, 0, 170))
    draw.text((x0 + pad - left, y0 + pad - top), text, font=font, fill=(255, 255, 255, 255))
    return np.asarray(Image.alpha_composite(img, overlay).convert("RGB"), dtype=np.uint8)


def png_bytes(rgb: np.ndarray, stamp: bool = False, compress_level: int = 6) -> bytes:
    """PNG file of an image, optionally stamped "AI-coloured" (``compress_level`` 1 = fast, larger)."""
    return encode_png(stamp_label(rgb) if stamp else rgb, compress_level)


def safe_stem(name: str) -> str:
    """A file-name stem without folders, extension or odd characters."""
    stem = re.sub(r"\.[A-Za-z0-9]{1,5}$", "", str(name).replace("\\", "/").rsplit("/", 1)[-1])
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("._")
    return stem[:80] or "photo"


def result_filename(photo_name: str, model: str, render_factor: int | None, repaired: bool = False,
                    guided: bool = False) -> str:
    """A downloaded result's name: ``<stem>_<model>[_rf<N>][_guided][_repaired].png``; ``_guided`` for the Guide
    page's result (its render factor is not in the name: None), ``_repaired`` for a result coloured from the
    repaired photo, so that it never takes the unrepaired result's name."""
    parts = [safe_stem(photo_name), safe_stem(model)]
    parts += [] if render_factor is None else [f"rf{int(render_factor)}"]
    parts += (["guided"] if guided else []) + (["repaired"] if repaired else [])
    return "_".join(parts) + ".png"


def build_zip(entries: Iterable[tuple[str, np.ndarray]], stamp: bool = False, readme: str | None = None) -> bytes:
    """A ZIP from (filename, rgb or the file's bytes) pairs (an image is encoded as PNG, stamped when
    ``stamp``; bytes are stored as they are); repeated names get a numeric suffix."""
    buf = io.BytesIO()
    seen: set[str] = set()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as zf:
        for name, rgb in entries:
            stem, dot, ext = name.rpartition(".")
            if not dot:
                stem, ext = name, "png"
            candidate, n = f"{stem}.{ext}", 2
            while candidate in seen:
                candidate, n = f"{stem}_{n}.{ext}", n + 1
            seen.add(candidate)
            zf.writestr(candidate, rgb if isinstance(rgb, bytes) else png_bytes(rgb, stamp))
        if readme:
            zf.writestr("README.txt", readme)
    return buf.getvalue()


def to_data_uri(rgb: np.ndarray, max_side: int = 1280, fmt: str = "JPEG", quality: int = 90) -> str:
    """An inline ``data:`` URI of the image (shrunk to ``max_side``), for HTML that must work offline."""
    from PIL import Image

    small = fit_within(np.asarray(rgb, np.uint8), max_side)
    buf = io.BytesIO()
    fmt = fmt.upper()
    if fmt == "PNG":
        Image.fromarray(small).save(buf, format="PNG")
        mime = "image/png"
    else:
        Image.fromarray(small).save(buf, format="JPEG", quality=quality)
        mime = "image/jpeg"
    return f"data:{mime};base64,{base64.b64encode(buf.getvalue()).decode('ascii')}"
