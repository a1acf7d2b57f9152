"""Clicks and strokes on a photo: an in-house Streamlit component, fully offline.

Built on ``st.components.v2`` like :mod:`ui.compare_slider` (inline HTML/CSS/JS, no CDN, no iframe):
the picture is embedded as a ``data:`` URI with a ``<canvas>`` over it. Pointer events (mouse, finger,
pen) draw: a press-and-release is a click, a press-and-drag a stroke. Each finished click or stroke is
queued and sent to Python as the component's ``strokes`` state::

    {"strokes": [{"id": "k3f9-1", "points": [[0.25, 0.5], [0.26, 0.52], ...]}, ...]}

with points as fractions (0-1) of the picture's width and height. Python hands back the ids it has
used (``data["done"]``), and the component drops them from its queue, so nothing is lost when two
strokes come faster than the app reruns. Without a pointer: focus the picture (Tab), move the
crosshair with the arrow keys (Shift = bigger steps) and press Enter or Space for a click. The
existing hints are drawn over the picture from ``data["hints"]`` (same coordinates; ``radius`` as a
fraction of the width).

For browser tests the element exposes its state in the DOM::

    <div class="hc-wrap" data-testid="hint-canvas" data-hints="3" data-pending="0" data-mode="paint"
         data-image-id="...">  <img class="hc-img"> <canvas class="hc-canvas" aria-label="..."> </div>
"""

from __future__ import annotations

import streamlit as st

from ui.state import Slot

CSS = """
.hc-wrap { position: relative; width: 100%; max-width: var(--hc-max-width, 100%); margin: 0 auto; line-height: 0;
  border: 2px solid #111; border-radius: 6px; overflow: hidden; background: #111; user-select: none;
  -webkit-user-select: none; }
.hc-wrap img { display: block; width: 100%; height: auto; pointer-events: none; -webkit-user-drag: none; }
.hc-wrap canvas { position: absolute; inset: 0; width: 100%; height: 100%; touch-action: none; cursor: crosshair;
  outline: none; }
.hc-wrap[data-mode="pick"] canvas { cursor: cell; }
.hc-wrap canvas:focus-visible { box-shadow: inset 0 0 0 4px #ffbf00; }
.hc-wrap .hc-tip { position: absolute; left: 8px; bottom: 8px; padding: 4px 10px; background: rgba(0,0,0,.78);
  color: #fff; font: 600 14px/1.3 sans-serif; border-radius: 4px; pointer-events: none; }
"""

