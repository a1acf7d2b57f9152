"""Train your own: train a small colorizer in the browser, watch it learn, then use it on the other pages."""
# ruff: noqa: E402  (the guard below runs before the slow imports: ui/navigation.py says why)

from ui import navigation

navigation.require_app()

from dataclasses import replace

import streamlit as st

from core import images
from core.figures import charts
from core.figures.filmstrip import filmstrip
from core.training import classroom
from ui import notices, presentation, state, training, words

POLL_SECONDS = 1.0
PHOTO_TYPES = ["jpg", "jpeg", "png", "tif", "tiff", "bmp", "webp"]
LOSSES = {
    "bins": ("Classification over ab bins",
             "For every spot the network scores 265 possible colours and blends the likely ones (this app's "
             "way): bolder colours, sometimes wrong ones."),
    "mse": ("MSE regression on ab",
            "The network guesses the two numbers a and b directly and is marked by the squared error (the "
            "student project's way): when unsure, the safest guess is an average, a brownish grey."),
}


def clock(seconds: float) -> str:
    if seconds != seconds:          # nan: not known yet
        return "…"
    s = int(round(seconds))
    return f"{s // 60}:{s % 60:02d}"


st.title("Train your own")
st.write("Train a small colorizer right here and watch it learn: the loss falls, and colour appears on four "
         "photos it never trains on, epoch by epoch. Then try your model on the other pages.")

training.collect()                 # (the entry script did it already; a page run alone must too)
own = training.announcement()      # the model that has just joined, if any
job = training.job()
busy = job is not None and job.running

# ----------------------------------------------------------------------------- 1. settings
for slot, value in ((state.TRAIN_LOSS, classroom.PRESET.loss), (state.TRAIN_DESCRIPTOR, False),
                    (state.TRAIN_SIZE, classroom.PRESET.size), (state.TRAIN_EPOCHS, classroom.PRESET.epochs)):
    slot.setdefault(value)


def chosen_config():
    """The run the widgets describe, read from the session state (so also right in the Train button's
    callback, which runs before the page)."""
    return replace(classroom.PRESET, loss=state.TRAIN_LOSS.get(), size=int(state.TRAIN_SIZE.get()),
                   epochs=int(state.TRAIN_EPOCHS.get()),
                   global_branch="effnet" if state.TRAIN_DESCRIPTOR.get() else "scratch")


def start_training() -> None:
    training.start(chosen_config(), [rgb for _, rgb in training.own_photos()])


st.subheader("1 · Choose what to train")
left, right = st.columns(2)
with left:
    st.radio("What the network learns", list(LOSSES), key=state.TRAIN_LOSS.key, disabled=busy,
             format_func=lambda k: LOSSES[k][0], captions=[LOSSES[k][1] for k in LOSSES])
    st.toggle("Use the pretrained scene descriptor", key=state.TRAIN_DESCRIPTOR.key, disabled=busy,
              help="EfficientNet-Lite0, a network trained on ImageNet's 1.2 million photos, sums up each photo in "
                   "1280 numbers (\"a cat, indoors…\") and hands them to your network. Off: your network learns "
                   "its own summary from these few photos only.")
with right:
    st.radio("Image size", list(classroom.SIZES), key=state.TRAIN_SIZE.key, disabled=busy, horizontal=True,
             format_func=lambda s: f"{s} px",
             help="The network learns on square crops of this size. 32 px is faster; 64 px sees more.")
    st.slider("Epochs", 1, classroom.EPOCHS_MAX, key=state.TRAIN_EPOCHS.key, disabled=busy,
              help=f"One epoch = {classroom.crops_per_epoch()} random crops of the training photos, each flipped "
                   "left-right at random.")
config = chosen_config()

