"""Teach it your world: specialise the colour model on a few of your own colour examples, then use it everywhere."""
# ruff: noqa: E402  (the guard below runs before the slow imports: ui/navigation.py says why)

from ui import navigation

navigation.require_app()

import streamlit as st

from core.training import examples
from ui import notices, specialise, training, words

POLL_SECONDS = 1.0
TYPES = ["jpg", "jpeg", "png", "tif", "tiff", "bmp", "webp", "zip"]


def clock(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 60}:{s % 60:02d}"


st.title("Teach it your world")
st.write("The shipped model learned colour from everyday photos. On stained slides, aerial photos, telescope "
         "images, or the photos of one album, it guesses badly. Give it a few **colour** pictures of your kind "
         "and it learns their colours in a few minutes, here, on this computer.")
specialise.collect()
job = specialise.job()
busy = job is not None and job.running

# ----------------------------------------------------------------------------- 1. examples
st.subheader("1 · Your colour examples")
uploads = st.file_uploader("Colour pictures of the kind you want coloured (or a ZIP of them)", type=TYPES,
                           accept_multiple_files=True, key="spec_upload", disabled=busy,
                           help=f"Up to {specialise.MAX_EXAMPLES} pictures. A colour photo of the same place, a "
                                "few stained slides, a colour still of the film, photos of the album you fixed. "
                                "They stay in this browser session and never leave this computer.")
specialise.take_uploads(uploads)
fixed = specialise.guide_results()
cols = st.columns([2, 1])
if fixed:
    cols[0].button(f"Use the {words.plural(len(fixed), 'photo')} you fixed on the Guide page",
                   on_click=specialise.take_guide_results, disabled=busy, icon=":material/brush:")
else:
    cols[0].caption("Fixed a photo of an album on the Guide page? It can teach the rest of the album the same "
                    "colours: it appears here as an example to add.")
items = specialise.taken()
if items:
    cols[1].button("Clear the examples", on_click=specialise.clear, disabled=busy, icon=":material/delete:")
    st.image([rgb for _, rgb in items[:24]], caption=[n for n, _ in items[:24]], width=96)
    held = examples.MIN_FOR_HELD_OUT <= len(items)
    n_held = min(examples.MAX_HELD_OUT, max(1, round(examples.HELD_OUT_SHARE * len(items))))
    st.caption(f"{words.plural(len(items), 'example')}"
               + (f"; {words.plural(n_held, 'of them is', 'of them are')} held out, never learned from, to score "
                  "the result." if held else
                  f"; with {examples.MIN_FOR_HELD_OUT} or more, some are held out to score the result."))
for name, why in specialise.problems():
    st.warning(f"**{notices.no_paths(name)}** is not used: {why}.", icon=":material/block:")

# ----------------------------------------------------------------------------- 2. learn
st.subheader("2 · Learn")
minutes = st.slider("About how many minutes", 0.5, specialise.max_minutes(), min(3.0, specialise.max_minutes()),
                    step=0.5, key="spec_minutes", disabled=busy,
                    help="The longer, the more it learns. One example (an album's fixed photo) needs about 2 "
                         "minutes; 50 examples about 10.")
buttons = st.columns([1, 3])
if busy:
    buttons[0].button("Cancel", key="spec_cancel", icon=":material/stop_circle:", on_click=specialise.cancel)
else:
    buttons[0].button("Learn", key="spec_start", type="primary", icon=":material/school:", disabled=not items,
                      on_click=specialise.start, args=(minutes,))
if specialise.message() and not busy:
    st.warning(specialise.message(), icon=":material/hourglass_top:")
st.caption("The same from the command line: `python -m core specialise --data MY_EXAMPLES/ --out my.keras "
           f"--minutes {minutes:g}`")


@st.fragment(run_every=POLL_SECONDS if busy else None)
def live(was_running: bool) -> None:
    from core.training.specialise_job import STAGES

    current = specialise.job()
    if current is None:
        return
    p = current.progress()
    if was_running and not p.running:
        st.rerun()                    # the whole page: the model joins the choice, Learn comes back
    if p.running:
        st.progress(p.fraction, text=f"{STAGES.get(p.stage, p.stage)}… ({clock(p.elapsed)} elapsed)")
    elif p.state == "cancelled":
        st.warning("Cancelled: nothing was added to your models.", icon=":material/stop_circle:")
    elif p.state == "failed":
        st.error(notices.no_paths(p.error or "It failed."), icon=":material/error:")
    if p.log:
        with st.expander("What it did", expanded=False):
            st.code("\n".join(notices.no_paths(line) for line in p.log[-20:]), language=None)


live(busy)

# ----------------------------------------------------------------------------- 3. the result
st.subheader("3 · Your specialised model")
mine = specialise.model()
result = job.result if job is not None and job.state == "done" else None
if mine is None:
    st.caption("Nothing yet: when it has learned, the model appears here and joins the model choice of every "
               "page (Colorize, Guide, Old film, Compare, Channels, Metrics).")
else:
    facts = mine.trained.specialised or {}
    st.success(f"**{mine.title}** joined the model choice of this session: it is ticked on the Colorize page, and "
               "every page offers it.", icon=":material/celebration:")
    line = examples.summary(facts)
    st.markdown(line[:1].upper() + line[1:] + ".")
    s = facts.get("scores") or {}
    if s:
        st.dataframe([{"on the held-out examples": label, "ΔE2000 (lower is closer)": round(s[key]["delta_e2000"], 2),
                       "colourfulness (1 = as the originals)": round(s[key]["colourfulness"], 2)}
                      for key, label in (("grey", "no colour"), ("general", "general model"),
                                         ("specialised", "specialised"))], hide_index=True)
    if result is not None and result.previews:
        st.markdown("**Held-out examples** (never learned from): the colour original, the general model's guess "
                    "and the specialised model's, from the same grey picture.")
        for name, ref, general, ours in result.previews:
            st.image([ref, general, ours], caption=[f"{name}: original", "general model", "specialised"], width=200)
    with st.container(horizontal=True):
        st.download_button("Download the model (.keras)", data=mine.trained.keras_bytes(),
                           file_name="specialised.keras", mime="application/octet-stream", key="spec_download",
                           on_click="ignore", icon=":material/download:")
        st.page_link(navigation.PAGE_COLORIZE, label="Colorize with it", icon=":material/palette:")
upload = st.file_uploader("Bring back a model you downloaded before (.keras)", type=["keras"], key="spec_model_upload",
                          help="It joins this session's models (the last few are kept); download to keep.")
added, problem = training.take_model_upload(upload)
if problem:
    st.error(notices.no_paths(problem), icon=":material/block:")
elif added is not None:
    st.success(f"**{added.title}** joined the model choice of this session.", icon=":material/check:")

with st.expander("How does it learn so fast, and where does it fail?", expanded=False):
    st.markdown(
        "- The model has two halves. The first (an image network trained on 1.2 million photos) *reads* the grey "
        "picture; it stays as it is. The second half *paints*: only it learns your colours.\n"
        "- Each example is cut into many random squares (zoomed and flipped), read once by the first half, and "
        "the painter practises on those readings over and over: minutes instead of hours.\n"
        "- **It only knows what your examples showed.** Things that were never in them get the colours of "
        "what they resemble in your examples. Its colours are still guesses; the held-out score says how good.")
