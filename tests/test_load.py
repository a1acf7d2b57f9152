"""Ten visitors at once: a fresh ``streamlit run`` server, ten browser contexts that each upload a different
photo at the same moment, in one Chromium driven by Playwright's async API.

Checks that every session finishes, that each one gets exactly its own result (its own file name, its own
size: every upload has a different width; and the downloaded PNG equals what the engine makes of that
upload, max abs difference <= 2), that no browser error or external request happened, and that the server
is still alive and healthy afterwards. Wall time and the server's peak RSS (sampled every 0.2 s, children
included) go to ``test-artifacts/load.json``.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from browser_util import (
    ARTIFACTS,
    LAUNCH,
    STALE,
    STATUS,
    UPLOAD_INPUT,
    VIEWPORT,
    AppServer,
    Watch,
    require_browser,
    server_env,
)
from PIL import Image

pytestmark = [pytest.mark.load, pytest.mark.browser, pytest.mark.xdist_group("browser")]   # alone with its server

SESSIONS = 10
OURS = "Autoencoder (ours)"
MAX_PEAK_RSS = 4 * 2**30        # bytes
MAX_WALL_S = 300.0
MAX_DIFF = 2                    # grey levels, downloaded PNG vs the engine on the same upload
SESSION_TIMEOUT_MS = 280_000

# Ten different colour pictures (scikit-image, bundled: no download), each given its own width.
SOURCES = ["astronaut", "chelsea", "coffee", "hubble_deep_field", "immunohistochemistry", "retina", "rocket",
           "colorwheel", "motorcycle", "rainbow"]


def _source(name: str) -> np.ndarray:
    from skimage import data

    if name == "motorcycle":
        return data.stereo_motorcycle()[0]
    if name == "rainbow":                   # made here: hue across, lightness down
        from skimage.color import hsv2rgb

        h, w = 300, 420
        hsv = np.stack([np.tile(np.linspace(0, 1, w), (h, 1)), np.full((h, w), 0.8),
                        np.tile(np.linspace(0.25, 1, h)[:, None], (1, w))], axis=-1)
        return (hsv2rgb(hsv) * 255).round().astype(np.uint8)
    return np.asarray(getattr(data, name)())[..., :3]


def make_uploads(folder: Path) -> list[dict]:
    """Session i uploads ``load<i>_<source>.png``, 160 + 10 i px wide (so a mixed-up result is visible)."""
    uploads = []
    for i, name in enumerate(SOURCES):
        rgb = _source(name)
        w = 160 + 10 * i
        h = max(16, round(rgb.shape[0] * w / rgb.shape[1]))
        img = Image.fromarray(np.ascontiguousarray(rgb)).resize((w, h), Image.LANCZOS)
        filename = f"load{i:02d}_{name}.png"
        path = folder / filename
        img.save(path, format="PNG")
        uploads.append({"index": i, "name": filename, "stem": filename[:-4], "path": path, "size": (w, h)})
    return uploads


class PeakRss(threading.Thread):
    """Samples the RSS of a process and all its children every ``interval`` seconds."""

    def __init__(self, pid: int, interval: float = 0.2):
        super().__init__(daemon=True)
        import psutil

        self.proc = psutil.Process(pid)
        self.interval = interval
        self.peak = 0
        self.samples = 0
        self.last = 0
        self._halt = threading.Event()

    def sample(self) -> int:
        import psutil

        total = 0
        for p in [self.proc, *self.proc.children(recursive=True)]:
            try:
                total += p.memory_info().rss
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                pass
        return total

    def run(self) -> None:
        import psutil

        while not self._halt.is_set():
            try:
                rss = self.sample()
            except psutil.NoSuchProcess:
                return
            self.last = rss
            self.peak = max(self.peak, rss)
            self.samples += 1
            self._halt.wait(self.interval)

    def stop(self) -> None:
        self._halt.set()
        if self.is_alive():
            self.join(timeout=5)


async def settle(page, timeout: float = 240.0, quiet: float = 0.8) -> None:
    """Wait until the session's script run is over (no "Running…" status, no stale element) for ``quiet`` s."""
    deadline = time.monotonic() + timeout
    quiet_since = None
    while time.monotonic() < deadline:
        busy = await page.locator(STATUS).count() > 0 or await page.locator(STALE).count() > 0
        now = time.monotonic()
        if busy:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = now
        elif now - quiet_since >= quiet:
            return
        await asyncio.sleep(0.15)
    raise AssertionError(f"the app was still running after {timeout:.0f} s")