with st.expander("The photos it learns from", expanded=False):
    st.markdown("**Trained on**: random crops of these parts of the app's colour sample photos, flipped "
                "left-right at random, plus your own colour photos if you add some below.")
    parts = classroom.builtin_photos(config.size)
    st.image([rgb for _, rgb in parts], width=96)
    st.markdown("**Held out**: these four squares were cut out of the photos above. The network never trains "
                "on them; after every epoch it colours them, and that is the filmstrip and the held-out curve.")
    held = classroom.heldout_photos(config.size)
    st.image([rgb for _, rgb in held], caption=[t for t, _ in held], width=128)
    uploads = st.file_uploader("Add your own colour photos (optional)", type=PHOTO_TYPES,
                               accept_multiple_files=True, key="train_photo_upload", disabled=busy,
                               help=f"Up to {classroom.MAX_EXTRA} colour photos. They are trained on with the "
                                    "others, for this run only, and never leave this computer.")
    training.take_photos(uploads)
    for name, why in training.photo_problems():
        st.warning(f"**{name}** is not used: {why}.", icon=":material/block:")
    mine = training.own_photos()
    if mine:
        st.image([rgb for _, rgb in mine], caption=[n for n, _ in mine], width=96)

extra = [rgb for _, rgb in training.own_photos()]
yours = f" + {words.plural(len(extra), 'photo')} of yours" if extra else ""
st.caption(f"About {clock(classroom.estimate_seconds(config))} on a quiet 2-core laptop (longer while the "
           f"computer is busy){yours}. The same run from the command line, with the same photos, settings and "
           "seed:")
st.code(classroom.command_line(config, extra_folder="MY_PHOTOS/" if extra else None), language="bash",
        wrap_lines=True)

buttons = st.columns([1, 1, 2])
if busy:
    buttons[0].button("Cancel", key="train_cancel", icon=":material/stop_circle:", on_click=training.cancel)
else:
    buttons[0].button("Train", key="train_start", type="primary", icon=":material/model_training:",
                      on_click=start_training)
message = training.message()
if message and not busy:
    st.warning(message, icon=":material/hourglass_top:")


# ----------------------------------------------------------------------------- 2. live progress
@st.fragment(run_every=POLL_SECONDS if busy else None)
def live(was_running: bool) -> None:
    current = training.job()
    if current is None:
        st.info("Press **Train** to start. While it trains you can stay here and watch, or use the other pages.",
                icon=":material/arrow_upward:")
        return
    p = current.progress()
    if was_running and not p.running:
        st.rerun()                 # the whole page: the finished model joins the choice, Train comes back
    rows = [e.row() for e in p.events]
    if p.state == "preparing" or p.state == "waiting":
        st.progress(0.0, text=f"Getting ready: cutting the photos, building the network… ({clock(p.elapsed)})")
    elif p.state == "training":
        st.progress(p.fraction, text=f"Epoch {max(p.epoch, 1)} of {p.epochs} · step {p.step} of {p.steps} · "
                                     f"{clock(p.elapsed)} elapsed · {training.eta_text(current, p)}")
    elif p.state == "done":
        st.success(f"Finished {words.plural(p.epochs, 'epoch')} in {clock(p.elapsed)}.", icon=":material/check:")
    elif p.state == "cancelled":
        st.warning(f"Cancelled after {words.plural(len(p.events), 'finished epoch')} ({clock(p.elapsed)}). "
                   "Nothing was added to your models.", icon=":material/stop_circle:")
    elif p.state == "failed":
        st.error(notices.no_paths(p.error or "The run failed."), icon=":material/error:")
    presentation.chart(charts.training_figure(rows, p.epochs, p.grey_delta_e), key="train_curves")
    if p.heldout:
        frames = [(e.epoch, e.previews) for e in p.events]
        cache_key = (current.id, len(frames))
        if state.TRAIN_STRIP_KEY.get() != cache_key:          # made and encoded once per epoch, not per poll
            state.TRAIN_STRIP.set(images.encode_png(filmstrip(p.heldout, frames), compress_level=3))
            state.TRAIN_STRIP_KEY.set(cache_key)
        st.image(state.TRAIN_STRIP.get(), width="stretch",
                 caption="The four held-out photos, coloured by your network after each epoch"
                         + (" (some epochs are skipped to fit)" if len(frames) > 8 else "")
                         + ". Left: what it gets; right: the real colours.")
    if rows and p.grey_delta_e is not None:
        last = rows[-1]
        verdict = ("closer to the real colours than the grey photo" if last["heldout_delta_e2000"] < p.grey_delta_e
                   else "not yet closer to the real colours than the grey photo")
        st.markdown(f"Held-out colour error after epoch {last['epoch']}: **ΔE2000 {last['heldout_delta_e2000']:.1f}** "
                    f"(the grey photos: {p.grey_delta_e:.1f}; lower = closer): {verdict}.")


