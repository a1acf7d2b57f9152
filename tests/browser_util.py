"""Helpers for the real-browser tests (tests/test_browser.py, tests/test_load.py).

* :func:`require_browser`: skip when Chromium (``/usr/bin/chromium``) or Playwright is missing,
  but fail instead when ``COLORIZER_REQUIRE_BROWSER=1`` (CI sets it).
* :class:`AppServer`: ``streamlit run streamlit_app.py`` on a free local port, in its own process,
  stopped (terminate, then kill) by its Popen handle only.
* :class:`Watch`: what a browser context did wrong: console errors, page errors, HTTP error answers
  (status >= 400), and every request to a host other than this computer (aborted and recorded).

Playwright never downloads a browser here: it always drives the system Chromium.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]
LAUNCH = {"executable_path": CHROMIUM, "headless": True, "args": CHROMIUM_ARGS}
VIEWPORT = {"width": 1280, "height": 800}
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
ARTIFACTS = ROOT / "test-artifacts"

# Selectors (Streamlit 1.67 test ids, and the app's own compare slider).
STATUS = '[data-testid="stStatusWidget"]'
STALE = '[data-stale="true"]'
EXCEPTION = '[data-testid="stException"]'
UPLOAD_INPUT = '[data-testid="stFileUploader"] input[type="file"]'
NAV_LINK = '[data-testid="stSidebarNavLink"]'
SLIDER = '[data-testid="compare-slider"]'


def require_browser() -> None:
    """Skip (or, with COLORIZER_REQUIRE_BROWSER=1, fail) when the browser tests cannot run here."""
    problems = []
    if not Path(CHROMIUM).is_file():
        problems.append(f"Chromium is not installed at {CHROMIUM} (Debian: apt-get install -y chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        problems.append("the playwright Python package is not installed (pip install -r requirements-test.txt)")
    if not problems:
        return
    reason = "browser tests need a real browser: " + "; ".join(problems)
    if os.environ.get("COLORIZER_REQUIRE_BROWSER") == "1":
        pytest.fail(reason + " (COLORIZER_REQUIRE_BROWSER=1, so this is a failure, not a skip)", pytrace=False)
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def is_local(url: str) -> bool:
    """True for this computer's server and for in-page URLs (data:, blob:, about:)."""
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about", "chrome-error"):
        return True
    return (parts.hostname or "") in LOCAL_HOSTS


class AppServer:
    """The app in a fresh ``streamlit run`` process on 127.0.0.1:<free port>."""

    def __init__(self, log_path: Path, extra_env: dict[str, str]):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = Path(log_path)
        env = dict(os.environ)
        env["TF_CPP_MIN_LOG_LEVEL"] = "2"
        env.update({k: str(v) for k, v in extra_env.items()})
        cmd = [sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.port", str(self.port),
               "--server.headless", "true", "--server.address", "127.0.0.1"]
        self._log = open(self.log_path, "w")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT)

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def healthy(self, timeout: float = 5.0) -> bool:
        try:
            with urllib.request.urlopen(self.url + "/_stcore/health", timeout=timeout) as r:
                return r.status == 200 and r.read().strip() == b"ok"
        except OSError:
            return False

    def wait_healthy(self, timeout: float = 90.0) -> float:
        """Seconds until /_stcore/health answers ok; fails (with the server log) on timeout or exit."""
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            if self.proc.poll() is not None:
                raise AssertionError(f"the app exited with code {self.proc.returncode}:\n{self.log_tail()}")
            if self.healthy(timeout=2.0):
                return time.monotonic() - t0
            time.sleep(0.5)
        raise AssertionError(f"the app did not answer /_stcore/health within {timeout:.0f} s:\n{self.log_tail()}")

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=20)
        self._log.close()


def server_env(home: Path, autoencoder: Path) -> dict[str, str]:
    """An empty COLORIZER_HOME (so the Zhang et al. weights are missing and their notice shows), the
    test's autoencoder file, and small built-in samples."""
    return {"COLORIZER_HOME": str(home), "COLORIZER_AUTOENCODER": str(autoencoder), "STUDIO_SAMPLE_SIDE": "256",
            "STUDIO_SPECIALISE_CROPS": "32", "STUDIO_SPECIALISE_PASSES": "3"}       # a short specialisation


