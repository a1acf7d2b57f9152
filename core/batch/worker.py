"""One photo of a batch run, and the worker class (both engines) that loads the model once.

load (:func:`core.images.load_master`: 16-bit photos keep 16 bits) -> kind (grey / toned / colour) -> the model
and vibrance (:func:`core.pipeline.colorize_photo`, the same path as ``python -m core colorize``) -> the result
file (:func:`core.outputs.encode`: PNG with a provenance text chunk, or TIFF/JPEG with it in XMP; the source's
metadata and the AI-coloured mark in every format, signed Content Credentials unless switched off) -> temporary
name -> rename.
Each worker uses one compute thread, so a result does not depend on the engine or on how many workers run; the
file is encoded on a second thread while the model works out the photo's uncertainty (the same bytes).
"""

from __future__ import annotations

import json
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict

from core.batch.plan import Job, Settings

PROVENANCE_KEY = "colorization-studio"
SKIPPED_COLOUR = "already a colour photo (--include-colour colorizes colour photos too)"
THREAD_ENV = {"TF_NUM_INTRAOP_THREADS": "1", "TF_NUM_INTEROP_THREADS": "1", "OMP_NUM_THREADS": "1",
              "TF_CPP_MIN_LOG_LEVEL": "2"}


def pin_threads() -> None:
    """One compute thread in this process (call before TensorFlow is imported): workers scale by processes,
    and TensorFlow's results depend on its thread count."""
    os.environ.update(THREAD_ENV)
    import cv2

    cv2.setNumThreads(1)


def facts_of(key: str, settings: Settings, kind: str) -> dict:
    """How a result was made (its XMP and provenance chunk; read back by :func:`read_provenance`)."""
    from core.colorizers import label

    facts = {"source": key, "model": label(settings.model), "render_factor": settings.render_factor,
             "vibrance": settings.vibrance, "kind": kind}
    if settings.restore:                     # only when on: results made without it keep their old facts
        facts["restore"] = True
    if settings.format != "auto":
        facts["format"] = settings.format
    return facts


def provenance(key: str, settings: Settings, kind: str) -> dict[str, str]:
    """The PNG text chunks of a result: how it was made (read back by :func:`read_provenance`)."""
    facts = facts_of(key, settings, kind)
    return {"Software": "Colorization Studio", PROVENANCE_KEY: json.dumps(facts, sort_keys=True)}


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


def uncertainty_text(rgb, settings: Settings) -> str:
    """The photo's uncertainty score (4 decimals) for the manifest; "" for a model without a distribution."""
    from core import guide
    from core.colorizers import model_info

    info = model_info(settings.model)
    if info is None or not info.has_distribution:
        return ""
    u = guide.uncertainty(rgb, model=settings.model, render_factor=settings.render_factor)
    return f"{guide.uncertainty_score(u):.4f}"


# The process's one encoding thread (started on first use): a result's file is compressed while the model works
# out the photo's uncertainty. The bytes are the same as when encoded in line.
_ENCODER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="encode")


def colorize_file(job: Job, dst: str, settings: Settings) -> dict:
    """Colorize one photo into ``dst/job.output``; every problem with the photo becomes a "failed" result,
    a problem writing into DST a result with ``stop=True`` (it would hit every photo: the run stops)."""
    from core import ImageError, outputs, photo_kind
    from core.credentials import Request, Source
    from core.guide import HintError
    from core.images import load_master
    from core.pipeline import colorize_photo, own_write_error, write_atomically

    t0 = time.perf_counter()
    try:
        master = load_master(job.source)
        rgb = master.rgb
        kind = photo_kind(rgb)
        if kind == "colour" and not settings.include_colour:
            return result(job, "skipped", kind, time.perf_counter() - t0, SKIPPED_COLOUR)
        facts = facts_of(job.key, settings, kind)
        if settings.restore:
            from core import restore

            fixed = restore.restore(rgb)
            rgb = fixed.rgb
            facts["repaired_share"] = fixed.fraction
        fmt = outputs.resolve(settings.format, master.bits)
        deep = master.rgb16 if fmt in ("png16", "tiff") else None       # png and jpeg are 8-bit
        out = colorize_photo(rgb, settings.model, settings.render_factor, vibrance=settings.vibrance, rgb16=deep)
        text = provenance(job.key, settings, kind) if fmt in ("png", "png16") else None
        request = Request(settings.signing, Source.of(job.source, job.key)) if settings.credentials else None
        encoding = _ENCODER.submit(outputs.encode, out, fmt, master.meta, facts, text=text, credentials=request)
        unsure = uncertainty_text(rgb, settings)        # meanwhile (zlib lets go of the GIL): another forward pass
        data = encoding.result()
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
        return result(job, "failed", kind, time.perf_counter() - t0,
                      own or f"cannot write {dest}: {e.strerror or e}", stop=not own)
    unsigned = f"written without Content Credentials: {request.problem}" if request and request.problem else ""
    return result(job, "done", kind, time.perf_counter() - t0, unsigned, uncertainty=unsure)


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
