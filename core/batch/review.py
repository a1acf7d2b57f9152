"""The review queue of a batch run: the photos whose colours the model was least sure of, first.

Each done row of the manifest carries ``uncertainty`` (:func:`core.guide.uncertainty_score`, the mean of the
photo's uncertainty map, 0 = sure, 1 = unsure). An archivist with thousands of scans checks the top of this
list by hand (``python -m core batch SRC DST --review N``) instead of every photo.
"""

from __future__ import annotations

from pathlib import Path

from core.batch import manifest


def most_uncertain(rows: list[dict], n: int) -> list[dict]:
    """The ``n`` done rows with the highest uncertainty, highest first (ties: by source, so the order is
    fixed); rows without a score are left out."""
    scored = []
    for row in rows:
        if row.get("status") != "done":
            continue
        try:
            value = float(row.get("uncertainty") or "")
        except ValueError:
            continue
        scored.append((-value, row.get("source", ""), row))
    scored.sort(key=lambda t: (t[0], t[1]))
    return [row for _, _, row in scored[:max(0, int(n))]]


def review_lines(dst: Path, n: int) -> list[str]:
    """What ``--review N`` prints: a heading and one line per photo (score, source, result)."""
    from core.text import printable

    rows = manifest.read(Path(dst) / manifest.NAME)
    top = most_uncertain(rows, n)
    if not top:
        return [f"review: no photo in {printable(dst)} has an uncertainty score yet (the grayscale model has none)"]
    lines = [f"review: the {len(top)} photo{'s' if len(top) != 1 else ''} to check first, the model's least sure "
             "(uncertainty 0 = sure, 1 = unsure):"]
    lines += [f"  {float(r['uncertainty']):.3f}  {printable(r['source'])}  ->  {printable(r['output'])}" for r in top]
    return lines
