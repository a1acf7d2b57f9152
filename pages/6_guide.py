"""Guide the colours: turn a wrong automatic result into the right one with clicks, strokes, a reference
photo and vibrance, then download the result and the hints."""
# ruff: noqa: E402  (the guard below runs before the slow imports: ui/navigation.py says why)

from ui import navigation

navigation.require_app()

import streamlit as st

from core import guide as core_guide
from core import images
from core.figures import export
from ui import colouring, guide, pickers, state
from ui import credentials as ui_credentials
from ui import models as ui_models
from ui import palette as ui_palette
from ui import restore as ui_restore
from ui import uncertainty as ui_uncertainty
from ui.compare_slider import compare_slider
from ui.hint_canvas import hint_canvas, pending_strokes

DISPLAY_SIDE = 1024
UPLOAD_TYPES = ["jpg", "jpeg", "png", "tif", "tiff", "bmp", "webp", "gif"]

st.title("Guide the colours")
st.write("The model guesses colours; it cannot know that the door was red. **Click on the photo** (or draw a "
         "short stroke) in the colour something should be: the colour fills that part of the photo and stops "
         "at its edges. The lightness of the photo is never changed.")

batch, ready, rf = colouring.page_inputs("guide")
ui_restore.toggle()             # when on, page_inputs has repaired the batch already (not twice)
guide.forget_other_photos({guide.owner(p) for p in batch})
photo = pickers.photo_picker(batch, key="guide_photo")
own = guide.owner(photo)        # the hints and reference stay with the photo as uploaded, repaired or not
if not ready:
    st.info("Choose a model that is ready on the Colorize page: its result is where the guiding starts.",
            icon=":material/arrow_back:")
    st.stop()
model = ready[0] if len(ready) == 1 else st.selectbox("Start from the result of", ready, key="guide_model",
                                                      format_func=ui_models.title)
base = colouring.compute([photo], [model], rf, vibrance=1.0).get(photo, model)
if base is None:
    st.stop()
height, width = photo.grey.shape[:2]
ui_restore.mask_view(photo, DISPLAY_SIDE)

# what was clicked or drawn since the last run (before the colour picker and the tool are drawn: a pick sets them)
taken = guide.take_strokes(own, pending_strokes(state.GUIDE_CANVAS), width, height, base)
for problem in taken.problems or []:
    st.warning(problem, icon=":material/warning:")
if taken.picked:
    st.toast(f"Picked the model's colour {taken.picked}; click where it should go.", icon=":material/colorize:")

# ----------------------------------------------------------------------------- the tools
for slot, default in ((state.GUIDE_COLOUR, guide.DEFAULT_COLOUR), (state.GUIDE_TOOL, guide.PAINT),
                      (state.GUIDE_BRUSH, guide.DEFAULT_BRUSH)):
    slot.setdefault(default)
c1, c2, c3 = st.columns([1, 2, 2], vertical_alignment="bottom")
colour = c1.color_picker("Hint colour", key=state.GUIDE_COLOUR.key, persist_state="session",
                         help="Only the colour counts; the photo keeps its own light and shade.")
tool = c2.radio("A click on the photo…", [guide.PAINT, guide.PICK], key=state.GUIDE_TOOL.key,
                help="“Pick” takes the colour the model put at that spot into the colour picker, to reuse it.")
brush = c3.select_slider("Brush size", options=list(guide.BRUSHES), key=state.GUIDE_BRUSH.key, persist_state="session")
ui_palette.source_field()
ui_palette.panel()
show_map, show_suggestions = ui_uncertainty.controls()

canvas_slot = st.container()
hints = guide.hints_of(own)

b1, b2, b3 = st.columns(3)
b1.button("Undo the last hint", key="guide_undo", on_click=guide.undo, args=(own,), disabled=not hints,
          icon=":material/undo:", width="stretch")
b2.button("Clear all hints", key="guide_clear", on_click=guide.clear, args=(own,), disabled=not hints,
          icon=":material/delete_sweep:", width="stretch")
if photo.has_reference:
    b3.button("10 hints from the original", key="guide_sample", icon=":material/science:", width="stretch",
              on_click=guide.add_sample_hints, args=(photo, guide.brush_radius(brush, width, height)),
              help="Test mode: 10 hints at random spots, in the colours of the colour original, to see how much "
                   "a few right colours help (the Metrics page scores the result).")

with st.expander(f"Your hints ({len(hints)})", expanded=0 < len(hints) <= 8):
    if not hints:
        st.caption("No hint yet: click on the photo above.")
    for i, hint in enumerate(hints):
        row = st.columns([6, 1], vertical_alignment="center")
        row[0].markdown(guide.describe(i, hint), unsafe_allow_html=True)
        row[1].button("✕", key=f"guide_del_{i}", on_click=guide.remove, args=(own, i),
                      help=f"Remove hint {i + 1}")

