"""The local Ray of a batch run must not outlive the run: a watchdog, a record in DST, and reaping on resume.

``ray.init()`` starts gcs_server, raylet and friends with kernel fate-sharing (they die with the driver), but
raylet's own children (``ray::DashboardAgent``, ``ray::RuntimeEnvAgent``, the worker set-up processes) do
not die with it and ignore SIGTERM: after a ``kill -9`` of the driver they stayed alive for good. So, when
a batch starts a Ray of its own:

* it gets a temporary folder of its own (``ray.init(_temp_dir=...)``), so each of its processes is
  recognised by a path no other Ray has (their command lines name the session folder inside it);
* a watchdog (this file, run as a script, so it loads nothing of the project) notes every few tenths of a
  second the driver's descendants that belong to that folder, and their descendants, by PID *and* start
  time, and writes them to ``DST/.ray-session-<driver pid>.json``. When the driver ends, however it ends
  (its pipe to the watchdog closes), the watchdog SIGKILLs exactly those processes (and any process whose
  command line names the folder), deletes the folder and the record, and exits;
* should the watchdog have been killed too, the next run on that DST (:func:`reap_recorded`, called before
  it plans) kills what the record lists, if each PID still runs with the recorded start time and a Ray
  command line. Nothing is ever killed by name alone.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

RECORD_GLOB = ".ray-session-*.json"
TEMP_PREFIX = "ray-batch-"
SNAPSHOT_S = 0.3              # how often the watchdog looks at the driver's process tree
STOP_WAIT_S = 10.0            # how long a clean close waits for the watchdog's last sweep


def record_path(dst, driver: int) -> Path:
    return Path(dst) / f".ray-session-{driver}.json"


def new_temp_dir() -> str:
    """A fresh folder for one run's Ray session (short: Ray's socket paths must stay under 107 bytes)."""
    base = "/tmp" if os.path.isdir("/tmp") else tempfile.gettempdir()
    return tempfile.mkdtemp(prefix=TEMP_PREFIX, dir=base)


def _psutil():
    try:
        import psutil
    except ImportError:
        return None
    return psutil


def start_watchdog(dst, temp_dir: str) -> subprocess.Popen | None:
    """Start the watchdog of this process's local Ray (None when psutil is missing: then no watchdog)."""
    if _psutil() is None:
        return None
    cmd = [sys.executable, "-I", os.path.abspath(__file__), "--watch", str(os.getpid()), str(Path(dst).resolve()),
           temp_dir]
    return subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True, close_fds=True)


def stop_watchdog(proc: subprocess.Popen | None) -> None:
    """After ``ray.shutdown()``: let the watchdog make its last sweep and tidy up, and wait for it a while."""
    if proc is None:
        return
    with contextlib.suppress(OSError, ValueError):
        proc.stdin.close()
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=STOP_WAIT_S)


def _matches(psutil, pid: int, started: float, temp_dir: str):
    """The process ``pid`` if it still runs with the recorded start time and a Ray command line, else None."""
    try:
        p = psutil.Process(pid)
        if abs(p.create_time() - started) > 0.01:
            return None                   # the PID was reused by another process
        cmd = " ".join(p.cmdline())
    except psutil.Error:
        return None
    return p if temp_dir in cmd or "ray" in cmd.lower() else None


def _kill(psutil, procs) -> int:
    """SIGKILL (Ray's agents ignore SIGTERM) and wait a moment; how many were killed."""
    killed = []
    for p in procs:
        with contextlib.suppress(psutil.Error):
            p.kill()
            killed.append(p)
    psutil.wait_procs(killed, timeout=3)
    return len(killed)


def _tidy(record: Path, temp_dir: str) -> None:
    record.unlink(missing_ok=True)
    if Path(temp_dir).name.startswith(TEMP_PREFIX):
        shutil.rmtree(temp_dir, ignore_errors=True)


