"""The session's state: every key of ``st.session_state`` that the app reads or writes, named once, here.

Each key is a :class:`Slot` (one value, with the type it holds) or a :class:`Keyed` family (one key per item:
a photo's role, a model's download error). Nothing else in ui/ or pages/ touches ``st.session_state``
(tests/test_state.py checks it): a module asks its slot, ``state.FILM_CLIP.get()``, ``state.PHOTOS.set(...)``.
A widget whose value is read elsewhere takes its slot's key, ``st.toggle(..., key=state.STAMP.key)``, so the
widget and its readers cannot drift apart; the upload boxes that are emptied by taking a new key are an
:class:`UploadBox`. Light on purpose (Streamlit only): the entry script uses it before the slow imports.

What is kept per session, by concern (the module that owns each concern's rules is named):
the app's entry and presentation mode (ui.navigation, ui.presentation), the photo batch (ui.photos, ui.address),
the shared settings (ui.settings, ui.pickers), results and caches (ui.results, ui.restore, ui.credentials,
ui.notices), the Guide page (ui.guide, ui.palette, ui.hint_canvas), Old film (ui.film, ui.film_job), False
colour (ui.falsecolour), Train your own (ui.training, its page) and Specialise (ui.specialise).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar, overload

import streamlit as st

T = TypeVar("T")


class Slot(Generic[T]):
    """One key of the session state and the type of its value. Missing means "not set yet" (``get()`` gives
    ``None`` or the default asked for); nothing is stored until something is set."""

    __slots__ = ("key",)

    def __init__(self, key: str) -> None:
        self.key = key

    def __repr__(self) -> str:
        return f"Slot({self.key!r})"

    @overload
    def get(self) -> T | None: ...

    @overload
    def get(self, default: T) -> T: ...

    def get(self, default: Any = None) -> Any:
        """The value, or ``default`` when it is not set."""
        return st.session_state.get(self.key, default)

    def set(self, value: T) -> None:
        st.session_state[self.key] = value

    def clear(self) -> None:
        """Forget the value (nothing happens when it is not set)."""
        st.session_state.pop(self.key, None)

    def pop(self, default: Any = None) -> T | Any:
        """The value, forgotten at once (``default`` when it was not set)."""
        return st.session_state.pop(self.key, default)

    def is_set(self) -> bool:
        return self.key in st.session_state

    def setdefault(self, value: T) -> T:
        """The value; ``value`` is set first when there is none."""
        return self.get_or_set(lambda: value)

    def get_or_set(self, make: Callable[[], T]) -> T:
        """The value; ``make()`` is called and set first when there is none (a cache, a random id)."""
        ss = st.session_state
        if self.key not in ss:
            ss[self.key] = make()
        return ss[self.key]


class Keyed(Generic[T]):
    """A family of keys, one per item: ``template`` (``str.format`` fields) filled with the item's parts."""

    __slots__ = ("template",)

    def __init__(self, template: str) -> None:
        self.template = template

    def __repr__(self) -> str:
        return f"Keyed({self.template!r})"

    def key(self, *parts: object) -> str:
        return self.template.format(*parts)

    def __call__(self, *parts: object) -> Slot[T]:
        return Slot(self.key(*parts))


class UploadBox:
    """An upload box that can be emptied: Streamlit cannot empty one from the server, so emptying it means
    drawing a new box under a new key (a counter kept in ``counter``; ``first`` names the box before any)."""

    __slots__ = ("counter", "template", "first")

    def __init__(self, counter: str, template: str, first: str | None = None) -> None:
        self.counter: Slot[int] = Slot(counter)
        self.template = template
        self.first = first

    def __repr__(self) -> str:
        return f"UploadBox({self.counter.key!r}, {self.template!r})"

    def key(self) -> str:
        """The key of the box to draw now."""
        n = int(self.counter.get(0))
        return self.first if n == 0 and self.first is not None else self.template.format(n)

    def empty(self) -> None:
        """A new, empty box at the next run."""
        self.counter.set(int(self.counter.get(0)) + 1)


# --------------------------------------------------------------------------- the app (ui.navigation, presentation)

ENTRY_MARK: Slot[bool] = Slot("_studio_entry_ran")        # set by the entry script just before it runs the page
PRESENTATION: Slot[bool] = Slot("presentation")           # the sidebar's toggle; a new session takes ?present=1

# --------------------------------------------------------------------------- the photo batch (ui.photos, ui.address)

PHOTOS: Slot[list] = Slot("photos")                       # the batch: ui.photos.Photo, at most MAX_PHOTOS
REJECTED: Slot[list] = Slot("rejected")                   # (file name, friendly message) of files not used
BATCH_SAMPLES: Slot[list] = Slot("batch_samples")         # names of the built-in samples the batch is (?samples=)
UPLOAD_SIGNATURE: Slot[tuple] = Slot("upload_signature")  # the upload box's files last taken in
FOCUS_PHOTO: Slot[str] = Slot("focus_photo")              # key of the photo the pages open with
PHOTO_ROLE: Keyed[str] = Keyed("role_{}")                 # per photo key: its "bw"/"test" radio
PHOTO_UPLOADS = UploadBox("uploader_generation", "uploader_{}", first="uploader")   # the Colorize page's box

