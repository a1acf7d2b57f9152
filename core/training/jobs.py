"""Classroom training runs in the background: one thread per run, a few runs per server (no Streamlit).

    job = BOARD.start(config, extra_photos, owner="session id")   # ServerBusy / AlreadyRunning
    job.progress()          # a consistent snapshot for a page: state, epochs so far, step, elapsed, ETA
    job.cancel(); job.join()
    job.result              # a TrainedModel when job.state == "done"

The board limits how many runs train at once on the whole server (``STUDIO_MAX_TRAINING``, default 2)
and one per owner (a browser session): each run takes a core's worth of work and some 200 MB.
A run whose owner is gone (``alive()`` returns False) is cancelled at the end of its epoch.
"""

from __future__ import annotations

import gc
import itertools
import os
import sys
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from core.training.session import EpochEvent, TrainConfig

STATES = ("waiting", "preparing", "training", "done", "cancelled", "failed")
_ids = itertools.count(1)
_gc_lock = threading.Lock()


def _freeze_garbage(release: bool = False) -> None:
    """Keep long-lived objects out of the garbage collector's full collections.

    Streamlit runs a full ``gc.collect()`` after every script run, and so after every poll of a page that
    watches a run (``runner.postScriptGC``); each one holds the GIL while it walks every tracked object, and
    the run stalls meanwhile. Walking TensorFlow, Keras and a run's graphs took 0.3 s per poll (training 3x
    slower with a poll a second); ``gc.freeze()`` leaves the objects that exist now out of later collections
    (0.1 s). A run calls this when TensorFlow is loaded and after its first epoch (its graphs are built), and
    with ``release`` when it ends: everything is collected once, so what the run leaves behind is freed, and
    what still lives is frozen again."""
    with _gc_lock:
        if release:
            gc.unfreeze()
        gc.collect()
        gc.freeze()


def max_running() -> int:
    try:
        return max(1, int(os.environ.get("STUDIO_MAX_TRAINING", "2")))
    except ValueError:
        return 2


class ServerBusy(RuntimeError):
    """Too many runs train on this server right now."""


class AlreadyRunning(RuntimeError):
    """This owner already has a run that trains."""


@dataclass
class TrainedModel:
    """A finished (or uploaded) model with what is known about it."""

    model: object                            # the Keras inference model: L_norm -> ab_norm at 1/4
    config: TrainConfig | None               # None for an upload without classroom.json
    rows: list[dict] = field(default_factory=list)    # per-epoch numbers (EpochEvent.row())
    heldout_delta_e: float | None = None
    grey_delta_e: float | None = None
    seconds: float = 0.0
    source: str = "trained"                  # "trained", "uploaded" or "specialised"
    file_name: str = ""                      # of an upload
    specialised: dict | None = None          # what a specialised model was taught (core.training.examples.facts)
    _colorizer: object = None
    _bytes: bytes | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def colorizer(self):
        """An AutoencoderColorizer over the model (made once)."""
        with self._lock:
            if self._colorizer is None:
                from core.colorizers.autoencoder import AutoencoderColorizer

                self._colorizer = AutoencoderColorizer(self.model)
            return self._colorizer

    def info(self) -> dict:
        """What ``classroom.json`` keeps (see :mod:`core.training.modelfile`)."""
        from core.training import examples

        if self.specialised is not None:
            return examples.info_of(self.specialised)
        return {"config": None if self.config is None else self.config.as_dict(), "rows": self.rows,
                "heldout_delta_e2000": self.heldout_delta_e, "grey_delta_e2000": self.grey_delta_e,
                "seconds": round(self.seconds, 1)}

    def keras_bytes(self) -> bytes:
        """The ``.keras`` file (made once)."""
        from core.training import modelfile

        with self._lock:
            if self._bytes is None:
                self._bytes = modelfile.to_bytes(self.model, self.info())
            return self._bytes

    @classmethod
    def from_upload(cls, data: bytes, file_name: str) -> TrainedModel:
        """Load an uploaded ``.keras`` file (ModelFileError when it is not a usable colorizer)."""
        from core.training import examples, modelfile

        model, info = modelfile.from_bytes(data, file_name)
        facts = examples.facts_of(info)
        if facts is not None:
            out = cls(model, None, source="uploaded", file_name=file_name, specialised=facts)
            out._bytes = data
            return out
        config, rows, held, grey = None, [], None, None
        if info:
            try:
                fields = TrainConfig.__dataclass_fields__
                raw = info.get("config") or {}
                config = TrainConfig(**{k: v for k, v in raw.items() if k in fields}).check() if raw else None
            except (TypeError, ValueError):
                config = None
            rows = [r for r in info.get("rows", []) if isinstance(r, dict)][:1000]
            held = _number(info.get("heldout_delta_e2000"))
            grey = _number(info.get("grey_delta_e2000"))
        out = cls(model, config, rows, held, grey, source="uploaded", file_name=file_name)
        out._bytes = data
        return out


