"""``--engine ray``: Ray Data runs the same :class:`~core.batch.worker.BatchWorker` as actors (the model is
loaded once per actor); the driver only reads their results. Ray is imported here and only here.

``ray.init()`` without an address starts a local Ray on this machine; ``--address auto`` (on a node of a
cluster started with ``ray start``) or ``--address HOST:PORT`` / ``ray://HOST:10001`` joins one. Every node
needs this project at the same path, the same Python packages and SRC / DST on a shared file system
at the same path (README, "Colorize a whole archive").
"""

from __future__ import annotations

import logging
import math
import os
import socket
from collections.abc import Iterator

from core.batch import ray_cleanup
from core.batch.plan import Job, Settings
from core.batch.worker import THREAD_ENV, BatchWorker, settings_dict
from core.quiet import native_stderr_silenced
from core.weights import PROJECT_DIR

INSTALL = "pip install -r requirements-scale.txt"
MAX_BLOCK = 64                 # photos per Ray Data block: the driver sees results a block at a time


class RayUnavailable(RuntimeError):
    """Ray is not installed, or the cluster cannot be reached; the message says what to do."""


def import_ray():
    """The ``ray`` module with Ray Data, or RayUnavailable saying how to install it."""
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError:
        raise RayUnavailable("--engine ray needs Ray, which is not installed here. Install it with: "
                             f".venv/bin/python -m {INSTALL} (or use --engine local)") from None
    return ray


def _reachable(address: str) -> str | None:
    """None when HOST:PORT (or ray://HOST:PORT) accepts a connection, else why not."""
    hostport = address.split("://", 1)[-1]
    host, _, port = hostport.rpartition(":")
    if not host or not port.isdigit():
        return None                                  # "auto" and other forms: Ray decides
    try:
        with socket.create_connection((host, int(port)), timeout=5):
            return None
    except OSError as e:
        return e.strerror or str(e) or type(e).__name__


def _current_cluster() -> str | None:
    """The address a ``ray start`` on this machine left for ``--address auto`` (None if none is known)."""
    try:
        from ray._common.utils import get_ray_address_file  # Ray's own lookup; a private helper

        with open(get_ray_address_file(None)) as fh:
            return fh.read().strip() or None
    except (ImportError, OSError, TypeError):
        return None


def worker_env() -> dict[str, str]:
    """The environment of every actor: one thread, this project importable, the COLORIZER_* settings."""
    env = dict(THREAD_ENV)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(PROJECT_DIR), os.environ.get("PYTHONPATH", "")) if p)
    env.update({k: v for k, v in os.environ.items() if k.startswith("COLORIZER_")})
    return env


def _quiet_ray_loggers() -> None:
    for name in ("ray", "ray.data", "ray.serve", "ray.train", "ray.tune"):
        logging.getLogger(name).setLevel(logging.ERROR)


