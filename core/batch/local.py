"""``--engine local``: a pool of worker processes on this machine, each loading the model once.

The driver never loads the model; each worker is a fresh process (spawned) with one compute thread, so
N workers use N cores. A worker that dies (e.g. killed for memory) fails the photos it had in flight,
which ``--retry-failed`` tries again; the pool is started anew and the run goes on.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from core.batch.plan import Job, Settings
from core.batch.worker import BatchWorker, result, settings_dict

IN_FLIGHT_PER_WORKER = 2
DIED = "the worker process stopped while this photo was in progress (out of memory?); --retry-failed tries again"

_worker: BatchWorker | None = None
_start_error = ""


def _watch_parent(parent: int) -> None:
    while True:
        time.sleep(1.0)
        if os.getppid() != parent:           # the run was killed: stop too
            os._exit(0)


def _start(settings: dict, dst: str, parent: int) -> None:
    """Pool initializer: ignore Ctrl+C (the driver handles it), watch the driver, load the model."""
    global _worker, _start_error
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    try:
        _worker = BatchWorker(settings, dst)
    except Exception as e:  # noqa: BLE001 - said once by the driver instead of a traceback per worker
        _start_error = str(e) or type(e).__name__


def _one(job: Job) -> dict:
    if _worker is None:
        return result(job, "failed", message=f"a worker could not start: {_start_error}", stop=True)
    return _worker.one(job)


class LocalEngine:
    """Runs jobs on ``workers`` processes; :meth:`run` yields one result per job, in completion order."""

    name = "local"

    def __init__(self, settings: Settings, dst: str, workers: int | None = None):
        self.settings, self.dst = settings, str(dst)
        self.workers = max(1, workers or default_workers())
        self._pool: ProcessPoolExecutor | None = None

    def start(self) -> None:
        """Nothing to join: the pool starts with the first photo."""

    def describe(self) -> str:
        return f"local, {self.workers} worker{'s' if self.workers > 1 else ''}"

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"), initializer=_start,
                                   initargs=(settings_dict(self.settings), self.dst, os.getpid()))

    def run(self, jobs: list[Job]) -> Iterator[dict]:
        self.workers = min(self.workers, max(1, len(jobs)))
        pending = iter(jobs)
        in_flight: dict = {}
        self._pool = self._new_pool()
        while True:
            while len(in_flight) < self.workers * IN_FLIGHT_PER_WORKER:
                job = next(pending, None)
                if job is None:
                    break
                in_flight[self._pool.submit(_one, job)] = job
            if not in_flight:
                return
            finished, _ = wait(in_flight, return_when=FIRST_COMPLETED)
            broken = False
            for fut in finished:
                job = in_flight.pop(fut)
                try:
                    yield fut.result()
                except BrokenProcessPool:
                    broken = True
                    yield result(job, "failed", message=DIED)
            if broken:
                for job in in_flight.values():
                    yield result(job, "failed", message=DIED)
                in_flight.clear()
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = self._new_pool()

    def close(self) -> None:
        """Cancel what has not started; the photos in progress finish (their results are recovered next time)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def default_workers() -> int:
    """The CPU cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1