class Phases:
    """Barriers all sessions pass together: opened (so the uploads start at once), downloads done."""

    def __init__(self, n: int):
        self.opened = asyncio.Barrier(n)
        self.downloaded = asyncio.Barrier(n)

    async def abort(self) -> None:
        for b in (self.opened, self.downloaded):
            await b.abort()

    @staticmethod
    async def meet(barrier: asyncio.Barrier) -> None:
        await asyncio.wait_for(barrier.wait(), timeout=SESSION_TIMEOUT_MS / 1000)


async def one_session(browser, url: str, upload: dict, phases: Phases, out_dir: Path) -> dict:
    """Open the app; upload at the same moment as the others; wait for the result; download its PNG
    right away, while the other sessions are still colouring.

    That download used to race (Streamlit 1.67): a deferred download (``data=`` a callable) is stored
    without a reference from any session, and any other session's script-run end sweeps it, so the
    browser's GET could get a 404 ("canceled"). The app now hands Streamlit the encoded bytes
    (ui.results.download_png), which ties the file to its session; this test keeps that fixed.
    """
    context = await browser.new_context(viewport=VIEWPORT, accept_downloads=True, base_url=url)
    context.set_default_timeout(SESSION_TIMEOUT_MS)
    watch = Watch()
    await watch.attach_async(context)
    page = await context.new_page()
    try:
        await page.goto("/")
        await page.get_by_role("heading", level=1, name="Colorize", exact=True).wait_for()
        await page.locator(UPLOAD_INPUT).wait_for(state="attached")
        await settle(page)
        await phases.meet(phases.opened)

        t0 = time.monotonic()
        await page.locator(UPLOAD_INPUT).set_input_files(str(upload["path"]))
        result = page.locator('[data-testid="stImage"]').filter(
            has=page.locator('[data-testid="stImageCaption"]', has_text=re.compile(f"^{re.escape(OURS)}$")))
        await result.first.wait_for()
        img = result.first.locator("img")
        await page.wait_for_function("img => img.complete && img.naturalWidth > 0",
                                     arg=await img.element_handle())
        shown = tuple(await img.evaluate("img => [img.naturalWidth, img.naturalHeight]"))
        t_result = time.monotonic()
        await settle(page)
        t_settled = time.monotonic()

        async with page.expect_download() as info:
            await page.get_by_role("button", name="Download PNG").click()
        download = await info.value
        path = out_dir / f"session{upload['index']:02d}_{download.suggested_filename}"
        await download.save_as(path)
        text = await page.locator('[data-testid="stMain"]').inner_text()
        exceptions = await page.locator('[data-testid="stException"]').count()
        await phases.meet(phases.downloaded)
        return {
            "index": upload["index"],
            "download": path,
            "suggested_filename": download.suggested_filename,
            "shown_size": shown,
            "page_text": text,
            "exceptions": exceptions,
            "problems": watch.problems(),
            "seen": watch.seen,
            "result_s": t_result - t0,
            "t0": t0,
            "t_settled": t_settled,
        }
    except BaseException:
        await phases.abort()                # do not leave the other sessions waiting
        raise
    finally:
        await context.close()


async def run_sessions(url: str, uploads: list[dict], out_dir: Path) -> tuple[list, float]:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(**LAUNCH)
        try:
            phases = Phases(len(uploads))
            t0 = time.monotonic()
            outcomes = await asyncio.gather(*(one_session(browser, url, u, phases, out_dir) for u in uploads),
                                            return_exceptions=True)
            return outcomes, time.monotonic() - t0
        finally:
            await browser.close()


