"""What is left to do in DST: the resume rules of a batch run (README, "Colorize a whole archive").

A photo is **done** once its result was renamed into place *and* its manifest row says done. A restart:

* leaves out photos whose last row is done (and whose result is still there), skipped or failed
  (``--retry-failed`` retries failed ones; ``--include-colour`` does the skipped colour photos);
* **recovers** a result that was renamed into place but got no row (the run was killed in between, or
  Ray's results of a block were in flight): the PNG's provenance chunk (a TIFF's or JPEG's XMP) names the
  photo and the settings, so
  the row is written without colorizing it again;
* does everything else, replacing a stale result and deleting leftover temporary files;
* rewrites the manifest (one atomic step) when rows must go, so that every photo keeps exactly one row.

Names: a done photo keeps the name its row gives (a DST from before issue 30, ``a.jpg.png``, included); a photo
whose plain name (:func:`core.pipeline.output_name`) another photo's result or an earlier photo of this plan
holds gets the next free number (``a.jpg``, ``a.png`` -> ``a_autoencoder.png``, ``a_autoencoder_1.png``).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from core.batch import manifest, worker
from core.batch.plan import Job, Settings, inside, name_problem

RECOVERED = "recovered: its result was written just before an earlier run stopped"
_TEMP = re.compile(r"^\.(.+)\.[0-9a-f]{8}\.part$")


@dataclass
class Plan:
    """The outcome of :func:`make_plan`: work to do, rows to add first, and what earlier runs did."""

    todo: list[Job] = field(default_factory=list)
    new_rows: list[dict] = field(default_factory=list)      # recovered results and photos refused up front
    earlier: dict[str, int] = field(default_factory=lambda: {"done": 0, "skipped": 0, "failed": 0})
    total: int = 0
    removed_temp: int = 0


def settings_of(row: dict) -> tuple:
    fmt = row.get("format") or "auto"
    try:
        return row["model"], int(row["render_factor"]), float(row["vibrance"]), row.get("restore") == "yes", fmt
    except (TypeError, ValueError):
        return row.get("model"), row.get("render_factor"), row.get("vibrance"), row.get("restore") == "yes", fmt


def row_for(job: Job, settings: Settings, status: str, kind: str = "", seconds=None, message: str = "",
            uncertainty: str = "") -> dict:
    """The manifest row of one photo."""
    return {"source": job.key, "output": job.output if status == "done" else "",
            "status": status, "kind": kind, "model": settings.model, "render_factor": settings.render_factor,
            "vibrance": f"{settings.vibrance:g}", "seconds": "" if seconds is None else f"{seconds:.3f}",
            "message": message, "restore": "yes" if settings.restore else "no", "uncertainty": uncertainty,
            "format": settings.format}


def check_settings(rows: list[dict], settings: Settings, path: Path) -> None:
    """ManifestError when DST was made with other settings than this run's (one DST, one setting)."""
    want = (settings.model, settings.render_factor, float(settings.vibrance), bool(settings.restore), settings.format)
    other = next((r for r in rows if settings_of(r) != want), None)
    if other is not None:
        raise manifest.ManifestError(
            f"{path} was made with model {other['model']}, render factor {other['render_factor']}, vibrance "
            f"{other['vibrance']}{', repair first' if other.get('restore') == 'yes' else ''}"
            f"{', format ' + other['format'] if other.get('format', 'auto') != 'auto' else ''}; this run asks for "
            f"{settings.describe()}. One DST folder holds one setting: run again with the same --model, "
            "--render-factor, --vibrance, --restore and --format to continue it, or choose another DST.")


def _scan(folders) -> tuple[set[str], list[str]]:
    """The files in ``folders`` (one listing each) and our leftover temporary files among them."""
    names, temps = set(), []
    for folder in folders:
        try:
            with os.scandir(folder) as it:
                for entry in it:
                    path = os.path.join(folder, entry.name)
                    (temps.append(path) if _TEMP.match(entry.name) else names.add(path))
        except (FileNotFoundError, NotADirectoryError):
            continue
    return names, temps


def _recoverable(dest: str, job: Job, settings: Settings) -> str | None:
    """The kind stored in a result of ours for this photo and these settings, else None."""
    from core.colorizers import label

    facts = worker.read_provenance(dest)
    if not facts or facts.get("source") != job.key or facts.get("model") != label(settings.model):
        return None
    try:
        same = int(facts["render_factor"]) == settings.render_factor and \
            float(facts["vibrance"]) == float(settings.vibrance) and \
            bool(facts.get("restore", False)) == bool(settings.restore) and \
            facts.get("format", "auto") == settings.format
    except (KeyError, TypeError, ValueError):
        return None
    return str(facts.get("kind", "")) if same else None


def make_plan(jobs: list[Job], dst: Path, settings: Settings, retry_failed: bool = False) -> Plan:
    """Apply the resume rules to ``jobs`` (see the module doc); may rewrite ``dst/manifest.csv``."""
    path = dst / manifest.NAME
    manifest.repair(path)
    rows = manifest.read(path)
    check_settings(rows, settings, path)
    last = {r["source"]: r for r in rows}
    # a result's name belongs to the photo whose done row names it (an older run's name scheme included)
    owner = {r["output"]: r["source"] for r in last.values() if r["status"] == "done" and r.get("output")}
    folders = {os.path.dirname(os.path.join(dst, j.output)) for j in jobs}
    files, temps = _scan(folders | {os.path.dirname(os.path.join(dst, o)) for o in owner})
    plan, drop = Plan(total=len(jobs)), set()
    for job in jobs:
        row = last.get(job.key)
        status = row["status"] if row else None
        if status == "done" and os.path.join(dst, row["output"]) in files:
            plan.earlier["done"] += 1            # kept under the name it was written with
            continue
        if owner.get(job.output, job.key) != job.key:       # another photo's: a.jpg and a.png, or a new photo
            job = replace(job, output=settings.output(job.mirrored,
                                                      lambda name, key=job.key: owner.get(name, key) != key))
        owner.setdefault(job.output, job.key)
        dest = os.path.join(dst, job.output)
        if status == "skipped" and not settings.include_colour:
            plan.earlier["skipped"] += 1
        elif status == "failed" and not retry_failed:
            plan.earlier["failed"] += 1
        else:
            if row is not None:
                drop.add(job.key)
            if inside(job.source, dst):
                plan.new_rows.append(row_for(job, settings, "failed", message="it is inside the output folder DST"))
            elif problem := name_problem(job):
                plan.new_rows.append(row_for(job, settings, "failed", message=problem))
            elif dest in files and (kind := _recoverable(dest, job, settings)) is not None:
                plan.new_rows.append(row_for(job, settings, "done", kind, message=RECOVERED))
            else:
                plan.todo.append(job)
    if drop or len(last) != len(rows):
        manifest.rewrite(path, [r for r in last.values() if r["source"] not in drop])
    for temp in temps:
        try:
            os.unlink(temp)
            plan.removed_temp += 1
        except OSError:
            pass
    return plan
