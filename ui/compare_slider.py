"""A before/after comparison slider: an in-house Streamlit component, fully offline.

Built on ``st.components.v2`` with inline HTML/CSS/JS (no CDN, no iframe): the
two pictures are embedded as ``data:`` URIs, the left one is laid over the
right one and clipped at the split. The split can be dragged with a mouse, a
finger or a pen (pointer events), clicked anywhere, or moved with the keyboard
(arrow keys 1 %, Shift+arrow / PageUp / PageDown 10 %, Home / End).

For browser tests the element exposes its state in the DOM::

    <div class="cs-compare" data-testid="compare-slider" data-split="50.0"
         style="--split: 50%" data-left-label="Grey input" data-right-label="...">
      ... <div class="cs-handle" role="slider" aria-valuenow="50" tabindex="0"> ...

``data-split`` / ``--split`` / ``aria-valuenow`` follow the handle (0 = all
right picture, 100 = all left picture).

The slider always fits the window's height: its width is limited so that the whole picture shows
below the slider's place on the page without scrolling (a portrait photo on a 1920 x 1080
projector or a 1366 x 768 laptop), and again when the window is resized.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from core.figures import export

CSS = """
.cs-compare { position: relative; width: 100%; max-width: var(--cs-max-width, 100%); margin: 0 auto;
  user-select: none; -webkit-user-select: none; touch-action: none; cursor: ew-resize; line-height: 0;
  border: 2px solid #111; border-radius: 6px; overflow: hidden; background: #111; --split: 50%; }
.cs-compare img { display: block; width: 100%; height: auto; pointer-events: none; -webkit-user-drag: none; }
.cs-compare .cs-left { position: absolute; inset: 0; height: 100%; object-fit: fill;
  clip-path: inset(0 calc(100% - var(--split)) 0 0); }
.cs-compare .cs-handle { position: absolute; top: 0; bottom: 0; left: var(--split); width: 4px;
  margin-left: -2px; background: #fff; box-shadow: 0 0 0 1px #000, 0 0 8px rgba(0,0,0,.6); outline: none; }
.cs-compare .cs-knob { position: absolute; top: 50%; left: 50%; width: 44px; height: 44px;
  transform: translate(-50%, -50%); border-radius: 50%; background: #fff; border: 3px solid #000;
  display: flex; align-items: center; justify-content: center; font: bold 20px/1 sans-serif; color: #000; }
.cs-compare .cs-handle:focus-visible .cs-knob { box-shadow: 0 0 0 4px #ffbf00; }
.cs-compare .cs-label { position: absolute; top: 8px; padding: 4px 10px; background: rgba(0,0,0,.78);
  color: #fff; font: 600 0.9rem/1.3 sans-serif; border-radius: 4px; pointer-events: none; max-width: 45%;
  overflow-wrap: break-word; }
.cs-compare .cs-label-left { left: 8px; }
.cs-compare .cs-label-right { right: 8px; }
"""

JS = r"""
function clamp(v) { return Math.min(100, Math.max(0, v)); }

function setSplit(root, value) {
  const v = Math.round(clamp(value) * 10) / 10;
  root.dataset.split = String(v);
  root.style.setProperty('--split', v + '%');
  const handle = root.querySelector('.cs-handle');
  handle.setAttribute('aria-valuenow', String(Math.round(v)));
  handle.setAttribute('aria-valuetext', Math.round(v) + '% ' + (root.dataset.leftLabel || 'left'));
}

function build(parent) {
  const root = document.createElement('div');
  root.className = 'cs-compare';
  root.setAttribute('data-testid', 'compare-slider');
  root.innerHTML =
    '<img class="cs-right" alt="">' +
    '<img class="cs-left" alt="">' +
    '<span class="cs-label cs-label-left"></span><span class="cs-label cs-label-right"></span>' +
    '<div class="cs-handle" role="slider" tabindex="0" aria-valuemin="0" aria-valuemax="100" ' +
    'aria-label="Before/after split: drag or use the arrow keys"><span class="cs-knob">&#8644;</span></div>';
  parent.appendChild(root);

  let dragging = false;
  const fromEvent = (e) => {
    const r = root.getBoundingClientRect();
    if (r.width > 0) setSplit(root, ((e.clientX - r.left) / r.width) * 100);
  };
  root.addEventListener('pointerdown', (e) => {
    dragging = true;
    try { root.setPointerCapture(e.pointerId); } catch (err) { /* synthetic events */ }
    fromEvent(e);
    root.querySelector('.cs-handle').focus({ preventScroll: true });
    e.preventDefault();
  });
  root.addEventListener('pointermove', (e) => { if (dragging) fromEvent(e); });
  const stop = (e) => {
    dragging = false;
    try { root.releasePointerCapture(e.pointerId); } catch (err) { /* not captured */ }
  };
  root.addEventListener('pointerup', stop);
  root.addEventListener('pointercancel', stop);
  root.querySelector('.cs-handle').addEventListener('keydown', (e) => {
    const now = parseFloat(root.dataset.split || '50');
    const big = e.shiftKey ? 10 : 1;
    const moves = { ArrowLeft: -big, ArrowDown: -big, ArrowRight: big, ArrowUp: big, PageDown: -10, PageUp: 10 };
    let next = null;
    if (e.key in moves) next = now + moves[e.key];
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = 100;
    if (next !== null) { setSplit(root, next); e.preventDefault(); }
  });
  return root;
}

const BOTTOM_GAP = 16;     // px kept free below the slider
const MIN_HEIGHT = 200;    // below this, fit the whole window height instead (scrolling to it once)

function scrollParent(el) {
  for (let p = el.parentElement; p; p = p.parentElement) {
    const oy = getComputedStyle(p).overflowY;
    if ((oy === 'auto' || oy === 'scroll') && p.scrollHeight > p.clientHeight) return p;
  }
  return document.scrollingElement || document.documentElement;
}

function fit(root) {
  const aspect = parseFloat(root.dataset.aspect || '0');
  if (!(aspect > 0)) return;
  const maxWidth = parseFloat(root.dataset.maxWidth || '0') || Infinity;
  const scroller = scrollParent(root);
  const pageTop = root.getBoundingClientRect().top + (scroller ? scroller.scrollTop : 0);
  let height = window.innerHeight - pageTop - BOTTOM_GAP;
  if (height < MIN_HEIGHT) height = window.innerHeight - 2 * BOTTOM_GAP;
  const border = root.offsetHeight - root.clientHeight;
  const width = Math.max(120, Math.min(maxWidth, (height - border) * aspect + border));
  const px = Math.floor(width) + 'px';
  if (root.style.maxWidth !== px) root.style.maxWidth = px;
}

function watch(root) {
  if (root.dataset.watched) return;
  root.dataset.watched = '1';
  const again = () => requestAnimationFrame(() => fit(root));
  window.addEventListener('resize', again);
  const main = document.querySelector('[data-testid="stMainBlockContainer"]') || document.body;
  if (window.ResizeObserver) new ResizeObserver(again).observe(main);
  root.querySelectorAll('img').forEach((img) => img.addEventListener('load', again));
}

export default function (component) {
  const { data, parentElement } = component;
  const d = data || {};
  let root = parentElement.querySelector('.cs-compare');
  const fresh = !root;
  if (fresh) root = build(parentElement);
  const left = root.querySelector('.cs-left');
  const right = root.querySelector('.cs-right');
  if (left.getAttribute('src') !== d.left) left.setAttribute('src', d.left || '');
  if (right.getAttribute('src') !== d.right) right.setAttribute('src', d.right || '');
  left.alt = d.left_label || 'left picture';
  right.alt = d.right_label || 'right picture';
  root.dataset.leftLabel = d.left_label || '';
  root.dataset.rightLabel = d.right_label || '';
  root.querySelector('.cs-label-left').textContent = d.left_label ? '\u25C0 ' + d.left_label : '';
  root.querySelector('.cs-label-right').textContent = d.right_label ? d.right_label + ' \u25B6' : '';
  if (d.max_width) root.style.setProperty('--cs-max-width', d.max_width + 'px');
  root.dataset.maxWidth = String(d.max_width || '');
  root.dataset.aspect = String(d.aspect || '');
  if (fresh) setSplit(root, typeof d.position === 'number' ? d.position : 50);
  watch(root);
  fit(root);
}
"""

_component = st.components.v2.component("colorization_studio.compare_slider", css=CSS, js=JS,
                                        isolate_styles=False)


@st.cache_data(show_spinner=False, max_entries=32)
def _data_uri(rgb: np.ndarray, max_side: int) -> str:
    return export.to_data_uri(rgb, max_side=max_side)


def compare_slider(left: np.ndarray, right: np.ndarray, left_label: str, right_label: str, *,
                   key: str = "compare_slider", position: float = 50.0, max_width: int = 900,
                   max_side: int = 1280) -> None:
    """Show the draggable before/after slider (left picture over the right one, split at ``position`` %).

    Both pictures should have the same size; they are embedded as JPEG data
    URIs, shrunk so the long side is at most ``max_side`` pixels.
    """
    data = {
        "left": _data_uri(left, max_side),
        "right": _data_uri(right, max_side),
        "left_label": left_label,
        "right_label": right_label,
        "position": float(position),
        "max_width": int(max_width),
        "aspect": round(left.shape[1] / max(1, left.shape[0]), 4),       # width / height, to fit the window
    }
    _component(data=data, key=key)