class Watch:
    """Console errors, uncaught page errors and external requests (aborted) of one browser context."""

    def __init__(self):
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        self.http_errors: list[str] = []
        self.external: list[str] = []
        self.tolerated: list[str] = []
        self.seen = 0                           # requests that went through the route handler
        self._allowed: list[re.Pattern] = []
        self._allowed_http: list[re.Pattern] = []

    def allow_console_error(self, pattern: str) -> None:
        """Tolerate console errors matching ``pattern`` (a regex, searched in "<text> (<url>:<line>)")."""
        self._allowed.append(re.compile(pattern))

    def allow_deep_link_probe(self, base_url: str, path: str) -> None:
        """Opening a page by its own URL (``/compare``), Streamlit's frontend first probes
        ``/compare/_stcore/health`` and ``/compare/_stcore/host-config`` to find the server's base path;
        those two answer 404 before it falls back to ``/_stcore/...``: streamlit/streamlit#7074
        (confirmed, open). Only those two 404s of that path are tolerated."""
        probe = re.escape(base_url.rstrip("/") + "/" + path.strip("/")) + r"/_stcore/(health|host-config)"
        self.allow_console_error(r"^Failed to load resource: the server responded with a status of 404 "
                                 r"\(Not Found\) \(" + probe + ":")
        self._allowed_http.append(re.compile(r"^404 GET " + probe + "$"))

    # -- sync API
    def attach(self, context) -> None:
        def route(r):
            self.seen += 1
            if is_local(r.request.url):
                r.continue_()
            else:
                self.external.append(f"{r.request.method} {r.request.url}")
                r.abort()

        context.route("**/*", route)
        context.on("page", self.watch_page)
        for page in context.pages:
            self.watch_page(page)

    # -- async API (handlers may be coroutines there)
    async def attach_async(self, context) -> None:
        async def route(r):
            self.seen += 1
            if is_local(r.request.url):
                await r.continue_()
            else:
                self.external.append(f"{r.request.method} {r.request.url}")
                await r.abort()

        await context.route("**/*", route)
        context.on("page", self.watch_page)

    def watch_page(self, page) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda err: self.page_errors.append(str(err)))
        page.on("websocket", self._websocket)
        page.on("response", self._response)

    def _response(self, response) -> None:
        if response.status >= 400:
            text = f"{response.status} {response.request.method} {response.url}"
            if any(p.search(text) for p in self._allowed_http):
                self.tolerated.append(text)
            else:
                self.http_errors.append(text)

    def _console(self, msg) -> None:
        if msg.type == "error":
            loc = msg.location or {}
            text = f"{msg.text} ({loc.get('url', '')}:{loc.get('lineNumber', '')})"
            if any(p.search(text) for p in self._allowed):
                self.tolerated.append(text)
            else:
                self.console_errors.append(text)

    def _websocket(self, ws) -> None:
        if not is_local(ws.url):
            self.external.append(f"WebSocket {ws.url}")

    def problems(self) -> list[str]:
        return ([f"console error: {m}" for m in self.console_errors]
                + [f"page error: {m}" for m in self.page_errors]
                + [f"HTTP error: {m}" for m in self.http_errors]
                + [f"external request: {m}" for m in self.external])

    def assert_clean(self) -> None:
        found = self.problems()
        assert self.seen > 0, "the request watcher saw no request at all"
        assert not found, "the browser saw problems:\n" + "\n".join(found)


def settle(page, timeout: float = 180.0, quiet: float = 0.8) -> None:
    """Wait until the script run is over: no status widget ("Running…") and no stale element for ``quiet`` s."""
    deadline = time.monotonic() + timeout
    quiet_since = None
    while time.monotonic() < deadline:
        busy = page.locator(STATUS).count() > 0 or page.locator(STALE).count() > 0
        now = time.monotonic()
        if busy:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = now
        elif now - quiet_since >= quiet:
            return
        page.wait_for_timeout(150)
    raise AssertionError(f"the app was still running after {timeout:.0f} s")


def assert_no_exception(page) -> None:
    """No Streamlit exception box (uncaught error in a page script) on the page."""
    n = page.locator(EXCEPTION).count()
    assert n == 0, "Streamlit exception on the page:\n" + "\n".join(page.locator(EXCEPTION).all_inner_texts())
    assert page.get_by_text("This app has encountered an error").count() == 0


DOCS_SCREENSHOTS = ROOT / "docs" / "screenshots"


def screenshot(page, name: str) -> Path:
    """``test-artifacts/screenshots/<name>.png`` (the viewport) and ``<name>_full.png`` (the whole
    page: Streamlit scrolls inside the app container, so the viewport is stretched to its height).
    With ``COLORIZER_UPDATE_SCREENSHOTS=1`` the viewport picture also replaces ``docs/screenshots/<name>.png``
    (the README's pictures)."""
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path))
    if os.environ.get("COLORIZER_UPDATE_SCREENSHOTS") == "1":
        DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(DOCS_SCREENSHOTS / f"{name}.png"))
    height = page.evaluate(
        "() => Math.max(...['stMain', 'stAppViewContainer', 'stMainBlockContainer']"
        ".map(id => document.querySelector(`[data-testid=\"${id}\"]`))"
        ".filter(Boolean).map(e => e.scrollHeight), document.documentElement.scrollHeight)")
    size = page.viewport_size or VIEWPORT
    page.set_viewport_size({"width": size["width"], "height": int(min(max(height, size["height"]), 8000))})
    try:
        page.wait_for_timeout(600)
        page.screenshot(path=str(folder / f"{name}_full.png"), full_page=True)
    finally:
        page.set_viewport_size(size)
        page.wait_for_timeout(300)
    return path
