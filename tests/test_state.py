"""The session's state has one owner, ui/state.py (issue 30): no other module of ui/ or pages/ touches
``st.session_state``, every key is named once there, and a widget whose value is read elsewhere takes its slot's
key (a source scan, like tests/test_layout.py's)."""

from __future__ import annotations

import ast
import string
from pathlib import Path

from ui import state

ROOT = Path(__file__).resolve().parents[1]
OWNER = ROOT / "ui" / "state.py"


def _sources() -> list[Path]:
    files = [ROOT / "streamlit_app.py", *sorted((ROOT / "ui").rglob("*.py")), *sorted((ROOT / "pages").glob("*.py"))]
    return [f for f in files if f != OWNER]


def direct_uses(tree: ast.AST) -> list[str]:
    """What in the module reaches the session state without ui.state: ``st.session_state``, an import of it,
    a private ``_ss()`` helper, or a slot made outside ui/state.py."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr == "session_state":
            found.append(f"line {node.lineno}: {ast.unparse(node)}")
        elif isinstance(node, ast.ImportFrom) and any(a.name == "session_state" for a in node.names):
            found.append(f"line {node.lineno}: imports session_state")
        elif isinstance(node, ast.FunctionDef) and node.name == "_ss":
            found.append(f"line {node.lineno}: def _ss()")
        elif isinstance(node, ast.Call) and ast.unparse(node.func).split(".")[-1] in ("Slot", "Keyed", "UploadBox"):
            found.append(f"line {node.lineno}: {ast.unparse(node)}")
    return found


def _template_prefix(template: str) -> str:
    """The fixed start of a key pattern (``"role_{}"`` -> ``"role_"``)."""
    return next(iter(string.Formatter().parse(template)))[0]


def literal_keys(tree: ast.AST, keys: set[str], prefixes: set[str]) -> list[str]:
    """``key=`` arguments that spell out a key of ui/state.py instead of using its constant: a string equal to a
    slot's key, or an f-string that starts like one of its families."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.keyword) or node.arg != "key":
            continue
        v = node.value
        if isinstance(v, ast.Constant) and v.value in keys:
            found.append(f"line {v.lineno}: key={v.value!r}")
        elif isinstance(v, ast.JoinedStr) and v.values and isinstance(v.values[0], ast.Constant) \
                and any(p and str(v.values[0].value).startswith(p) for p in prefixes):
            found.append(f"line {v.lineno}: key={ast.unparse(v)}")
    return found


def test_only_ui_state_touches_the_session_state():
    bad = {str(f.relative_to(ROOT)): uses for f in _sources()
           if (uses := direct_uses(ast.parse(f.read_text(encoding="utf-8"))))}
    assert not bad, f"use ui/state.py's slots instead: {bad}"


def test_each_key_is_named_once():
    named = state.all_keys()
    values = list(named.values())
    assert len(named) > 60                                    # the scan below found the constants
    assert len(values) == len(set(values)), sorted(v for v in values if values.count(v) > 1)
    source = OWNER.read_text(encoding="utf-8")
    for key in values:                                      # each spelled in exactly one place of ui/state.py
        assert source.count(f'"{key}"') == 1, key
    keys = {v for v in values if "{" not in v}
    prefixes = {_template_prefix(v) for v in values if "{" in v}
    bad = {str(f.relative_to(ROOT)): found for f in _sources()
           if (found := literal_keys(ast.parse(f.read_text(encoding="utf-8")), keys, prefixes))}
    assert not bad, f"name the widget's key through ui/state.py: {bad}"


def test_the_scans_catch_a_planted_use():
    """The scans above find what they look for (else they could never fail)."""
    planted = ast.parse("import streamlit as st\nfrom streamlit import session_state\n"
                        "def _ss():\n    return st.session_state\n"
                        "x = st.session_state.get('photos')\nS = state.Slot('mine')\n")
    assert len(direct_uses(planted)) == 5
    widgets = ast.parse("st.toggle('x', key='stamp')\nst.radio('y', key=f'role_{k}')\nst.button('z', key='ok')\n"
                        "st.toggle('x', key=state.STAMP.key)\n")
    assert literal_keys(widgets, {"stamp"}, {"role_"}) == ["line 1: key='stamp'", "line 2: key=f'role_{k}'"]


def test_a_slot_keeps_its_value_in_the_session_state(monkeypatch):
    """The accessors are the session state's own operations (a plain dict stands in for it here)."""
    import streamlit as st

    session: dict = {}
    monkeypatch.setattr(st, "session_state", session)
    slot = state.Slot("test_slot")
    assert slot.get() is None and slot.get(3) == 3 and not slot.is_set()
    assert slot.get_or_set(lambda: [1]) == [1] and session == {"test_slot": [1]}
    assert slot.setdefault([2]) == [1]
    slot.set(5)
    assert slot.pop() == 5 and slot.pop("gone") == "gone"
    slot.clear()                                            # nothing to forget: no error
    assert state.PHOTO_ROLE("abc").key == "role_abc" and state.FC_RANGE.key(1, "k") == "fc_r1_k"
    box = state.PHOTO_UPLOADS
    assert box.key() == "uploader"
    box.empty()
    assert box.key() == "uploader_1" and session["uploader_generation"] == 1
    assert state.FILM_UPLOADS.key() == "film_upload_0"


def test_ui_state_is_light():
    """ui/state.py imports only Streamlit and the standard library: the entry script's light modules
    (ui/navigation.py, presentation.py, address.py) use it before the slow imports."""
    tree = ast.parse(OWNER.read_text(encoding="utf-8"))
    imported = {n.module if isinstance(n, ast.ImportFrom) else a.name
                for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom) for a in n.names}
    assert imported <= {"__future__", "collections.abc", "typing", "streamlit"}, imported