class RayEngine:
    """Runs jobs as a Ray Data pipeline; :meth:`run` yields one result per job as blocks finish."""

    name = "ray"

    def __init__(self, settings: Settings, dst: str, workers: int | None = None, address: str | None = None):
        self.settings, self.dst, self.workers, self.address = settings, str(dst), workers, address
        self.ray = import_ray()
        self._owned = False
        self._watchdog = None
        self.actors = 0
        self.note = ""

    def describe(self) -> str:
        n = self.actors or self.workers or 0
        return f"ray, {n} actor{'s' if n != 1 else ''}"

    def start(self) -> None:
        """Join (or start) the Ray cluster; RayUnavailable when it cannot be reached."""
        ray = self.ray
        if ray.is_initialized():
            return
        # no --address: RAY_ADDRESS, else a Ray of our own ("local" never joins a cluster left by `ray start`)
        address = self.address or os.environ.get("RAY_ADDRESS") or "local"
        target = _current_cluster() if address == "auto" else address
        if target and target != "local" and (why := _reachable(target)):
            raise RayUnavailable(f"cannot reach the Ray cluster at {target} ({why}). Is `ray start --head` "
                                 "running there, and is the port open?")
        os.environ.setdefault("RAY_DEDUP_LOGS", "0")
        own = {}
        if address == "local":         # a Ray of our own: a folder of its own and a watchdog (core.batch.ray_cleanup)
            own["_temp_dir"] = ray_cleanup.new_temp_dir()
            self._watchdog = ray_cleanup.start_watchdog(self.dst, own["_temp_dir"])
        try:
            with native_stderr_silenced():
                ray.init(address=address, include_dashboard=False, logging_level=logging.ERROR,
                         log_to_driver=False, **own)
        except Exception as e:  # noqa: BLE001 - Ray raises many types here; the reason is said in one line
            self._stop_watchdog()
            raise RayUnavailable(f"cannot start or join Ray ({_why(e)})") from None
        self._owned = True
        _quiet_ray_loggers()

    def cpus(self) -> int:
        return max(1, int(self.ray.cluster_resources().get("CPU", 1)))

    def run(self, jobs: list[Job]) -> Iterator[dict]:
        self.start()
        ray = self.ray
        _quiet_ray_loggers()
        cpus = self.cpus()
        actors = self.actors = min(self.workers or cpus, cpus)
        if self.workers and self.workers > cpus:
            self.note = f"the Ray cluster has {cpus} CPUs: {actors} actors instead of {self.workers}"
        ctx = ray.data.DataContext.get_current()
        ctx.enable_progress_bars = False
        ctx.print_on_execution_start = False
        per_block = max(1, min(MAX_BLOCK, math.ceil(len(jobs) / (actors * 4))))
        items = [{"source": j.source, "key": j.key, "output": j.output} for j in jobs]
        with native_stderr_silenced():           # Ray's native log lines; our messages go to the console
            ds = ray.data.from_items(items, override_num_blocks=math.ceil(len(items) / per_block))
            ds = ds.map_batches(BatchWorker, fn_constructor_kwargs={"settings": settings_dict(self.settings),
                                                                     "dst": self.dst},
                                compute=ray.data.ActorPoolStrategy(size=actors), batch_size=per_block, num_cpus=1,
                                runtime_env={"env_vars": worker_env()})
            try:
                for batch in ds.iter_batches(batch_size=None, batch_format="numpy"):
                    for i in range(len(batch["key"])):
                        yield {name: _plain(batch[name][i]) for name in batch}
            except Exception as e:  # noqa: BLE001 - Ray wraps worker errors in many types; say it in one line
                raise RayUnavailable(f"the Ray run stopped: {_last_line(e)}") from None

    def close(self) -> None:
        if self._owned and self.ray.is_initialized():
            with native_stderr_silenced():
                self.ray.shutdown()
            self._owned = False
        self._stop_watchdog()

    def _stop_watchdog(self) -> None:
        """The watchdog's last sweep: whatever of our Ray is still running is killed, its folder deleted."""
        ray_cleanup.stop_watchdog(self._watchdog)
        self._watchdog = None


def _why(e: BaseException) -> str:
    """The first line of ``e`` and of its cause, plus what to do when the cluster wants its token."""
    parts = [_first_line(e)] + ([_first_line(e.__cause__)] if e.__cause__ is not None else [])
    text = ": ".join(p for p in parts if p)
    if "token" in text.lower():
        text += (". The cluster uses Ray's token authentication: copy the head node's ~/.ray/auth_token to "
                 "this machine and set RAY_AUTH_MODE=token")
    return text


def _first_line(e: BaseException) -> str:
    line = next((line.strip() for line in str(e).splitlines() if line.strip()), type(e).__name__)
    return line.split(". ")[0]


def _plain(value):
    return value.item() if hasattr(value, "item") else value


def _last_line(e: BaseException) -> str:
    lines = [line.strip() for line in str(e).splitlines() if line.strip()]
    return lines[-1] if lines else type(e).__name__