JS = r"""
const MIN_STEP = 3;        // screen pixels between two recorded points of a stroke
const STROKE_AFTER = 6;    // a press that moves less than this is a click

function newId() {
  const r = Math.random().toString(36).slice(2, 8);
  return Date.now().toString(36) + '-' + r;
}

function draw(root) {
  const canvas = root.querySelector('canvas');
  const img = root.querySelector('img');
  const w = img.clientWidth, h = img.clientHeight;
  if (!w || !h) return;
  const dpr = window.devicePixelRatio || 1;
  if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
  }
  const ctx = canvas.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, h);
  const marks = (root._data.hints || []).concat(root._pending.map((s) => ({ points: s.points,
    color: root._data.color || '#ff0000', radius: root._data.radius || 0.01, pending: true })));
  if (root._live) marks.push({ points: root._live, color: root._data.color || '#ff0000',
    radius: root._data.radius || 0.01, pending: true });
  for (const m of marks) {
    const pts = m.points.map((p) => [p[0] * w, p[1] * h]);
    const r = Math.max(4, (m.radius || 0.01) * w);
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    if (pts.length === 1) {
      ctx.beginPath();
      ctx.arc(pts[0][0], pts[0][1], r, 0, 2 * Math.PI);
      ctx.fillStyle = m.color;
      ctx.fill();
      ctx.lineWidth = 2;
      ctx.strokeStyle = '#000';
      ctx.stroke();
      ctx.beginPath();
      ctx.arc(pts[0][0], pts[0][1], r + 2, 0, 2 * Math.PI);
      ctx.strokeStyle = '#fff';
      ctx.stroke();
    } else {
      for (const [width, colour] of [[2 * r + 6, '#fff'], [2 * r + 2, '#000'], [2 * r, m.color]]) {
        ctx.beginPath();
        ctx.moveTo(pts[0][0], pts[0][1]);
        for (const p of pts.slice(1)) ctx.lineTo(p[0], p[1]);
        ctx.lineWidth = width;
        ctx.strokeStyle = colour;
        ctx.stroke();
      }
    }
  }
  if (root._cursor && document.activeElement === canvas) {
    const [cx, cy] = [root._cursor[0] * w, root._cursor[1] * h];
    for (const [width, colour] of [[4, '#fff'], [2, '#000']]) {
      ctx.beginPath();
      ctx.moveTo(cx - 12, cy); ctx.lineTo(cx + 12, cy); ctx.moveTo(cx, cy - 12); ctx.lineTo(cx, cy + 12);
      ctx.lineWidth = width;
      ctx.strokeStyle = colour;
      ctx.stroke();
    }
  }
  root.dataset.hints = String((root._data.hints || []).length);
  root.dataset.pending = String(root._pending.length);
}

function build(parent) {
  const root = document.createElement('div');
  root.className = 'hc-wrap';
  root.setAttribute('data-testid', 'hint-canvas');
  root.innerHTML = '<img class="hc-img" alt=""><canvas class="hc-canvas" tabindex="0" role="img"></canvas>' +
    '<span class="hc-tip"></span>';
  parent.appendChild(root);
  root._pending = [];
  root._live = null;
  const canvas = root.querySelector('canvas');
  let start = null;
  let moved = false;
  const at = (e) => {
    const r = canvas.getBoundingClientRect();
    const x = Math.min(1, Math.max(0, (e.clientX - r.left) / r.width));
    const y = Math.min(1, Math.max(0, (e.clientY - r.top) / r.height));
    return [Math.round(x * 1e5) / 1e5, Math.round(y * 1e5) / 1e5, e.clientX, e.clientY];
  };
  canvas.addEventListener('pointerdown', (e) => {
    if (e.button !== undefined && e.button !== 0) return;
    const p = at(e);
    start = p;
    moved = false;
    root._live = [[p[0], p[1]]];
    root._last = p;
    try { canvas.setPointerCapture(e.pointerId); } catch (err) { /* synthetic events */ }
    e.preventDefault();
    draw(root);
  });
  canvas.addEventListener('pointermove', (e) => {
    if (!root._live || root.dataset.mode === 'pick') return;
    const p = at(e);
    if (Math.hypot(p[2] - start[2], p[3] - start[3]) >= STROKE_AFTER) moved = true;
    if (moved && Math.hypot(p[2] - root._last[2], p[3] - root._last[3]) >= MIN_STEP
        && root._live.length < 2000) {
      root._live.push([p[0], p[1]]);
      root._last = p;
      draw(root);
    }
  });
  const finish = (e, keep) => {
    if (!root._live) return;
    try { canvas.releasePointerCapture(e.pointerId); } catch (err) { /* not captured */ }
    const points = moved ? root._live : [root._live[0]];
    root._live = null;
    if (keep) {
      root._pending.push({ id: newId(), points: points });
      root._setState('strokes', root._pending.slice());
    }
    draw(root);
  };
  canvas.addEventListener('pointerup', (e) => finish(e, true));
  root._cursor = [0.5, 0.5];
  canvas.addEventListener('focus', () => draw(root));
  canvas.addEventListener('blur', () => draw(root));
  canvas.addEventListener('keydown', (e) => {
    const step = e.shiftKey ? 0.1 : 0.02;
    const moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
    if (e.key in moves) {
      const [dx, dy] = moves[e.key];
      root._cursor = [Math.min(1, Math.max(0, root._cursor[0] + dx)), Math.min(1, Math.max(0, root._cursor[1] + dy))];
      draw(root);
      e.preventDefault();
    } else if (e.key === 'Enter' || e.key === ' ') {
      const p = [Math.round(root._cursor[0] * 1e5) / 1e5, Math.round(root._cursor[1] * 1e5) / 1e5];
      root._pending.push({ id: newId(), points: [p] });
      root._setState('strokes', root._pending.slice());
      draw(root);
      e.preventDefault();
    }
  });
  canvas.addEventListener('pointercancel', (e) => finish(e, false));
  const img = root.querySelector('img');
  img.addEventListener('load', () => draw(root));
  if (window.ResizeObserver) new ResizeObserver(() => draw(root)).observe(root);
  return root;
}

export default function (component) {
  const { data, parentElement, setStateValue } = component;
  const d = data || {};
  let root = parentElement.querySelector('.hc-wrap');
  if (!root) root = build(parentElement);
  root._data = d;
  root._setState = setStateValue;
  const done = new Set(d.done || []);
  root._pending = root._pending.filter((s) => !done.has(s.id));
  const img = root.querySelector('img');
  if (img.getAttribute('src') !== d.image) img.setAttribute('src', d.image || '');
  img.alt = d.alt || 'photo';
  root.dataset.mode = d.mode || 'paint';
  root.dataset.imageId = d.image_id || '';
  root.querySelector('canvas').setAttribute('aria-label', d.label || 'Click or draw on the photo');
  root.querySelector('.hc-tip').textContent = d.tip || '';
  root.querySelector('.hc-tip').style.display = d.tip ? '' : 'none';
  if (d.max_width) root.style.setProperty('--hc-max-width', d.max_width + 'px');
  draw(root);
}
"""

