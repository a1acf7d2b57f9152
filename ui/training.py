"""The Train your own page's glue: this session's training run and its own models (trained or uploaded).

A session's models live in its session state only (:data:`ui.state.OWN_MODELS`): they join the model choice of
every page of that session (``ui.models.infos()/get()/title()``) and never the process-wide registry, so another
visitor never sees them. Each gets a name that is never reused (``yours-<random>``), so results cached
under a model's name cannot mix up two models. The runs themselves are background threads of
:mod:`core.training.jobs` (at most a few per server, one per session).
"""

from __future__ import annotations

import uuid
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from core import ModelInfo, ModelUnavailable
from core.training import classroom
from core.training.jobs import BOARD, AlreadyRunning, Job, ServerBusy, TrainedModel
from ui import settings, state

PREFIX = "yours-"
MAX_MODELS = 3              # models kept per session (the oldest goes first)


@dataclass
class OwnModel:
    name: str
    title: str
    trained: TrainedModel

    @property
    def info(self) -> ModelInfo:
        if self.trained.specialised is not None:
            from core.colorizers import model_class
            from core.training import examples

            base = model_class("autoencoder")
            return ModelInfo(self.name, self.title, True, examples.summary(self.trained.specialised), "",
                             base.default_render_factor, base.render_factor_range,
                             "The shipped model specialised on your own colour examples (the Specialise page); it "
                             "exists in this browser session only.", base.stride, 0.0, True)
        c = self.trained.config
        how = (f"trained in this browser session on the classroom photos ({classroom.describe(c)})" if c is not None
               and self.trained.source == "trained" else f"uploaded by you ({self.trained.file_name})")
        return ModelInfo(self.name, self.title, True, how, "", 8, (4, 64),
                         "Your own model, from the Train your own page; it exists in this browser session only.",
                         8, 0.0)


def owner() -> str:
    """A random id for this session (the board allows one run per owner)."""
    return state.TRAIN_OWNER.get_or_set(lambda: uuid.uuid4().hex)


def models() -> OrderedDict[str, OwnModel]:
    return state.OWN_MODELS.get_or_set(OrderedDict)


def infos() -> dict[str, ModelInfo]:
    try:
        return {name: m.info for name, m in models().items()}
    except Exception:  # noqa: BLE001 - outside a script run (no session state): no own models
        return {}


def is_own(name: str) -> bool:
    return name.startswith(PREFIX)


def colorizer(name: str):
    """The colorizer of this session's model ``name`` (ModelUnavailable when it is gone)."""
    own = models().get(name)
    if own is None:
        raise ModelUnavailable("This model of yours is not in this session any more (only the last "
                               f"{MAX_MODELS} are kept, and none after a reload). Train or upload it again on the "
                               "Train your own page.")
    return own.trained.colorizer()


def _title(trained: TrainedModel) -> str:
    n = int(state.OWN_MODELS_MADE.get(0)) + 1
    state.OWN_MODELS_MADE.set(n)
    label = "Your model" if n == 1 else f"Your model #{n}"
    if trained.specialised is not None:
        k = int(trained.specialised.get("examples", 0))
        what = f"specialised on {k} example{'s' if k != 1 else ''}"
        return f"{label}: {what}" + (f" (from {trained.file_name})" if trained.source == "uploaded" else "")
    if trained.source == "uploaded":
        what = classroom.describe(trained.config) if trained.config is not None else "uploaded"
        return f"{label}: {what} (from {trained.file_name})"
    return f"{label}: {classroom.describe(trained.config)}"


def add(trained: TrainedModel) -> OwnModel:
    """Make ``trained`` one of this session's models (the oldest goes when there are too many)."""
    own = OwnModel(f"{PREFIX}{uuid.uuid4().hex[:10]}", _title(trained), trained)
    store = models()
    store[own.name] = own
    while len(store) > MAX_MODELS:
        remove(next(iter(store)))
    return own


def remove(name: str) -> None:
    """Forget a model of this session, and its results, and take it out of the model choice."""
    from ui import results

    models().pop(name, None)
    settings.drop_model(name)
    results.results().discard_where(lambda k: len(k) > 1 and k[1] == name)
    results.downloads().discard_where(lambda k: len(k) > 2 and k[2] == name)