def test_ten_concurrent_sessions(tmp_path_factory, request, record_property, capsys):
    require_browser()
    autoencoder_path = request.getfixturevalue("autoencoder_path")
    work = tmp_path_factory.mktemp("load")
    (work / "home").mkdir()
    (work / "uploads").mkdir()
    (work / "downloads").mkdir()
    uploads = make_uploads(work / "uploads")
    assert len({u["size"] for u in uploads}) == SESSIONS

    server = AppServer(work / "streamlit.log", server_env(work / "home", autoencoder_path))
    sampler = None
    try:
        startup_s = server.wait_healthy(timeout=90)
        sampler = PeakRss(server.proc.pid)
        rss_before = sampler.sample()
        sampler.start()
        outcomes, wall_s = asyncio.run(run_sessions(server.url, uploads, work / "downloads"))
        sampler.stop()
        alive_after = server.alive()
        healthy_after = server.healthy(timeout=10)
        rss_after = sampler.sample() if alive_after else 0
    finally:
        if sampler is not None:
            sampler.stop()
        server.stop()
    log = server.log_tail(200_000)

    failures = [f"session {u['index']} ({u['name']}): {o!r}" for u, o in zip(uploads, outcomes, strict=True)
                if isinstance(o, BaseException)]
    done = [o for o in outcomes if not isinstance(o, BaseException)]
    # from the simultaneous uploads until the last session shows its result and has finished its run
    colour_phase_s = (max(o["t_settled"] for o in done) - min(o["t0"] for o in done)) if done else float("nan")
    report = {
        "sessions": SESSIONS,
        "finished": len(done),
        "wall_s": round(wall_s, 2),
        "uploads_to_last_result_s": round(colour_phase_s, 2),
        "per_session_result_s": [round(o["result_s"], 2) for o in done],
        "server_startup_s": round(startup_s, 2),
        "server_rss_before_mib": round(rss_before / 2**20, 1),
        "server_peak_rss_mib": round(sampler.peak / 2**20, 1),
        "server_rss_after_mib": round(rss_after / 2**20, 1),
        "rss_samples": sampler.samples,
        "upload_sizes": [list(u["size"]) for u in uploads],
        "cpu_count": os.cpu_count(),
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
    }
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "load.json").write_text(json.dumps(report, indent=2) + "\n")
    for key in ("wall_s", "uploads_to_last_result_s", "server_peak_rss_mib", "server_rss_before_mib"):
        record_property(key, report[key])
    with capsys.disabled():
        print(f"\n[load] {len(done)}/{SESSIONS} sessions in {report['wall_s']} s wall "
              f"({report['uploads_to_last_result_s']} s from the simultaneous uploads to the last result); "
              f"server RSS {report['server_rss_before_mib']} MiB before, peak {report['server_peak_rss_mib']} MiB "
              f"({sampler.samples} samples); written to {ARTIFACTS / 'load.json'}")

    assert not failures, "\n".join(failures)
    assert alive_after, "the server died under load:\n" + log[-4000:]
    assert healthy_after, "/_stcore/health failed after the load"
    assert "Traceback" not in log, log[-6000:]

    # Each session saw exactly its own photo and result.
    from ui.photos import photo_from_upload

    autoencoder = request.getfixturevalue("autoencoder")
    names = [u["name"] for u in uploads]
    diffs = []
    for u, o in zip(uploads, outcomes, strict=True):
        where = f"session {u['index']} ({u['name']})"
        assert o["exceptions"] == 0, where
        assert not o["problems"], f"{where}: " + "; ".join(o["problems"])
        assert o["seen"] > 0, f"{where}: the request watcher saw nothing"
        assert u["name"] in o["page_text"], where
        others = [n for n in names if n != u["name"] and n in o["page_text"]]
        assert not others, f"{where} shows other sessions' photos: {others}"
        m = re.fullmatch(re.escape(u["stem"]) + r"_autoencoder_rf(\d+)\.png", o["suggested_filename"])
        assert m, f"{where}: downloaded {o['suggested_filename']}"
        assert o["shown_size"] == u["size"], (where, o["shown_size"], u["size"])
        with Image.open(o["download"]) as png:
            assert png.format == "PNG" and png.size == u["size"], (where, png.format, png.size)
            got = np.asarray(png.convert("RGB"))
        grey = photo_from_upload(u["name"], u["path"].read_bytes()).grey
        want = autoencoder.colorize(grey, int(m.group(1)))
        diff = int(np.abs(got.astype(np.int16) - want.astype(np.int16)).max())
        diffs.append(diff)
        assert diff <= MAX_DIFF, f"{where}: the downloaded result differs from its own upload's by {diff}"

    report["max_abs_diff_vs_engine"] = diffs
    (ARTIFACTS / "load.json").write_text(json.dumps(report, indent=2) + "\n")

    assert sampler.peak < MAX_PEAK_RSS, f"peak server RSS {sampler.peak / 2**30:.2f} GiB"
    assert wall_s < MAX_WALL_S, f"{SESSIONS} sessions took {wall_s:.0f} s"
