"""Old film: colour a black-and-white video clip, without flicker; preview a frame, colour the whole clip in
the background, compare it with the original, download it."""
# ruff: noqa: E402  (the guard below runs before the slow imports: ui/navigation.py says why)

from ui import navigation

navigation.require_app()

import streamlit as st

from core import ModelUnavailable
from core.video import VideoError
from ui import film, film_job, notices, pickers, state
from ui import models as ui_models

st.title("Old film")
st.write("Bring colour to a black-and-white film clip. Every frame is coloured like a photo; then the colours are "
         "carried along with the motion from frame to frame, so they do not flicker.")

# ----------------------------------------------------------------------------- 1. the clip
st.subheader("1 · Choose a clip")
job = film_job.job()
busy = job is not None and job.active
st.button("Use the sample clip", key="film_sample", type="primary", icon=":material/movie:",
          on_click=film.use_sample, disabled=busy,
          help="A few seconds of a slow zoom over the black-and-white sample photo “Photographer with a camera” "
               "(Lav Varshney, CC0), made on this computer.")
upload = st.file_uploader(
    f"Or upload a clip (MP4, MOV, WebM, MKV, AVI or animated GIF; up to {film.MAX_UPLOAD_MB} MB)",
    type=film.UPLOAD_TYPES, key=film.uploader_key(), max_upload_size=film.MAX_UPLOAD_MB, disabled=busy,
    help=f"{film.limits_text()} Colour clips are coloured from their lightness.")
film.take_upload(upload)
if film.problem():
    st.error(film.problem(), icon=":material/block:")
clip = film.clip()
if clip is None:
    st.info("No clip yet: press **Use the sample clip**, or upload your own.", icon=":material/arrow_upward:")
    st.stop()
st.markdown(f"**{clip.name}** · {clip.info.describe()}")
job = film_job.job()
if job is None or job.clip.key != clip.key or job.state != "done":     # (with a result: shown beside it, below)
    with st.expander("Watch the clip", expanded=True):
        film.show_original(clip)
if not clip.sample:
    st.button("Remove this clip", key="film_clear", icon=":material/delete:", on_click=film.clear_clip,
              disabled=busy)

# ----------------------------------------------------------------------------- 2. settings
st.subheader("2 · Choose a model")
model = film.model_choice()
rf = pickers.render_factor_picker([model], state.FILM_RENDER_FACTOR_SLIDER)
smoothing = film.smoothing_choice()
ready = notices.model_notices([model], key="film")
if not ready:
    st.stop()

# ----------------------------------------------------------------------------- 3. preview
st.subheader("3 · Preview one frame")
position = st.slider("Which frame", 0, 100, 50, step=5, key="film_position", format="%d%%",
                     help="Where in the clip: 0 % = the first frame, 100 % = the last.") / 100
try:
    grey, coloured = film.preview(clip, model, rf, position)
except (VideoError, ModelUnavailable) as e:
    st.error(notices.no_paths(e), icon=":material/block:")
    st.stop()
c1, c2 = st.columns(2)
c1.image(grey, caption="The frame as it is", width="stretch")
c2.image(coloured, caption=f"Coloured ({ui_models.title(model)})", width="stretch")
st.caption("One frame, coloured on its own. Colouring the whole clip also smooths the colours over time.")

# ----------------------------------------------------------------------------- 4. the whole clip
st.subheader("4 · Colour the whole clip")
job = film_job.job()
if job is not None and job.clip.key != clip.key:
    film_job.forget_result()
    job = None
if job is not None and job.active:
    st.caption(f"Colouring with {film_job.settings_text(job)}. Other pages keep working meanwhile.")
    film_job.progress_panel(job)
    st.stop()
st.button("Colorize the clip", key="film_start", type="primary", icon=":material/play_arrow:",
          on_click=film_job.start, args=(clip, model, rf, smoothing),
          help="Runs in the background: you can cancel it, and other pages keep working meanwhile.")
if job is None:
    st.stop()
if job.state == "cancelled":
    st.info("Cancelled: nothing was kept.", icon=":material/stop_circle:")
    st.stop()
if job.state == "failed":
    st.error(f"The clip could not be coloured. {job.error}", icon=":material/error:")
    st.stop()

result = job.result
left, right = st.columns(2)
with left:
    film.show_original(clip)
with right:
    st.video(result.path)
    st.caption(f"Coloured: {film_job.settings_text(job)}")
st.success(f"Done: {result.describe()}.", icon=":material/check_circle:")
st.download_button("Download the coloured clip (MP4)", data=film_job.result_bytes(job),
                   file_name=film_job.download_name(job), mime="video/mp4", key="film_download", type="primary",
                   icon=":material/download:", on_click="ignore")
st.caption("These colours were guessed by a neural network from the grey pictures; they are not the real colours.")
