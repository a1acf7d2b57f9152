"""A specialisation in the background, for the app (no Streamlit): one thread, the classroom runs' board.

    job = BOARD.admit(lambda: SpecialiseJob(examples, minutes=3, owner=sid), owner=sid)
    job.progress()      # stage, fraction, elapsed, the log, the error
    job.result          # a core.training.specialise.Result when job.state == "done"
"""

from __future__ import annotations

import itertools
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass

from core.training.jobs import ThreadJob, TrainedModel, _freeze_garbage

_ids = itertools.count(1_000_000)          # apart from the classroom runs' ids: one board holds both
STAGES = {"waiting": "Waiting", "loading": "Loading the model", "caching": "Reading your examples",
          "training": "Learning", "scoring": "Scoring the held-out examples", "done": "Done"}
MAX_LOG = 200


@dataclass
class SpecialiseProgress:
    state: str                  # waiting, running, done, cancelled, failed
    stage: str                  # a key of STAGES
    fraction: float             # of the stage
    elapsed: float
    log: list[str]
    error: str | None

    @property
    def running(self) -> bool:
        return self.state in ("waiting", "running")


class SpecialiseJob(ThreadJob):
    """One :func:`core.training.specialise.specialise` of ``examples`` ((name, RGB) pairs) in a thread."""

    def __init__(self, examples: list, minutes: float, owner: str = "", alive: Callable[[], bool] | None = None,
                 max_crops: int | None = None, passes: int | None = None):
        self.id = next(_ids)
        self.examples, self.minutes, self.owner, self.alive = list(examples), float(minutes), owner, alive
        self.max_crops, self.passes = max_crops, passes
        self.on_end: Callable | None = None
        self.cancel_event = threading.Event()
        self._lock = threading.Lock()
        self.state, self.stage, self.fraction = "waiting", "waiting", 0.0
        self.log: list[str] = []
        self.error: str | None = None
        self.result = None                       # specialise.Result
        self.trained: TrainedModel | None = None
        self.t_start, self.t_end = time.monotonic(), None
        self.thread = threading.Thread(target=self._work, name=f"specialise-{self.id}", daemon=True)

    @property
    def running(self) -> bool:
        return self.state in ("waiting", "running")

    def progress(self) -> SpecialiseProgress:
        with self._lock:
            end = self.t_end if self.t_end is not None else time.monotonic()
            return SpecialiseProgress(self.state, self.stage, self.fraction, end - self.t_start, list(self.log),
                                      self.error)

    def _say(self, stage: str, fraction: float) -> None:
        with self._lock:
            self.stage, self.fraction = stage, float(fraction)
        if self.alive is not None and not self.alive():
            self.cancel()

    def _log(self, line: str) -> None:
        with self._lock:
            self.log = (self.log + [line])[-MAX_LOG:]

    def _work(self) -> None:
        from core.training import specialise as sp

        try:
            with self._lock:
                self.state, self.stage = "running", "loading"
            _freeze_garbage()
            kw = {} if self.max_crops is None else {"max_crops": self.max_crops}
            if self.passes is not None:
                kw["passes"] = self.passes
            result = sp.specialise(self.examples, minutes=self.minutes, log=self._log, cancel=self.cancel_event,
                                   progress=self._say, **kw)
            trained = TrainedModel(result.model, None, seconds=result.facts["seconds"], source="specialised",
                                   specialised=result.facts)
            with self._lock:
                self.result, self.trained, self.state = result, trained, "done"
        except sp.SpecialiseError as e:
            with self._lock:
                self.state = "cancelled" if self.cancel_event.is_set() else "failed"
                self.error = None if self.cancel_event.is_set() else str(e)
        except MemoryError:
            with self._lock:
                self.state, self.error = "failed", ("The server ran out of memory. Try fewer minutes or fewer "
                                                    "examples, or wait until other runs have finished.")
        except Exception as e:  # noqa: BLE001 - the page shows a message; the log gets the traceback
            traceback.print_exc(file=sys.stderr)
            with self._lock:
                self.state, self.error = "failed", f"It stopped with an error: {type(e).__name__}: {e}"
        finally:
            self.examples = []
            _freeze_garbage(release=True)
            with self._lock:
                self.t_end = time.monotonic()
            if self.on_end is not None:
                self.on_end(self)