def choose(name: str) -> None:
    """Add ``name`` to the models chosen on the Colorize page (the other pages follow it)."""
    chosen = settings.models()
    if name not in chosen:
        settings.set_models([*chosen, name])


# --------------------------------------------------------------------------- the run


def job() -> Job | None:
    return state.TRAIN_JOB.get()


def _alive_check():
    """A function that tells whether this browser session is still connected (None outside a server)."""
    try:
        from streamlit import runtime
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        ctx = get_script_run_ctx()
        if ctx is None or not runtime.exists():
            return None
        rt, sid = runtime.get_instance(), ctx.session_id
        return lambda: rt.is_active_session(sid)
    except Exception:  # noqa: BLE001 - an older or newer Streamlit: no check
        return None


def guard_keras_clear_session() -> None:
    """While a run trains, skip the ``keras.backend.clear_session()`` that Streamlit calls after every script
    run (``_clean_problem_modules``), including each poll of a page that watches the run.

    That call resets Keras' global state for every thread (a ``fit`` running in another thread loses its
    scopes and seeds), clears TensorFlow's kernel cache for the whole process and runs a full garbage
    collection: measured on the 2-core machine, the default run took 2:21 instead of 0:43 while its page
    polled once a second. With no run training, the call goes through as before. Installed once per process
    (Keras is imported by then: a run needs it)."""
    from core.quiet import import_tensorflow

    import_tensorflow()
    import keras

    original = keras.backend.clear_session
    if getattr(original, "classroom_guard", False):
        return

    def clear_session(*args, **kwargs):
        if BOARD.running():
            return None
        return original(*args, **kwargs)

    clear_session.classroom_guard = True
    clear_session.__doc__ = original.__doc__
    keras.backend.clear_session = clear_session


def start(config, extra: list[np.ndarray], crops_per_epoch: int | None = None) -> str | None:
    """Start this session's run (the Train button's callback); a friendly message when it cannot start
    (None when it did), also kept for the page (:func:`message`)."""
    guard_keras_clear_session()
    current = job()
    if current is not None and current.running:
        state.TRAIN_MESSAGE.set("Your model is still training: wait for it, or cancel it first.")
        return state.TRAIN_MESSAGE.get()
    try:
        state.TRAIN_JOB.set(BOARD.start(config, extra, owner=owner(), alive=_alive_check(),
                                        crops_per_epoch=crops_per_epoch))
    except (ServerBusy, AlreadyRunning) as e:
        state.TRAIN_MESSAGE.set(str(e))
        return state.TRAIN_MESSAGE.get()
    state.TRAIN_COLLECTED.set(False)
    state.TRAIN_MESSAGE.set(None)
    return None


def message() -> str | None:
    """Why the last press of Train started nothing (None when it started a run)."""
    return state.TRAIN_MESSAGE.get()


def cancel() -> None:
    current = job()
    if current is not None:
        current.cancel()


WARM_STEPS = 3          # the first steps of a run also build the network: the speed is measured after them


def seconds_left(p, baseline: dict) -> float | None:
    """Seconds left of a training run, from its measured speed; None while it is still being measured.

    ``p`` is a :class:`core.training.jobs.Progress`; ``baseline`` keeps (elapsed, steps done) of the first
    snapshot after :data:`WARM_STEPS` steps (the page's polls fill it). The speed is the steps done since
    then over the time since then, so the slow first steps (graph building) never count; from the third
    epoch on, the engine's own estimate (whole epochs, held-out scoring included) is used."""
    if p.state != "training" or not p.steps:
        return None
    if len(p.events) >= 2 and p.eta == p.eta:
        return float(p.eta)
    done = (max(p.epoch, 1) - 1) * p.steps + p.step
    if done < WARM_STEPS:
        return None
    if "done" not in baseline or done < baseline["done"]:
        baseline.update(done=done, elapsed=p.elapsed)
        return None
    steps, seconds = done - baseline["done"], p.elapsed - baseline["elapsed"]
    if steps < 1 or seconds <= 0:
        return None
    return (p.epochs * p.steps - done) * seconds / steps