# --------------------------------------------------------------------------- settings (ui.settings, ui.pickers)

MODELS: Slot[list] = Slot("models")                       # the models chosen on Colorize (its multiselect)
RENDER_FACTOR: Slot[int] = Slot("render_factor_value")    # the applied render factor, shared by the pages
RENDER_FACTOR_SLIDER: Slot[int] = Slot("render_factor")   # Colorize's slider (set from RENDER_FACTOR)
FILM_RENDER_FACTOR_SLIDER: Slot[int] = Slot("film_render_factor")    # Old film's slider
VIBRANCE: Slot[float] = Slot("vibrance_setting")          # the vibrance of every result (1 = as made)
VIBRANCE_SLIDER: Slot[float] = Slot("vibrance")           # Colorize's slider (set from VIBRANCE)
GUIDE_VIBRANCE_SLIDER: Slot[float] = Slot("guide_vibrance")          # the Guide page's slider
STAMP: Slot[bool] = Slot("stamp")                         # Colorize's "Stamp AI-coloured on downloads" toggle
RESTORE_FIRST: Slot[bool] = Slot("restore_first")         # the "Repair scratches and dust first" toggle

# --------------------------------------------------------------------------- results and caches

RESULTS: Slot[Any] = Slot("results_cache")                # ui.cache.BoundedCache of colorized images (ui.results)
DOWNLOADS: Slot[Any] = Slot("downloads_cache")            # ... of encoded PNG/ZIP files (ui.results)
REPAIRS: Slot[Any] = Slot("_restore_cache")               # ... of each photo's ui.restore.Repair
REPAIR_MARKS: Slot[dict] = Slot("repair_marks")           # photo key -> tuple of core.restore.Mark painted by hand
REPAIR_DONE_IDS: Slot[list] = Slot("repair_done_ids")     # repair canvas stroke ids already used
REPAIR_CANVAS: Keyed[dict] = Keyed("repair_canvas_{}")    # per photo: the repair canvas component's state
REPAIR_BRUSH: Slot[str] = Slot("repair_brush")            # the repair brush's size
CREDENTIALS_CHECKED: Slot[dict] = Slot("_credentials_checked")       # signing setting -> problem or None
UPLOAD_CREDENTIALS: Slot[dict] = Slot("_upload_credentials")         # an upload's sha256 -> its credentials report
FETCH_ERROR: Keyed[str] = Keyed("fetch_error_{}")         # per download button: why the weights did not come

# --------------------------------------------------------------------------- the Guide page (ui.guide, palette, canvas)

GUIDE_HINTS: Slot[dict] = Slot("guide_hints")             # photo key -> list of core.guide.Hint
GUIDE_REFS: Slot[dict] = Slot("guide_refs")               # photo key -> (file name, reference RGB)
GUIDE_SIGNATURE: Slot[dict] = Slot("guide_signature")     # photo key -> what its latest guided result was made of
GUIDE_DONE_IDS: Slot[list] = Slot("guide_done_ids")       # canvas stroke ids already used
GUIDE_CANVAS: Slot[dict] = Slot("guide_canvas")           # the click/stroke canvas component's state
GUIDE_COLOUR: Slot[str] = Slot("guide_colour")            # the hint colour picker (#rrggbb)
GUIDE_TOOL: Slot[str] = Slot("guide_tool")                # paint or pick (ui.guide.PAINT, PICK)
GUIDE_BRUSH: Slot[str] = Slot("guide_brush")              # a name of ui.guide.BRUSHES
GUIDE_SOURCE: Slot[str] = Slot("guide_source")            # where the colour is documented (text field)
GUIDE_HINTS_UPLOAD_SEEN: Slot[tuple] = Slot("guide_hints_upload_seen")
GUIDE_HINTS_UPLOAD_ERROR: Slot[str] = Slot("guide_hints_upload_error")
GUIDE_REF_UPLOAD_SEEN: Slot[tuple] = Slot("guide_ref_upload_seen")
GUIDE_REF_UPLOAD_ERROR: Slot[str] = Slot("guide_ref_upload_error")
GUIDE_PALETTE: Slot[list] = Slot("guide_palette")         # documented colours (core.guide.palette.Documented)
GUIDE_PALETTE_ERROR: Slot[str] = Slot("guide_palette_error")
GUIDE_PALETTE_SEEN: Slot[str] = Slot("guide_palette_seen")           # the palette file last imported

# --------------------------------------------------------------------------- Old film (ui.film, ui.film_job)

