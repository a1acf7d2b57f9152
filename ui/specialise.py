"""The Specialise page's glue: this session's colour examples and its background specialisation.

The examples are kept (shrunk) in ``st.session_state`` only. A run is a :class:`core.training.specialise_job.
SpecialiseJob` on the classroom runs' board (:data:`core.training.jobs.BOARD`): the same limits of runs at once
on the server and one per session, shared with the Train your own page. Its model joins this session's models
(:mod:`ui.training`), so every page's model choice offers it, and it can be downloaded and brought back.
"""

from __future__ import annotations

import os

import numpy as np
import streamlit as st

from core.training import examples
from core.training.jobs import BOARD, AlreadyRunning, ServerBusy
from core.training.specialise_job import SpecialiseJob
from ui import training

EXAMPLES_KEY = "spec_examples"
PROBLEMS_KEY = "spec_problems"
SIGNATURE_KEY = "spec_upload_signature"
JOB_KEY = "spec_job"
COLLECTED_KEY = "spec_collected"
MESSAGE_KEY = "spec_message"
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


def _ss():
    return st.session_state


def taken() -> list[tuple[str, np.ndarray]]:
    return list(_ss().get(EXAMPLES_KEY, []))


def problems() -> list[tuple[str, str]]:
    return list(_ss().get(PROBLEMS_KEY, []))


def _keep(new: list, bad: list) -> None:
    ss = _ss()
    have = {n for n, _ in taken()}
    good = taken() + [(n, a) for n, a in new if n not in have]
    if len(good) > MAX_EXAMPLES:
        bad = bad + [(n, f"only {MAX_EXAMPLES} examples are kept") for n, _ in good[MAX_EXAMPLES:]]
        good = good[:MAX_EXAMPLES]
    ss[EXAMPLES_KEY], ss[PROBLEMS_KEY] = good, bad


def take_uploads(files) -> None:
    """The uploaded pictures (and the pictures inside uploaded ZIP files) become examples, once per upload;
    grey, unreadable or tiny ones are left out with the reason."""
    files = list(files or [])
    signature = tuple(getattr(f, "file_id", None) or f"{f.name}:{f.size}" for f in files)
    if _ss().get(SIGNATURE_KEY) == signature:
        return
    _ss()[SIGNATURE_KEY] = signature
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
    ss = _ss()
    ss[EXAMPLES_KEY], ss[PROBLEMS_KEY] = [], []
    ss.pop(SIGNATURE_KEY, None)


def job() -> SpecialiseJob | None:
    return _ss().get(JOB_KEY)


def start(minutes: float) -> str | None:
    """Start this session's specialisation (the button's callback); a friendly message when it cannot."""
    training.guard_keras_clear_session()
    ss = _ss()
    items = taken()
    current = job()
    if current is not None and current.running:
        ss[MESSAGE_KEY] = "Your model is still learning: wait for it, or cancel it first."
    elif not items:
        ss[MESSAGE_KEY] = "Add some colour examples first."
    else:
        minutes = min(max(0.5, float(minutes)), max_minutes())
        owner = training.owner()
        try:
            crops = _env_int("STUDIO_SPECIALISE_CROPS", MAX_CROPS)          # smaller on a small server, or in tests
            passes = _env_int("STUDIO_SPECIALISE_PASSES", None)             # tests: a fixed amount of learning
            ss[JOB_KEY] = BOARD.admit(lambda: SpecialiseJob(items, minutes, owner, training._alive_check(),
                                                            crops, passes), owner)
            ss[COLLECTED_KEY], ss[MESSAGE_KEY] = False, None
        except (ServerBusy, AlreadyRunning) as e:
            ss[MESSAGE_KEY] = str(e)
    return ss.get(MESSAGE_KEY)


def cancel() -> None:
    current = job()
    if current is not None:
        current.cancel()


def message() -> str | None:
    return _ss().get(MESSAGE_KEY)


def collect():
    """Once this session's run is done: its model joins the session's models (once) and is ticked in the model
    choice. Called by the entry script on every run, so it joins whichever page the visitor is on."""
    current = job()
    ss = _ss()
    if current is None or current.state != "done" or ss.get(COLLECTED_KEY):
        return None
    ss[COLLECTED_KEY] = True
    own = training.add(current.trained)
    ss["spec_model_name"] = own.name
    training.choose(own.name)
    return own


def model():
    """This session's latest specialised model (an :class:`ui.training.OwnModel`), while it is kept."""
    return training.models().get(_ss().get("spec_model_name") or "")