# ----------------------------------------------------------------------------- reference and vibrance
st.subheader("A reference photo (optional)")
st.caption("A colour photo of similar content (the same kind of place, clothes or scene). Its colours are matched "
           "to the parts of similar lightness and texture and blended with the model's colours; your hints "
           "still come last.")
upload = st.file_uploader("Reference colour photo", type=UPLOAD_TYPES, key=f"guide_reference_{own}")
if upload is not None:
    problem = guide.take_reference(own, upload)
    if problem:
        st.error(problem, icon=":material/block:")
reference = guide.reference_of(own)
strength = 0.7
if reference is not None:
    r1, r2 = st.columns([1, 3], vertical_alignment="center")
    r1.image(images.fit_within(reference[1], 240), caption=f"Reference: {reference[0]}", width="stretch")
    strength = r2.slider("How much of the reference's colours", 0, 100, 70, step=5, key="guide_strength",
                         format="%d%%") / 100.0
    r2.button("Remove the reference", key="guide_drop_reference", on_click=guide.drop_reference,
              args=(own,), icon=":material/close:")

vibrance = pickers.vibrance_slider(state.GUIDE_VIBRANCE_SLIDER)

# ----------------------------------------------------------------------------- the result
result = guide.guided(photo, base, model, rf, hints, reference, vibrance, strength)
if result.error:
    st.error(result.error)
shown = result.image
layers = ui_uncertainty.guide_layers(photo, model, rf, shown, show_map, show_suggestions, DISPLAY_SIDE)
with canvas_slot:
    tip = "Click a spot to take its colour" if tool == guide.PICK else ""
    picture = shown if layers.picture is None else layers.picture
    hint_canvas(export.to_data_uri(picture, max_side=DISPLAY_SIDE), key=state.GUIDE_CANVAS.key,
                hints=guide.canvas_marks(hints, width, height), done=guide.done_ids(), color=colour,
                radius=guide.brush_radius(brush, width, height) / width, mode="pick" if tool == guide.PICK else "paint",
                image_id=guide.image_id(photo) + layers.suffix, tip=tip,
                label=f"{photo.name}: click or draw to add a colour hint")
    if result.fresh:
        st.caption(f"Updated in {result.seconds:.2f} s · {len(hints)} hint(s) on {width} × {height} px.")
    else:
        st.caption(f"{len(hints)} hint(s) on {width} × {height} px · start: {ui_models.title(model)}.")
    ui_uncertainty.guide_panel(photo, layers, show_map, guide.brush_radius(guide.DEFAULT_BRUSH, width, height))

if st.toggle("Before and after: a slider between the model's colours and yours", key="guide_show_compare"):
    compare_slider(base, shown, ui_models.title(model), guide.GUIDED_LABEL, key="guide_compare")

# ----------------------------------------------------------------------------- downloads
st.subheader("Keep it")
stem = export.safe_stem(photo.name)
result_name = export.result_filename(photo.name, model, None, repaired=bool(photo.repaired), guided=True)
d1, d2 = st.columns(2)
d1.download_button("Download the result (PNG)", data=guide.download_png(photo, shown, model, rf),
                   file_name=result_name, mime="image/png", key="guide_dl_png", on_click="ignore",
                   icon=":material/download:", type="primary")
d2.download_button("Download the hints (JSON)", data=core_guide.hints_to_json(hints, width, height),
                   file_name=f"{stem}_hints.json", mime="application/json", key="guide_dl_hints",
                   on_click="ignore", icon=":material/data_object:", disabled=not hints)
ui_credentials.note()
hints_file = st.file_uploader("Load hints saved before (JSON)", type=["json"], key=f"guide_hints_{own}",
                              help="A hints file downloaded here (or written by hand, see `python -m core colorize "
                                   "--help`). It replaces the hints of this photo.")
if hints_file is not None:
    changed, problem = guide.load_hints_file(own, hints_file, width, height)
    if problem:
        st.error(problem, icon=":material/block:")
    if changed:
        st.rerun()

if photo.has_reference:
    st.caption(f"Your result appears as “{guide.GUIDED_LABEL}” on the Compare, Channels and Metrics pages; this "
               "photo has its colour original, so the Metrics page scores it like any model.")
    st.page_link(navigation.PAGE_METRICS, label="Score it on the Metrics page", icon=":material/straighten:")
else:
    st.caption(f"Your result appears as “{guide.GUIDED_LABEL}” on the Compare and Channels pages.")