_component = st.components.v2.component("colorization_studio.hint_canvas", css=CSS, js=JS, isolate_styles=False)


def hint_canvas(image_uri: str, *, key: str, hints: list[dict], done: list[str], color: str, radius: float,
                mode: str = "paint", image_id: str = "", tip: str = "", label: str = "",
                max_width: int = 900) -> list[dict]:
    """Show the picture with the hints drawn over it; return the queued strokes (see the module docstring).

    ``hints``: ``{"points": [[x, y], ...], "color": "#rrggbb", "radius": r}`` in 0-1 coordinates
    (``radius`` a fraction of the width); ``done``: ids of strokes already used; ``color`` / ``radius``:
    how a stroke in progress is drawn; ``mode``: "paint" or "pick" (a click picks a colour)."""
    data = {"image": image_uri, "hints": hints, "done": list(done), "color": color, "radius": float(radius),
            "mode": mode, "image_id": image_id, "tip": tip, "label": label, "max_width": int(max_width),
            "alt": label}
    result = _component(data=data, key=key, default={"strokes": []}, on_strokes_change=lambda: None)
    strokes = result.get("strokes") if result is not None else None
    return list(strokes) if isinstance(strokes, list) else []


MAX_DONE_IDS = 64          # stroke ids remembered as used (the component drops them from its queue)
MAX_STROKES_A_RUN = 100    # strokes used in one run at most


def fresh_strokes(strokes, done: Slot[list]) -> list[dict]:
    """The queued ``strokes`` not used yet; their ids are remembered in ``done`` as used (the latest
    MAX_DONE_IDS), so a stroke the browser sends again before it has seen ``done`` is used once."""
    if not isinstance(strokes, list):
        return []
    seen, out = list(done.get([])), []
    for stroke in strokes[:MAX_STROKES_A_RUN]:
        sid = stroke.get("id") if isinstance(stroke, dict) else None
        if isinstance(sid, str) and sid not in seen:
            seen.append(sid)
            out.append(stroke)
    done.set(seen[-MAX_DONE_IDS:])
    return out


def pending_strokes(canvas: Slot[dict]) -> list:
    """The strokes the component drawn with ``key=canvas.key`` sent (its state from the last run), before it is
    drawn again."""
    kept = canvas.get()
    try:
        strokes = kept.get("strokes") if kept is not None else None
    except AttributeError:
        return []
    return list(strokes) if isinstance(strokes, list) else []