def reap_recorded(dst) -> int:
    """Kill what the local Ray of an earlier, killed run on ``dst`` left running (see the module doc); the
    caller holds DST's lock, so that run is over. Returns how many processes were killed."""
    records = list(Path(dst).glob(RECORD_GLOB))
    psutil = _psutil() if records else None
    if psutil is None:
        return 0
    killed = 0
    for record in records:
        try:
            facts = json.loads(record.read_text())
            driver, temp_dir = int(facts["driver"]), str(facts["temp_dir"])
            procs = {int(pid): float(t) for pid, t in facts["processes"].items()}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            record.unlink(missing_ok=True)          # not one of ours, or torn: nothing can be trusted in it
            continue
        if _matches(psutil, driver, float(facts.get("driver_started", 0)), temp_dir) is not None:
            continue                                # its run is still going (cannot be, under the lock)
        killed += _kill(psutil, [p for pid, t in procs.items() if (p := _matches(psutil, pid, t, temp_dir))])
        _tidy(record, temp_dir)
    return killed


# --------------------------------------------------------------------------- the watchdog (run as a script)


def _session_tree(psutil, driver, temp_dir: str) -> dict[int, float]:
    """{pid: start time} of the driver's Ray processes of this session and of all their descendants."""
    found: dict[int, float] = {}
    try:
        children = driver.children()
    except psutil.Error:
        return found
    for child in children:
        try:
            if child.pid == os.getpid() or temp_dir not in " ".join(child.cmdline()):
                continue
            for p in [child, *child.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):
                    found[p.pid] = p.create_time()
        except psutil.Error:
            continue
    return found


def _write(record: Path, facts: dict) -> None:
    tmp = record.with_name(record.name + ".tmp")
    try:
        tmp.write_text(json.dumps(facts))
        os.replace(tmp, record)
    except OSError:
        tmp.unlink(missing_ok=True)


def _sweep(psutil, known: dict[int, float], temp_dir: str) -> int:
    me = os.getpid()                    # the watchdog's own command line names the folder too
    victims = {pid: p for pid, t in known.items() if pid != me and (p := _matches(psutil, pid, t, temp_dir))}
    for p in psutil.process_iter(["pid", "cmdline"]):            # started after the last look
        with contextlib.suppress(psutil.Error, TypeError):
            if p.pid != me and temp_dir in " ".join(p.info["cmdline"] or ()):
                victims.setdefault(p.pid, p)
    for p in list(victims.values()):
        with contextlib.suppress(psutil.Error):
            for c in p.children(recursive=True):
                if c.pid != me:
                    victims.setdefault(c.pid, c)
    return _kill(psutil, victims.values())


def watch(driver_pid: int, dst: str, temp_dir: str) -> None:
    """Note the session's processes until the driver is gone (stdin closes), then kill them and tidy up."""
    import psutil

    signal.signal(signal.SIGINT, signal.SIG_IGN)       # Ctrl+C is the driver's to handle
    record = record_path(dst, driver_pid)
    try:
        driver = psutil.Process(driver_pid)
        facts = {"driver": driver_pid, "driver_started": driver.create_time(), "temp_dir": temp_dir,
                 "watchdog": os.getpid(), "processes": {}}
    except psutil.Error:
        driver, facts = None, {}
    known: dict[int, float] = {}
    while driver is not None:
        ready, _, _ = select.select([sys.stdin], [], [], SNAPSHOT_S)
        if ready and not os.read(sys.stdin.fileno(), 4096):
            break                                      # the driver closed the pipe, or died
        if os.getppid() != driver_pid:
            break
        now = _session_tree(psutil, driver, temp_dir)
        if any(known.get(pid) != t for pid, t in now.items()):
            known.update(now)
            facts["processes"] = {str(pid): t for pid, t in known.items()}
            _write(record, facts)
    _sweep(psutil, known, temp_dir)
    _tidy(record, temp_dir)


if __name__ == "__main__" and len(sys.argv) == 5 and sys.argv[1] == "--watch":
    watch(int(sys.argv[2]), sys.argv[3], sys.argv[4])
