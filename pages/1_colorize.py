"""Colorize: pick a sample or upload photos, choose models, see and download the results."""
# ruff: noqa: E402  (the guard below runs before the slow imports: ui/navigation.py says why)

from ui import navigation

navigation.require_app()

import time

import streamlit as st

from core import images
from core.figures import export
from ui import colouring, gallery, notices, photos, pickers, results, state, words
from ui import credentials as ui_credentials
from ui import models as ui_models
from ui import restore as ui_restore
from ui import uncertainty as ui_uncertainty

UPLOAD_TYPES = ["jpg", "jpeg", "png", "tif", "tiff", "bmp", "webp", "gif"]
DISPLAY_SIDE = 1024       # pictures on screen are shrunk to this; downloads keep the full size

st.title("Colorize")
st.write("Bring colour to black-and-white photos. Start with a sample, or upload your own photos.")

# ----------------------------------------------------------------------------- 1. photos
st.subheader("1 · Choose photos")
gallery.try_sample_button("try_sample")

with st.expander("Sample gallery", expanded=not photos.photos()):
    gallery.sample_gallery()

uploads = st.file_uploader(
    "Or upload photos (JPEG, PNG, TIFF, BMP, WebP; several at once is fine)",
    type=UPLOAD_TYPES, accept_multiple_files=True, key=photos.uploader_key(),
    help="Black-and-white photos (also sepia, cyanotype or yellowed scans) get coloured. A colour photo is "
         "treated as a test: it is made grey first, and the original is kept to score the result.",
)
kept_from_an_upload = not uploads and photos.upload_box_emptied()
if uploads:
    reading = colouring.ProgressBar()              # one big photo too: "Reading …" while it is decoded
    photos.take_uploads(uploads, reading)
    reading.done()

batch = photos.photos()
if kept_from_an_upload:
    st.caption(f"Showing {words.plural(len(batch), 'photo')} from your last upload: they stay (on every page) until "
               "you clear them or upload others; the upload box empties itself when you visit another page.")
for name, message in photos.rejected():
    st.error(f"**{name}**: {message}", icon=":material/block:")
if batch or uploads or photos.rejected():
    label = ("Clear the upload box" if not batch else "Clear the photo" if len(batch) == 1
             else f"Clear the {len(batch)} photos")
    st.button(label, key="clear_photos", on_click=photos.clear_photos, icon=":material/delete:")

# ----------------------------------------------------------------------------- 2. models
st.subheader("2 · Choose models")
chosen = pickers.model_picker()
rf = pickers.render_factor_picker(chosen)
pickers.vibrance_slider()
ui_restore.toggle()
ready = notices.model_notices(chosen, key="colorize")

# ----------------------------------------------------------------------------- 3. results
st.subheader("3 · Results")
if not batch:
    st.info("No photo yet: press **Try a sample photo** above, pick one from the gallery, or upload your own.",
            icon=":material/arrow_upward:")
    st.stop()
if not ready:
    st.info("Choose at least one model that is ready to see results.", icon=":material/arrow_upward:")
    st.stop()

with st.spinner("Getting the photos ready…"):     # a big photo (36 MP) takes seconds before colouring starts
    started = time.perf_counter()
    batch = ui_restore.prepared(batch)          # what every model sees
    batch = ui_uncertainty.ordering(batch, ready, rf)
    getting_ready = time.perf_counter() - started
outcome = colouring.compute(batch, ready, rf)
if said := results.caption(outcome, getting_ready, repaired=ui_restore.enabled()):
    st.caption(said)

stamp = st.toggle("Stamp “AI-coloured” on downloads", key=state.STAMP.key, persist_state="session",
                  help="Adds a small label in the corner of the downloaded pictures, so nobody mistakes them "
                       "for real colour photos.")

# Encoding the PNGs (and the ZIP) of a big photo takes seconds: a spinner says so (it shows after half a second)
with st.spinner("Preparing the pictures and their downloads (a big photo takes a while)…"):
    zip_entries = []
    for i, photo in enumerate(batch):
        with st.expander(f"{i + 1}. {photo.name}", expanded=i < 6):
            pickers.photo_role(ui_restore.original(photo))
            ui_credentials.upload_view(photo)
            ui_restore.mask_view(photo)
            shown = colouring.versions(photo, outcome, ready, grey="Grey input")
            model_of = {ui_models.title(m): m for m in ready}
            cols = st.columns(len(shown))
            for col, (caption, img) in zip(cols, shown.items(), strict=True):
                model = model_of.get(caption)
                with col:
                    st.image(images.fit_within(img, DISPLAY_SIDE), caption=caption, width="stretch")
                    if model is not None:
                        fname = export.result_filename(photo.name, model, rf, repaired=bool(photo.repaired))
                        png = results.download_png(photo.key, model, rf, img, stamp, photo)
                        zip_entries.append((fname, png))           # the ZIP holds the very same files
                        st.download_button(
                            "Download PNG", data=png,
                            file_name=fname,
                            mime="image/png", key=f"dl_{photo.key}_{model}_{rf}", on_click="ignore",
                            icon=":material/download:",
                        )

    if zip_entries:
        entries = list(zip_entries)
        readme = (f"Coloured by Colorization Studio (render factor {rf}). These colours were guessed by a neural "
                  "network from grey pictures; they are not the real colours.\n")
        st.download_button(
            f"Download all {len(entries)} as ZIP" if len(entries) > 1 else "Download it as ZIP",
            data=results.download_zip(entries, rf, stamp, readme),
            file_name="colorized.zip", mime="application/zip", key="dl_zip", on_click="ignore", type="primary",
            icon=":material/folder_zip:",
        )
    ui_credentials.note()

st.divider()
st.markdown("**Next:** drag the before/after slider, look inside the colours, or score the results.")
c1, c2, c3 = st.columns(3)
c1.page_link(navigation.PAGE_COMPARE, label="Compare with a slider", icon=":material/compare:")
c2.page_link(navigation.PAGE_CHANNELS, label="See the colour channels", icon=":material/layers:")
c3.page_link(navigation.PAGE_METRICS, label="Score the results", icon=":material/straighten:")