def eta_text(current: Job, p) -> str:
    """"about 1:23 left", or what the estimate waits for."""
    speeds = state.TRAIN_SPEED.get_or_set(dict)
    left = seconds_left(p, speeds.setdefault(current.id, {}))
    if left is None:
        return f"measuring the speed (after the first {WARM_STEPS} steps, which also build the network)…"
    s = int(round(left))
    return f"about {s // 60}:{s % 60:02d} left"


def collect() -> OwnModel | None:
    """Once this session's run is done: its model joins the session's models (once) and is ticked in the
    model choice. Called by the entry script on every run, so it joins whichever page the visitor is on."""
    current = job()
    if current is None or current.state != "done" or state.TRAIN_COLLECTED.get():
        return None
    state.TRAIN_COLLECTED.set(True)
    own = add(current.result)
    state.TRAIN_ANNOUNCE.set(own.name)          # the Train your own page says so, once
    choose(own.name)
    return own


def announcement() -> OwnModel | None:
    """The model that has just joined this session's models (once), for the Train your own page."""
    return models().get(state.TRAIN_ANNOUNCE.pop() or "")


# --------------------------------------------------------------------------- the user's own training photos

PHOTO_SIDE = 768            # own photos are kept this small (they are trained on at 96 or 192 px)


def own_photos() -> list[tuple[str, np.ndarray]]:
    return list(state.TRAIN_PHOTOS.get([]))


def photo_problems() -> list[tuple[str, str]]:
    return list(state.TRAIN_PHOTO_PROBLEMS.get([]))


def take_photos(files) -> None:
    """The colour photos of the upload box become the user's extra training photos (once per upload):
    grey, unreadable or tiny ones are left out with the reason; at most ``classroom.MAX_EXTRA``."""
    from core import ImageError, images, load_image

    files = list(files or [])
    signature = tuple(getattr(f, "file_id", None) or f"{f.name}:{f.size}" for f in files)
    if state.TRAIN_PHOTOS_SIGNATURE.get() == signature:
        return
    state.TRAIN_PHOTOS_SIGNATURE.set(signature)
    good, bad = [], []
    for f in files:
        if len(good) >= classroom.MAX_EXTRA:
            bad.append((f.name, f"only {classroom.MAX_EXTRA} photos of yours are used; this one was left out"))
            continue
        try:
            rgb = load_image(f.getvalue())
        except ImageError as e:
            bad.append((f.name, str(e)))
            continue
        except MemoryError:
            bad.append((f.name, "it is too large for this computer's memory"))
            continue
        why = classroom.check_user_photo(rgb)
        if why:
            bad.append((f.name, why))
            continue
        good.append((f.name, np.ascontiguousarray(images.fit_within(rgb, PHOTO_SIDE))))
    state.TRAIN_PHOTOS.set(good)
    state.TRAIN_PHOTO_PROBLEMS.set(bad)


def take_model_upload(upload) -> tuple[OwnModel | None, str | None]:
    """An uploaded ``.keras`` file joins this session's models (once per upload): (model, problem)."""
    from core.training.modelfile import ModelFileError

    if upload is None:
        return None, None
    signature = getattr(upload, "file_id", None) or f"{upload.name}:{upload.size}"
    if state.TRAIN_MODEL_UPLOAD_SEEN.get() == signature:
        return None, state.TRAIN_MODEL_UPLOAD_PROBLEM.get()
    state.TRAIN_MODEL_UPLOAD_SEEN.set(signature)
    state.TRAIN_MODEL_UPLOAD_PROBLEM.set(None)
    try:
        trained = TrainedModel.from_upload(upload.getvalue(), upload.name)
    except ModelFileError as e:
        state.TRAIN_MODEL_UPLOAD_PROBLEM.set(str(e))
        return None, str(e)
    except MemoryError:
        state.TRAIN_MODEL_UPLOAD_PROBLEM.set(f"{upload.name} is too large for this computer's memory.")
        return None, state.TRAIN_MODEL_UPLOAD_PROBLEM.get()
    own = add(trained)
    choose(own.name)
    return own, None
