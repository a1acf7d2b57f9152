"""The lines a batch run prints: what it found to do, and what it did (counts and throughput)."""

from __future__ import annotations

from pathlib import Path

from core.batch import manifest
from core.batch.resume import Plan
from core.text import printable


def plan_line(plan: Plan, src: str) -> str:
    """E.g. ``200 photos in SRC: 150 already done, 50 to do``."""
    earlier = plan.earlier
    parts = [f"{plan.total} photos in {printable(src)}"]
    handled = [f"{n} {what}" for what, n in (("done", earlier["done"]), ("skipped", earlier["skipped"]),
                                              ("failed", earlier["failed"])) if n]
    if handled:
        parts.append("earlier runs: " + ", ".join(handled))
    recovered = sum(1 for r in plan.new_rows if r["status"] == "done")
    if recovered:
        parts.append(f"{recovered} recovered from an interrupted run")
    if plan.removed_temp:
        parts.append(f"{plan.removed_temp} leftover temporary file{'s' if plan.removed_temp > 1 else ''} removed")
    parts.append(f"{len(plan.todo)} to do")
    return "; ".join(parts)


def summary_line(report, dst: Path, engine) -> str:
    """Totals over DST, then this run's throughput, e.g. ``... this run: 200 photos in 40.1 s = 4.99 photos/s``."""
    plan = report.plan
    totals = {s: plan.earlier[s] + report.counts[s] + sum(1 for r in plan.new_rows if r["status"] == s)
              for s in ("done", "skipped", "failed")}
    text = f"{totals['done']} done, {totals['skipped']} skipped, {totals['failed']} failed of {plan.total} photos"
    if totals["skipped"]:
        text += " (skipped: colour photos; --include-colour does them)"
    n = report.processed
    if n:
        rate = n / report.seconds if report.seconds > 0 else 0.0
        first = f", first result after {report.first_result_s:.1f} s" if report.first_result_s is not None else ""
        who = f" on {engine.describe()}" if engine is not None else ""
        text += f"; this run: {n} photos in {report.seconds:.1f} s = {rate:.2f} photos/s{first}{who}"
    else:
        text += "; nothing left to do"
    text += f"; manifest: {printable(dst / manifest.NAME)}"
    if report.stopped:
        text += (f"\nstopped: {printable(report.stopped)}. What was finished is kept: run the same command again to "
                 "continue.")
    if totals["failed"] and not report.stopped:
        text += "\nsome photos failed (see the manifest); --retry-failed tries them again"
    return text
