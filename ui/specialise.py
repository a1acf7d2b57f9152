"""The Specialise page's glue: this session's colour examples and its background specialisation.

The examples are kept (shrunk) in the session state only (:data:`ui.state.SPEC_EXAMPLES`). A run is a
:class:`core.training.specialise_job.SpecialiseJob` on the classroom runs' board (:data:`core.training.jobs.BOARD`):
the same limits of runs at once on the server and one per session, shared with the Train your own page. Its model
joins this session's models (:mod:`ui.training`), so every page's model choice offers it, and it can be downloaded
and brought back.
"""

from __future__ import annotations

import os

import numpy as np

from core.training import examples
from core.training.jobs import BOARD, AlreadyRunning, ServerBusy
from core.training.specialise_job import SpecialiseJob
from ui import state, training

MAX_EXAMPLES = 200          # examples one session may give (each kept at most 512 px)
MAX_CROPS = 1000            # the feature cache of one run on a shared server (about 250 MB)


def _env_int(name: str, default: int | None) -> int | None:
    try:
        return max(1, int(os.environ[name]))
    except (KeyError, ValueError):
        return default


def max_minutes() -> float:
    """The longest run a visitor may ask for (``STUDIO_MAX_SPECIALISE_MINUTES``, default 10)."""
    try:
        return max(1.0, float(os.environ.get("STUDIO_MAX_SPECIALISE_MINUTES", "10")))
    except ValueError:
        return 10.0


def taken() -> list[tuple[str, np.ndarray]]:
    return list(state.SPEC_EXAMPLES.get([]))


def problems() -> list[tuple[str, str]]:
    return list(state.SPEC_PROBLEMS.get([]))


def _keep(new: list, bad: list) -> None:
    have = {n for n, _ in taken()}
    good = taken() + [(n, a) for n, a in new if n not in have]
    if len(good) > MAX_EXAMPLES:
        bad = bad + [(n, f"only {MAX_EXAMPLES} examples are kept") for n, _ in good[MAX_EXAMPLES:]]
        good = good[:MAX_EXAMPLES]
    state.SPEC_EXAMPLES.set(good)
    state.SPEC_PROBLEMS.set(bad)


def take_uploads(files) -> None:
    """The uploaded pictures (and the pictures inside uploaded ZIP files) become examples, once per upload;
    grey, unreadable or tiny ones are left out with the reason."""
    files = list(files or [])
    signature = tuple(getattr(f, "file_id", None) or f"{f.name}:{f.size}" for f in files)
    if state.SPEC_UPLOAD_SIGNATURE.get() == signature:
        return
    state.SPEC_UPLOAD_SIGNATURE.set(signature)
    raw, bad = [], []
    for f in files:
        data = f.getvalue()
        if f.name.lower().endswith(".zip"):
            inside, skipped = examples.from_zip(data, f.name)
            raw += inside
            bad += skipped
        else:
            raw.append((f.name, data))
    good, left = examples.gather(raw[:MAX_EXAMPLES + 1], log=lambda m: None)
    _keep(good, bad + left + [(n, f"only {MAX_EXAMPLES} examples are read") for n, _ in raw[MAX_EXAMPLES + 1:]])


def guide_results() -> list[tuple[str, np.ndarray]]:
    """The photos of this session fixed on the Guide page (their latest guided results)."""
    from ui import guide, photos

    out = []
    for p in photos.photos():
        img = guide.latest(p)
        if img is not None:
            out.append((f"{p.name} (fixed on the Guide page)", img))
    return out


def take_guide_results() -> None:
    good, bad = examples.gather(guide_results(), log=lambda m: None)
    _keep(good, problems() + bad)


def clear() -> None:
    state.SPEC_EXAMPLES.set([])
    state.SPEC_PROBLEMS.set([])
    state.SPEC_UPLOAD_SIGNATURE.clear()


def job() -> SpecialiseJob | None:
    return state.SPEC_JOB.get()


def start(minutes: float) -> str | None:
    """Start this session's specialisation (the button's callback); a friendly message when it cannot."""
    training.guard_keras_clear_session()
    items = taken()
    current = job()
    if current is not None and current.running:
        state.SPEC_MESSAGE.set("Your model is still learning: wait for it, or cancel it first.")
    elif not items:
        state.SPEC_MESSAGE.set("Add some colour examples first.")
    else:
        minutes = min(max(0.5, float(minutes)), max_minutes())
        owner = training.owner()
        try:
            crops = _env_int("STUDIO_SPECIALISE_CROPS", MAX_CROPS)          # smaller on a small server, or in tests
            passes = _env_int("STUDIO_SPECIALISE_PASSES", None)             # tests: a fixed amount of learning
            state.SPEC_JOB.set(BOARD.admit(lambda: SpecialiseJob(items, minutes, owner, training._alive_check(),
                                                                 crops, passes), owner))
            state.SPEC_COLLECTED.set(False)
            state.SPEC_MESSAGE.set(None)
        except (ServerBusy, AlreadyRunning) as e:
            state.SPEC_MESSAGE.set(str(e))
    return message()


def cancel() -> None:
    current = job()
    if current is not None:
        current.cancel()


def message() -> str | None:
    return state.SPEC_MESSAGE.get()


def collect():
    """Once this session's run is done: its model joins the session's models (once) and is ticked in the model
    choice. Called by the entry script on every run, so it joins whichever page the visitor is on."""
    current = job()
    if current is None or current.state != "done" or state.SPEC_COLLECTED.get():
        return None
    state.SPEC_COLLECTED.set(True)
    own = training.add(current.trained)
    state.SPEC_MODEL_NAME.set(own.name)
    training.choose(own.name)
    return own


def model():
    """This session's latest specialised model (an :class:`ui.training.OwnModel`), while it is kept."""
    return training.models().get(state.SPEC_MODEL_NAME.get() or "")
