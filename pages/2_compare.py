"""Compare: a draggable before/after slider between any two versions of a photo, and a side-by-side grid."""
# ruff: noqa: E402  (the guard below runs before the slow imports: ui/navigation.py says why)

from ui import navigation

navigation.require_app()

import streamlit as st

from core import images
from ui import colouring, gallery, pickers
from ui import restore as ui_restore
from ui.compare_slider import compare_slider

st.title("Compare")
st.write("Drag the handle (or click it and use the arrow keys) to wipe between two versions of the photo.")

batch, ready, rf = colouring.page_inputs("compare")
photo = pickers.photo_picker(batch, key="compare_photo")
gallery.choose_photos_link("Choose other photos on Colorize")
outcome = colouring.compute([photo], ready, rf)

versions = ui_restore.with_before(photo, colouring.versions(photo, outcome, ready, grey="Grey input", guided=True))
names = list(versions)
outputs = [n for n in names if n not in ("Grey input", "Original", ui_restore.BEFORE_LABEL)]

slot = st.container()          # the slider first, high on the page, so that it fits the window's height
c1, c2 = st.columns(2)
left = c1.selectbox("Left side", names, index=0, key="compare_left")
right_default = names.index(outputs[0]) if outputs else len(names) - 1
right = c2.selectbox("Right side", names, index=right_default, key="compare_right")
if left == right:
    st.caption("Both sides show the same picture; pick two different ones to see a difference.")
with slot:
    compare_slider(versions[left], versions[right], left, right, key="compare_slider")
    st.caption(f"{photo.name} · {photo.grey.shape[1]} × {photo.grey.shape[0]} px")

st.subheader("Side by side")
cols = st.columns(min(4, len(names)))
for i, name in enumerate(names):
    with cols[i % len(cols)]:
        st.image(images.fit_within(versions[name], 1024), caption=name, width="stretch")
