"""One photo of a batch run, and the worker class (both engines) that loads the model once.

Each photo takes :func:`core.pipeline.process` and :func:`core.pipeline.encode`, the same path and bytes as
``python -m core colorize`` (load, kind: a colour photo is skipped unless --include-colour, repair, the model
and its uncertainty score from one forward pass, vibrance, the result file with its provenance chunk, metadata
and Content Credentials), then :func:`core.pipeline.write_atomically` into ``DST/job.output``.
Each worker uses one compute thread, so a result does not depend on the engine or on how many workers run.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict

from core.batch.plan import Job, Settings
from core.pipeline import PROVENANCE_KEY, facts_of, provenance_chunks

THREAD_ENV = {"TF_NUM_INTRAOP_THREADS": "1", "TF_NUM_INTEROP_THREADS": "1", "OMP_NUM_THREADS": "1",
              "TF_CPP_MIN_LOG_LEVEL": "2"}


def pin_threads() -> None:
    """One compute thread in this process (call before TensorFlow is imported): workers scale by processes,
    and TensorFlow's results depend on its thread count."""
    os.environ.update(THREAD_ENV)
    import cv2

    cv2.setNumThreads(1)


def provenance(key: str, settings: Settings, kind: str) -> dict[str, str]:
    """The PNG text chunks of a result: how it was made (read back by :func:`read_provenance`)."""
    return provenance_chunks(facts_of(key, settings.photo(), kind))


def read_provenance(path: str) -> dict | None:
    """The facts stored in a result (PNG text chunk, else XMP; None when it is not a whole result of ours);
    reads no pixels."""
    from PIL import Image

    from core.images import ImageError, check_regular_file
    from core.metadata import read_xmp_facts

    try:
        check_regular_file(path)                    # never open a FIFO or a device left in DST
        with Image.open(path) as img:
            text, xmp = img.info.get(PROVENANCE_KEY), img.info.get("xmp")
        facts = json.loads(text) if isinstance(text, str) else read_xmp_facts(xmp)
    except (OSError, ValueError, SyntaxError, ImageError):
        return None
    return facts if isinstance(facts, dict) else None


def result(job: Job, status: str, kind: str = "", seconds: float | None = None, message: str = "",
           stop: bool = False, uncertainty: str = "") -> dict:
    """A worker's answer for one photo (the runner turns it into a manifest row). ``uncertainty``: the
    photo's score (:func:`core.guide.uncertainty_score`) as text, "" when the model has none."""
    return {"key": job.key, "status": status, "kind": kind, "seconds": seconds, "message": message, "stop": stop,
            "uncertainty": uncertainty}


def colorize_file(job: Job, dst: str, settings: Settings) -> dict:
    """Colorize one photo into ``dst/job.output``; every problem with the photo becomes a "failed" result,
    a problem writing into DST a result with ``stop=True`` (it would hit every photo: the run stops)."""
    from core import ImageError
    from core.guide import HintError
    from core.pipeline import encode, own_write_error, process, write_atomically

    t0 = time.perf_counter()
    photo = settings.photo()
    try:
        res = process(job.source, photo, name=job.key)
        if res.skipped:
            return result(job, "skipped", res.kind, time.perf_counter() - t0, res.skipped)
        data = encode(res, photo)
    except (ImageError, HintError) as e:
        return result(job, "failed", seconds=time.perf_counter() - t0, message=str(e))
    except MemoryError:
        return result(job, "failed", seconds=time.perf_counter() - t0, message="not enough memory for this photo")
    except Exception as e:  # noqa: BLE001 - one photo's surprise must not stop a million-photo run
        return result(job, "failed", seconds=time.perf_counter() - t0,
                      message=f"unexpected error ({type(e).__name__}: {e})")
    dest = os.path.join(dst, job.output)
    try:
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        write_atomically(dest, data)
    except OSError as e:
        own = own_write_error(e)                  # this photo's name: the others can still be written
        return result(job, "failed", res.kind, time.perf_counter() - t0,
                      own or f"cannot write {dest}: {e.strerror or e}", stop=not own)
    unsigned = f"written without Content Credentials: {res.unsigned}" if res.unsigned else ""
    unsure = "" if res.uncertainty is None else f"{res.uncertainty:.4f}"
    return result(job, "done", res.kind, time.perf_counter() - t0, unsigned, uncertainty=unsure)


class BatchWorker:
    """Loads the model once, then colorizes batches of photos. Ray Data's actor class for ``map_batches``
    (a batch is columns ``source``, ``key``, ``output``) and the local pool's per-process worker."""

    def __init__(self, settings: dict, dst: str):
        pin_threads()
        self.settings = Settings(**settings)
        self.dst = dst
        from core import get_colorizer

        get_colorizer(self.settings.model)          # load it now, once per worker

    def __call__(self, batch: dict) -> dict:
        columns = zip(batch["source"], batch["key"], batch["output"], strict=True)
        jobs = [Job(str(s), str(k), str(o)) for s, k, o in columns]
        rows = [self.one(job) for job in jobs]
        return {name: [r[name] for r in rows]
                for name in ("key", "status", "kind", "seconds", "message", "stop", "uncertainty")}

    def one(self, job: Job) -> dict:
        return colorize_file(job, self.dst, self.settings)


def settings_dict(settings: Settings) -> dict:
    return asdict(settings)