def _number(v):
    return float(v) if isinstance(v, (int, float)) and np.isfinite(v) else None


@dataclass
class Progress:
    """A snapshot of a job for a page (copied under the job's lock)."""

    state: str
    epochs: int
    events: list[EpochEvent]
    epoch: int                  # the epoch being trained (1-based; 0 before the first)
    step: int
    steps: int
    elapsed: float
    eta: float                  # nan while unknown
    error: str | None
    heldout: list[tuple[str, np.ndarray]]
    grey_delta_e: float | None

    @property
    def running(self) -> bool:
        return self.state in ("waiting", "preparing", "training")

    @property
    def fraction(self) -> float:
        if self.state == "done":
            return 1.0
        if not self.steps:
            return 0.0
        done = (max(self.epoch, 1) - 1) * self.steps + self.step
        return min(1.0, done / (self.epochs * self.steps))


class ThreadJob:
    """Start, cancel and wait for a job that does its work in ``self.thread`` and watches ``self.cancel_event``
    (a classroom run, a specialisation: both sit on one :class:`JobBoard`)."""

    def start(self):
        self.thread.start()
        return self

    def cancel(self) -> None:
        self.cancel_event.set()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the job to end; True when it has."""
        self.thread.join(timeout)
        return not self.thread.is_alive()


class Job(ThreadJob):
    """One background run of the classroom data set with ``config`` plus the ``extra`` colour photos."""

    def __init__(self, config: TrainConfig, extra: Sequence[np.ndarray] = (), owner: str = "",
                 alive: Callable[[], bool] | None = None, crops_per_epoch: int | None = None,
                 on_end: Callable[[Job], None] | None = None):
        self.id = next(_ids)
        self.config = config.check()
        self.extra = list(extra)
        self.owner = owner
        self.alive = alive
        self.crops_per_epoch = crops_per_epoch
        self.on_end = on_end
        self.cancel_event = threading.Event()
        self._lock = threading.Lock()
        self.state = "waiting"
        self.events: list[EpochEvent] = []
        self.epoch = self.step = self.steps = 0
        self.t_start = time.monotonic()
        self.t_epoch = self.t_start
        self.t_end: float | None = None
        self.error: str | None = None
        self.heldout: list[tuple[str, np.ndarray]] = []
        self.grey_delta_e: float | None = None
        self.result: TrainedModel | None = None
        self._run = None
        self.thread = threading.Thread(target=self._work, name=f"classroom-train-{self.id}", daemon=True)

    # ------------------------------------------------------------------ control
    @property
    def running(self) -> bool:
        return self.state in ("waiting", "preparing", "training")

    # ------------------------------------------------------------------ what a page shows
    def progress(self) -> Progress:
        now = time.monotonic()
        with self._lock:
            end = self.t_end if self.t_end is not None else now
            eta = float("nan")
            if self.state == "training" and self._run is not None:
                eta = self._run.eta(self.epoch, self.step, now, self.t_epoch)
            elif self.state == "done":
                eta = 0.0
            return Progress(self.state, self.config.epochs, list(self.events), self.epoch, self.step, self.steps,
                            end - self.t_start, eta, self.error, list(self.heldout), self.grey_delta_e)

    # ------------------------------------------------------------------ the thread
    def _on_batch(self, epoch: int, step: int, steps: int) -> None:
        with self._lock:
            if epoch != self.epoch:
                self.t_epoch = time.monotonic()
            self.epoch, self.step, self.steps = epoch, step, steps

    def _set(self, **kw) -> None:
        with self._lock:
            for k, v in kw.items():
                setattr(self, k, v)

    def _work(self) -> None:
        from core.training import classroom
        from core.training.session import TrainingRun

        try:
            self._set(state="preparing")
            _freeze_garbage()
            data = classroom.build_data(self.config.size, self.extra, self.crops_per_epoch)
            self._set(heldout=data.heldout)
            run = TrainingRun(self.config, data, log=lambda _msg: None, cancel=self.cancel_event,
                              progress=self._on_batch)
            self._set(_run=run, steps=run.steps, grey_delta_e=run.grey_delta_e, state="training",
                      t_epoch=time.monotonic())
            for ev in run:
                with self._lock:
                    self.events.append(ev)
                    self.t_epoch = time.monotonic()
                if ev.epoch == 1:
                    _freeze_garbage()
                if self.alive is not None and not self.alive():
                    self.cancel()
            if run.cancelled:
                self._set(state="cancelled")
                return
            model = run.export()
            last = run.events[-1]
            result = TrainedModel(model, self.config, [e.row() for e in run.events], last.heldout_delta_e,
                                  run.grey_delta_e, time.monotonic() - self.t_start)
            self._set(result=result, state="done")
        except MemoryError:
            self._set(state="failed", error="The server ran out of memory for this run. Try 32 px, fewer photos, "
                                            "or wait until other runs have finished.")
        except Exception as e:  # noqa: BLE001 - the page shows a message; the log gets the traceback
            traceback.print_exc(file=sys.stderr)
            self._set(state="failed", error=f"The run stopped with an error: {type(e).__name__}: {e}")
        finally:
            self.extra = []                      # the photos are not needed any more
            with self._lock:
                self._run = None
            _freeze_garbage(release=True)
            with self._lock:
                self.t_end = time.monotonic()
            if self.on_end is not None:
                self.on_end(self)


class JobBoard:
    """The runs that train on this server: at most ``limit`` at once, one per owner."""

    def __init__(self, limit: int | None = None):
        self.limit = limit
        self._lock = threading.Lock()
        self._running: dict[int, Job] = {}

    def running(self) -> list[Job]:
        with self._lock:
            return list(self._running.values())

    def start(self, config: TrainConfig, extra: Sequence[np.ndarray] = (), owner: str = "",
              alive: Callable[[], bool] | None = None, crops_per_epoch: int | None = None) -> Job:
        return self.admit(lambda: Job(config, extra, owner, alive, crops_per_epoch), owner)

    def admit(self, make: Callable[[], object], owner: str = ""):
        """Start the job that ``make()`` builds (any job with ``id``, ``owner``, ``on_end`` and ``start()``: a
        classroom run, a specialisation), within the same limits: ServerBusy / AlreadyRunning otherwise."""
        limit = self.limit or max_running()
        with self._lock:
            if owner and any(j.owner == owner for j in self._running.values()):
                raise AlreadyRunning("This session is already training a model; wait for it or cancel it.")
            if len(self._running) >= limit:
                raise ServerBusy(f"The server is busy: {len(self._running)} models are training right now "
                                 f"(at most {limit} at once). Try again in a minute.")
            job = make()
            job.on_end = self._release
            self._running[job.id] = job
        return job.start()

    def _release(self, job: Job) -> None:
        with self._lock:
            self._running.pop(job.id, None)


BOARD = JobBoard()
