"""The driver of a batch run: lock DST, plan, feed an engine, write a manifest row per result, report.

Rows are written only here (one writer, so no two processes append to the manifest); the workers write the
result files. A result with ``stop`` (DST cannot be written) ends the run without a row for that photo.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from core.batch import manifest
from core.batch.plan import Settings, find_jobs
from core.batch.resume import Plan, make_plan, row_for
from core.text import printable

SHOW_FAILURES = 10            # the first failures are printed; the manifest has them all
LOCK_NAME = ".batch.lock"


class RunError(RuntimeError):
    """The run cannot start or had to stop; the message says why and what to do."""


@dataclass
class Report:
    """What a run did: this run's counts, what earlier runs had done, and the time it took."""

    plan: Plan
    counts: dict[str, int] = field(default_factory=lambda: {"done": 0, "skipped": 0, "failed": 0})
    seconds: float = 0.0
    first_result_s: float | None = None
    stopped: str = ""           # why the run stopped early ("" = it did everything)

    @property
    def processed(self) -> int:
        return sum(self.counts.values())

    @property
    def failed_total(self) -> int:
        recovered_failed = sum(1 for r in self.plan.new_rows if r["status"] == "failed")
        return self.counts["failed"] + self.plan.earlier["failed"] + recovered_failed


@contextlib.contextmanager
def dst_lock(dst: Path):
    """Hold ``DST/.batch.lock`` so that two runs never write into one DST (where ``fcntl`` exists); the file is
    removed when the run ends (still held then), so a finished DST keeps no empty lock file."""
    try:
        import fcntl
    except ImportError:                       # Windows: no lock
        yield
        return
    path = dst / LOCK_NAME
    for _ in range(5):                        # a run that just finished may remove the file we opened: again
        try:
            fh = open(path, "a+")
        except OSError as e:                  # read-only, no permission, full: nothing could be written there
            raise RunError(f"cannot write into {dst}: {e.strerror or e}") from None
        with fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                raise RunError(f"another batch run is writing into {dst}; wait for it to finish (or stop it), "
                               "then run this again") from None
            if not _is_the_file_at(fh, path):
                continue
            try:
                yield
            finally:
                with contextlib.suppress(OSError):
                    path.unlink()             # before the lock is let go: no run can be holding a removed file
            return
    raise RunError(f"could not take the lock {path}; run this again")


def _is_the_file_at(fh, path: Path) -> bool:
    try:
        return os.path.samestat(os.fstat(fh.fileno()), os.stat(path))
    except OSError:
        return False


def console_stream():
    """Where our messages and the progress bar go: stderr, even while Ray's native output is silenced."""
    try:
        if sys.stderr is sys.__stderr__ and sys.stderr.fileno() == 2:
            return open(os.dup(2), "w", buffering=1, encoding=sys.stderr.encoding or "utf-8",
                        errors="backslashreplace"), True
    except (AttributeError, OSError, ValueError):
        pass
    return sys.stderr, False


def prepare(src: str, dst: Path, settings: Settings, retry_failed: bool) -> Plan:
    """The plan of this run (the caller holds the lock); RunError for a bad SRC, DST or manifest."""
    from core.batch.manifest import ManifestError
    from core.batch.plan import PlanError
    from core.batch.ray_cleanup import reap_recorded

    reap_recorded(dst)              # what the local Ray of a killed earlier run on DST left running
    try:
        return make_plan(find_jobs(src, str(dst), settings), dst, settings, retry_failed)
    except (PlanError, ManifestError) as e:
        raise RunError(str(e)) from None
    except OSError as e:
        raise RunError(f"cannot use {dst}: {e.strerror or e}") from None


def execute(plan: Plan, dst: Path, settings: Settings, engine, console, progress: bool = True) -> Report:
    """Run ``plan.todo`` on ``engine`` and write the manifest; Ctrl+C and a DST write error stop it cleanly
    (what was finished is kept: the same command continues). RunError when the manifest cannot be written."""
    from tqdm import tqdm

    report = Report(plan)
    shown = 0
    t0 = time.perf_counter()
    path = dst / manifest.NAME
    try:
        out = manifest.Writer(path)
        with contextlib.ExitStack() as undo:
            undo.callback(out.close)
            for row in plan.new_rows:
                out.write(row)
            undo.pop_all()
    except OSError as e:                      # a full disk, a folder made read-only since the lock
        if engine is not None:
            engine.close()
        raise RunError(f"cannot write {path}: {e.strerror or e}") from None
    with out:
        if not plan.todo:
            return report
        bar = tqdm(total=len(plan.todo), unit="photo", desc="colorizing", file=console, dynamic_ncols=True,
                   disable=not progress, mininterval=0.5 if getattr(console, "isatty", lambda: False)() else 30)
        by_key = {job.key: job for job in plan.todo}
        results = engine.run(plan.todo)
        try:
            for res in results:
                if report.first_result_s is None:
                    report.first_result_s = time.perf_counter() - t0
                if res["stop"]:
                    report.stopped = res["message"]
                    break
                try:
                    out.write(row_for(by_key[res["key"]], settings, res["status"], res["kind"], res["seconds"],
                                      res["message"], res.get("uncertainty") or ""))
                except OSError as e:          # its result is in place: the next run recovers its row
                    report.stopped = f"cannot write {path}: {e.strerror or e}"
                    break
                report.counts[res["status"]] += 1
                if res["status"] == "failed":
                    shown += 1
                    if shown <= SHOW_FAILURES:
                        bar.write(f"failed: {printable(res['key'])}: {printable(res['message'])}", file=console)
                    elif shown == SHOW_FAILURES + 1:
                        bar.write("more failures: see the manifest (status failed)", file=console)
                    bar.set_postfix(failed=report.counts["failed"], refresh=False)
                bar.update(1)
        except KeyboardInterrupt:
            report.stopped = "interrupted (Ctrl+C)"
        finally:
            results.close()
            engine.close()
            bar.close()
            report.seconds = time.perf_counter() - t0
    return report
