"""``DST/manifest.csv``: one row per photo, appended and flushed row by row, readable while a run goes on.

Columns (:data:`FIELDS`): ``source`` (relative to SRC, or the line of the list file), ``output`` (relative
to DST; empty unless done), ``status`` (done / skipped / failed), ``kind`` (grey / toned / colour; empty
when the photo could not be read), ``model``, ``render_factor``, ``vibrance``, ``seconds`` (the photo's
own time in its worker; empty for a result recovered after an interruption) and ``message`` (the
friendly error of a failed photo, why one was skipped, or a note) and ``restore`` (yes / no: scratches and
dust repaired first, ``--restore``) and ``uncertainty`` (how unsure the model was of the photo's colours, 0-1:
:func:`core.guide.uncertainty_score`; empty for a model without a distribution or a recovered result; the
review queue, ``batch ... --review N``, lists the highest first) and ``format`` (``--format``: auto, png,
png16, tiff or jpeg; auto writes 16-bit PNG for a 16-bit photo, 8-bit PNG otherwise).

A kill can cut the last row short; :func:`repair` drops such a torn tail before a run appends. Names are
written as they are: one with a newline, a CR, a comma or a quote is quoted by the csv module.
"""

from __future__ import annotations

import csv
import io
import os
import time
from pathlib import Path

FIELDS = ("source", "output", "status", "kind", "model", "render_factor", "vibrance", "seconds", "message",
          "restore", "uncertainty", "format")
LEGACY_FIELDS = FIELDS[:-3]       # manifests from before --restore: read as restore "no", upgraded in place
OLDER_FIELDS = {LEGACY_FIELDS: {"restore": "no", "uncertainty": "", "format": "auto"},  # older ones: defaults
                FIELDS[:-2]: {"uncertainty": "", "format": "auto"}, FIELDS[:-1]: {"format": "auto"}}
NAME = "manifest.csv"
STATUSES = ("done", "skipped", "failed")
SYNC_EVERY_S = 5.0        # rows reach the OS at once (a killed process loses none); the disk every 5 s


class ManifestError(ValueError):
    """The manifest cannot be used; the message says why."""


def _line(row: dict) -> str:
    """One row, ending with a newline; a field with a newline, CR, comma or quote is quoted by the csv
    module, so a name is read back exactly."""
    buf = io.StringIO()
    clean = {k: str(row.get(k, "")) for k in FIELDS}
    # QUOTE_MINIMAL quotes only the characters of the line terminator ("\n"): a CR must be quoted too
    quoting = csv.QUOTE_ALL if any("\r" in v for v in clean.values()) else csv.QUOTE_MINIMAL
    csv.DictWriter(buf, FIELDS, lineterminator="\n", quoting=quoting).writerow(clean)
    return buf.getvalue()


def _row_end(data: bytes) -> int:
    """The length of the whole rows at the start of ``data``: up to the last newline outside quotes (csv
    doubles a quote inside a quoted field, so a newline is outside quotes when an even number precede it)."""
    end, quotes, start = 0, 0, 0
    while (nl := data.find(b"\n", start)) >= 0:
        quotes += data.count(b'"', start, nl)
        if quotes % 2 == 0:
            end = nl + 1
        start = nl + 1
    return end


HEADER = ",".join(FIELDS) + "\n"


def repair(path: Path) -> bool:
    """Cut a torn last row (a kill in the middle of a write) off ``path``; True when something was cut."""
    try:
        with open(path, "rb+") as fh:
            data = fh.read()
            end = _row_end(data)
            if end == len(data):
                return False
            fh.truncate(end)
            return True
    except FileNotFoundError:
        return False


def read(path: Path) -> list[dict]:
    """The rows of a manifest ([] when there is none); ManifestError when the file is not one of ours."""
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            if reader.fieldnames is None:
                return []
            defaults = OLDER_FIELDS.get(tuple(reader.fieldnames))
            legacy = defaults is not None
            if tuple(reader.fieldnames) != FIELDS and not legacy:
                raise ManifestError(f"{path} is not a batch manifest (its columns are {', '.join(reader.fieldnames)})."
                                    " Move it away or choose another DST.")
            rows = [row for row in reader if row.get("status") in STATUSES]
        if legacy:
            for row in rows:
                row.update(defaults)
            rewrite(path, rows)
        return rows
    except FileNotFoundError:
        return []
    except (UnicodeDecodeError, csv.Error) as e:
        raise ManifestError(f"{path} cannot be read as a manifest ({e}). Move it away or choose another DST.") \
            from None


def rewrite(path: Path, rows: list[dict]) -> None:
    """Replace the manifest by ``rows`` in one step (a temporary file, synced, then renamed)."""
    tmp = path.with_name(f".{path.name}.rewrite")
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        fh.write(HEADER)
        fh.writelines(_line(r) for r in rows)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


class Writer:
    """Appends rows to the manifest: each one flushed to the OS at once, synced to disk every few seconds."""

    def __init__(self, path: Path):
        """OSError when the manifest cannot be written (a full disk: no empty manifest is left behind)."""
        self.path = Path(path)
        existed = self.path.exists()
        new = not existed or self.path.stat().st_size == 0
        self._fh = open(self.path, "a", encoding="utf-8", newline="")
        try:
            if new:
                self._fh.write(HEADER)
                self._fh.flush()
        except OSError:
            self._fh.close()
            if not existed:
                self.path.unlink(missing_ok=True)
            raise
        self._synced = time.monotonic()

    def write(self, row: dict) -> None:
        self._fh.write(_line(row))
        self._fh.flush()
        if time.monotonic() - self._synced > SYNC_EVERY_S:
            os.fsync(self._fh.fileno())
            self._synced = time.monotonic()

    def close(self) -> None:
        if not self._fh.closed:
            try:
                self._fh.flush()
                os.fsync(self._fh.fileno())
            except OSError:                   # every row was flushed when written (a failure was said then)
                pass
            finally:
                self._fh.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
