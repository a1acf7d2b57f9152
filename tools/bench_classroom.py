"""Measure the classroom run of the Train your own page (the numbers in the README's "Train your own").

    .venv/bin/python tools/bench_classroom.py engine [--filmstrip docs/screenshots/8_train_filmstrip.png]
    .venv/bin/python tools/bench_classroom.py server [--screenshot docs/screenshots/8_train_your_own.png]
    .venv/bin/python tools/bench_classroom.py two

``engine``: the page's default run, started the way the page starts it (a background job of
``core.training.jobs``, default settings and seed), in this process: the wall time from the start to the
finished model, and the held-out photos scored with ``core.metrics.compare`` (the model's colours and the
grey photo against the real colours); the filmstrip is saved as a PNG.

``two``: two default runs at once on one job board in this process (as two sessions of one server
run them, without Streamlit and the browser): the peak resident memory.

``server``: a fresh ``streamlit run`` server and two browser sessions (Chromium, Playwright) that press
**Train** with the default settings at the same moment, and a third that is told the server is busy. The
server's resident memory (its process and children, every 0.2 s) is reported before and during the runs,
with each session's wall time until "Finished"; a screenshot of the first session's page is saved.

The load average of the machine is printed with the results: other programs slow a run down.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for p in (str(ROOT), str(ROOT / "tests")):
    if p not in sys.path:
        sys.path.insert(0, p)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def load() -> str:
    return " ".join(f"{v:.1f}" for v in os.getloadavg())


def engine(args) -> dict:
    import numpy as np
    from PIL import Image

    from core import lab
    from core.figures.filmstrip import filmstrip
    from core.metrics import compare
    from core.training import classroom, jobs
    from core.training.session import colour_preview

    config = classroom.PRESET
    before = load()
    t0 = time.monotonic()
    job = jobs.JobBoard(limit=1).start(config, owner="bench")
    job.join()
    wall = time.monotonic() - t0
    if job.state != "done":
        raise SystemExit(f"the run ended {job.state}: {job.error}")
    p = job.progress()
    col = job.result.colorizer()
    rows = []
    for (title, ref), ev_pic in zip(p.heldout, p.events[-1].previews, strict=True):
        out = colour_preview(col, ref)
        assert np.array_equal(out, ev_pic)           # the filmstrip's last column is the finished model
        rows.append({"photo": title, "model": compare(ref, out)["delta_e2000"],
                     "grey": compare(ref, lab.to_grey_rgb(ref))["delta_e2000"]})
    if args.filmstrip:
        Image.fromarray(filmstrip(p.heldout, [(e.epoch, e.previews) for e in p.events])).save(args.filmstrip,
                                                                                              optimize=True)
    result = {"config": classroom.describe(config), "wall_s": round(wall, 1),
              "epoch_s": [round(e.seconds, 1) for e in p.events],
              "heldout_delta_e2000": {r["photo"]: round(r["model"], 2) for r in rows},
              "mean_model": round(float(np.mean([r["model"] for r in rows])), 2),
              "mean_grey": round(float(np.mean([r["grey"] for r in rows])), 2),
              "load_before": before, "load_after": load(), "cpus": os.cpu_count()}
    print(json.dumps(result, indent=1, ensure_ascii=False))
    return result


def _rss(pid: int) -> int:
    """Resident bytes of ``pid`` and its children."""
    total = 0
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
            with open(f"/proc/{p}/task/{p}/children") as fh:
                todo += [int(c) for c in fh.read().split()]
        except (OSError, ValueError):
            continue
    return total


def server(args) -> dict:
    import tempfile

    from browser_util import LAUNCH, VIEWPORT, AppServer
    from playwright.sync_api import sync_playwright

    tmp = Path(tempfile.mkdtemp(prefix="bench-classroom-"))
    app = AppServer(tmp / "server.log", {"STUDIO_SAMPLE_SIDE": "256"})
    peak = {"rss": 0}
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            peak["rss"] = max(peak["rss"], _rss(app.proc.pid))
            time.sleep(0.2)

    try:
        app.wait_healthy(180)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(**LAUNCH)
            pages = []
            for _ in range(3):
                page = browser.new_context(viewport={**VIEWPORT, "height": 1400}).new_page()
                page.goto(app.url)          # then the sidebar: a first deep link can show "Page not found"
                page.get_by_role("heading", level=1, name="Colorize").wait_for(timeout=180_000)
                page.locator('[data-testid="stSidebarNavLink"]', has_text="Train your own").click()
                page.get_by_role("heading", level=1, name="Train your own").wait_for(timeout=180_000)
                pages.append(page)
            time.sleep(3)
            idle = _rss(app.proc.pid)
            threading.Thread(target=sample, daemon=True).start()
            before = load()
            t0 = time.monotonic()
            for page in pages[:2]:
                page.get_by_role("button", name="Train", exact=True).click()
            pages[0].get_by_text("Cancel").first.wait_for(timeout=60_000)
            pages[1].get_by_text("Cancel").first.wait_for(timeout=60_000)
            pages[2].get_by_role("button", name="Train", exact=True).click()
            pages[2].get_by_text("The server is busy").wait_for(timeout=60_000)
            walls = []
            for page in pages[:2]:
                page.get_by_text(re.compile("Finished 8 epochs|The run stopped")).first.wait_for(timeout=900_000)
                if page.get_by_text("The run stopped").count():
                    raise SystemExit("a run failed: " + page.get_by_text("The run stopped").first.inner_text())
                walls.append(round(time.monotonic() - t0, 1))
            stop.set()
            time.sleep(2)
            if args.screenshot:
                page = pages[0]
                page.get_by_text("joined the model choice").wait_for(timeout=60_000)
                page.get_by_role("heading", name="2 · Watch it learn").evaluate(
                    "e => e.scrollIntoView({block: 'start'})")
                time.sleep(2)
                page.screenshot(path=args.screenshot, full_page=False)
            browser.close()
    finally:
        stop.set()
        app.stop()
    result = {"sessions_training": 2, "third_session": "told the server is busy",
              "wall_s_until_finished": walls, "server_rss_idle_mb": round(idle / 2**20),
              "server_rss_peak_mb": round(peak["rss"] / 2**20), "load_before": before, "load_after": load(),
              "cpus": os.cpu_count()}
    print(json.dumps(result, indent=1))
    return result


def two(args) -> dict:
    """Two default runs at once on one JobBoard in this process, as two sessions of one server run them
    (without the browser and Streamlit): the process's peak resident memory, sampled every 0.2 s."""
    import psutil

    from core.training import classroom, jobs

    proc = psutil.Process()
    peak = {"rss": proc.memory_info().rss}
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            peak["rss"] = max(peak["rss"], proc.memory_info().rss)
            time.sleep(0.2)

    import core.training.session  # noqa: F401  (TensorFlow and Keras loaded before the baseline)

    before = proc.memory_info().rss
    watcher = threading.Thread(target=sample, daemon=True)
    watcher.start()
    t0 = time.monotonic()
    board = jobs.JobBoard(limit=2)
    runs = [board.start(classroom.PRESET, owner=f"session {i}") for i in (1, 2)]
    for job in runs:
        job.join()
    wall = time.monotonic() - t0
    stop.set()
    watcher.join()
    result = {"states": [job.state for job in runs], "wall_s": round(wall, 1),
              "rss_before_mb": round(before / 2**20), "rss_peak_mb": round(peak["rss"] / 2**20),
              "load_after": load(), "cpus": os.cpu_count()}
    print(json.dumps(result, indent=1))
    return result


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="what", required=True)
    e = sub.add_parser("engine", help="the default run in this process: time and held-out ΔE2000")
    e.add_argument("--filmstrip", default=None, help="save the filmstrip PNG here")
    s = sub.add_parser("server", help="two browser sessions training at once: server memory")
    s.add_argument("--screenshot", default=None, help="save a screenshot of the first session here")
    sub.add_parser("two", help="two default runs at once in this process: peak memory")
    args = ap.parse_args(argv)
    {"engine": engine, "server": server, "two": two}[args.what](args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