FILM_CLIP: Slot[Any] = Slot("film_clip")                  # ui.film_job.Clip, the sample or an upload
FILM_PROBLEM: Slot[str] = Slot("film_problem")            # the page's message about the clip or the job
FILM_UPLOAD_ID: Slot[str] = Slot("film_upload_id")        # file id of the upload last taken in
FILM_JOB: Slot[Any] = Slot("film_job")                    # ui.film_job.Job, the clip being (or last) coloured
FILM_PREVIEWS: Slot[dict] = Slot("film_previews")         # (clip, model, rf, position) -> (grey, coloured)
FILM_MODEL: Slot[str] = Slot("film_model")                # the model select box
FILM_SMOOTHING: Slot[str] = Slot("film_smoothing")        # the smoothing radio
FILM_UPLOADS = UploadBox("film_uploader_n", "film_upload_{}")

# --------------------------------------------------------------------------- False colour (ui.falsecolour)

FC_DATA: Slot[dict] = Slot("fc_data")                     # {"key", "title", "channels", "sample"}
FC_PROBLEM: Slot[str] = Slot("fc_problem")
FC_UPLOAD_SEEN: Slot[str] = Slot("fc_upload_seen")        # the set of files last read
FC_RANGE: Keyed[tuple] = Keyed("fc_r{}_{}")               # per (channel index, data key): its range slider
FC_UPLOADS = UploadBox("fc_uploader_n", "fc_upload_{}")

# --------------------------------------------------------------------------- Train your own (ui.training, its page)

TRAIN_OWNER: Slot[str] = Slot("train_owner")              # a random id: one run per session on the board
TRAIN_JOB: Slot[Any] = Slot("train_job")                  # core.training.jobs.Job
TRAIN_MESSAGE: Slot[str] = Slot("train_message")          # why the Train button did not start a run
TRAIN_COLLECTED: Slot[bool] = Slot("train_collected")     # the finished run's model has joined the models
TRAIN_ANNOUNCE: Slot[str] = Slot("train_announce")        # the name of the model that has just joined (once)
TRAIN_SPEED: Slot[dict] = Slot("train_speed")             # job id -> the speed baseline of ui.training.seconds_left
OWN_MODELS: Slot[Any] = Slot("own_models")                # OrderedDict name -> ui.training.OwnModel
OWN_MODELS_MADE: Slot[int] = Slot("own_models_made")      # how many were made (their titles' numbers)
TRAIN_PHOTOS: Slot[list] = Slot("train_photos")           # (name, RGB) of the user's own training photos
TRAIN_PHOTO_PROBLEMS: Slot[list] = Slot("train_photo_problems")
TRAIN_PHOTOS_SIGNATURE: Slot[tuple] = Slot("train_photos_signature")
TRAIN_MODEL_UPLOAD_SEEN: Slot[str] = Slot("train_model_upload_seen")
TRAIN_MODEL_UPLOAD_PROBLEM: Slot[str] = Slot("train_model_upload_problem")
TRAIN_LOSS: Slot[str] = Slot("train_loss")                # the page's widgets: what the run will be
TRAIN_DESCRIPTOR: Slot[bool] = Slot("train_descriptor")
TRAIN_SIZE: Slot[int] = Slot("train_size")
TRAIN_EPOCHS: Slot[int] = Slot("train_epochs")
TRAIN_STRIP: Slot[bytes] = Slot("train_strip")            # the held-out filmstrip's PNG, made once per epoch
TRAIN_STRIP_KEY: Slot[tuple] = Slot("train_strip_key")    # ... and what it shows

# --------------------------------------------------------------------------- Specialise (ui.specialise)

SPEC_EXAMPLES: Slot[list] = Slot("spec_examples")         # (name, RGB) colour examples, shrunk
SPEC_PROBLEMS: Slot[list] = Slot("spec_problems")         # (name, why) of pictures left out
SPEC_UPLOAD_SIGNATURE: Slot[tuple] = Slot("spec_upload_signature")
SPEC_JOB: Slot[Any] = Slot("spec_job")                    # core.training.specialise_job.SpecialiseJob
SPEC_COLLECTED: Slot[bool] = Slot("spec_collected")
SPEC_MESSAGE: Slot[str] = Slot("spec_message")
SPEC_MODEL_NAME: Slot[str] = Slot("spec_model_name")      # the latest specialised model's name (ui.training)


def all_keys() -> dict[str, str]:
    """Every key and key pattern named here, by the name of its constant (for the tests and the curious)."""
    out = {}
    for name, value in globals().items():
        if isinstance(value, Slot):
            out[name] = value.key
        elif isinstance(value, Keyed):
            out[name] = value.template
        elif isinstance(value, UploadBox):
            out[name] = value.counter.key
            out[f"{name}.box"] = value.template
            if value.first is not None:
                out[f"{name}.first"] = value.first
    return out