st.subheader("2 · Watch it learn")
live(busy)

# ----------------------------------------------------------------------------- 3. your models
st.subheader("3 · Your models")
if own is not None:
    st.success(f"**{own.title}** joined the model choice of this session: it is ticked on the Colorize page, and "
               "Compare, Channels and Metrics show it next to the others.", icon=":material/celebration:")
models = training.models()
if not models:
    st.caption("Nothing yet: a finished run, or a model file you load below, appears here.")
for name, m in list(models.items()):
    with st.container(border=True):
        st.markdown(f"**{m.title}**")
        t = m.trained
        if t.heldout_delta_e is not None and t.grey_delta_e is not None:
            st.caption(f"Held-out ΔE2000 {t.heldout_delta_e:.1f} (grey {t.grey_delta_e:.1f})"
                       + (f" · trained in {clock(t.seconds)}" if t.source == "trained" else ""))
        fname = f"{name}.keras" if t.config is None else \
            f"colorizer_{t.config.loss}_{t.config.size}px_{t.config.epochs}ep.keras"
        with st.container(horizontal=True):
            st.download_button("Download (.keras)", data=t.keras_bytes(), file_name=fname,
                               mime="application/octet-stream", key=f"dl_model_{name}", on_click="ignore",
                               icon=":material/download:")
            st.button("Remove", key=f"remove_model_{name}", on_click=training.remove, args=(name,),
                      icon=":material/delete:")
if models:
    c1, c2, c3 = st.columns(3)
    c1.page_link(navigation.PAGE_COLORIZE, label="Colorize with it", icon=":material/palette:")
    c2.page_link(navigation.PAGE_COMPARE, label="Compare it", icon=":material/compare:")
    c3.page_link(navigation.PAGE_METRICS, label="Score it", icon=":material/straighten:")
upload = st.file_uploader("Load a model you downloaded before (.keras)", type=["keras"], key="train_model_upload",
                          help=f"Models are kept for this browser session only (the last {training.MAX_MODELS}); "
                               "download them to keep them.")
added, problem = training.take_model_upload(upload)
if problem:
    st.error(notices.no_paths(problem), icon=":material/block:")
elif added is not None:
    st.rerun()                     # show it in the list above

# ----------------------------------------------------------------------------- lesson
with st.expander("What do the curves mean?", expanded=False):
    st.markdown(
        "- **Training loss** (solid): how wrong the network is on the crops it learns from. It falls almost "
        "always: the network gets better at *these* photos.\n"
        "- **Held-out loss** (dashed): the same score on the four photos it never learns from. When it stops "
        "falling and starts to **rise while the training loss still falls, the network is overfitting**: it "
        "remembers its few training photos instead of learning colour in general. More photos (add yours) or "
        "fewer epochs help.\n"
        "- **Held-out ΔE2000**: how far its colours are from the real ones (about 2 is just noticeable). The "
        "dotted line is the grey photo with no colour at all: a model is only useful below it.\n"
        "- **Why MSE gives sepia**: if a shirt is red in half the photos and blue in the other half, the guess "
        "with the smallest squared error is the average of red and blue, a dull grey-brown. Classification "
        "instead scores each colour and can pick one, so it dares to be colourful.")
    st.page_link(navigation.PAGE_HOW, label="More in How it works", icon=":material/school:")
