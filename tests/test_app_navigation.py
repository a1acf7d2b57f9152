"""The entry script and its navigation on a fresh server: a deep link (``/colorize?samples=camera``) must run
through ``streamlit_app.py`` (the app's sidebar, the address honoured), and the first page stays light.

Streamlit 1.67 starts every server process in its "pages directory" mode (a ``pages/`` folder sits next to the
entry script) and leaves it only when ``st.navigation`` runs; in that mode a page whose file name matches the
address ran on its own (see ui/navigation.py). AppTest starts each run in that mode too, so a first run on a page
is exactly a fresh server's first deep link.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from app_util import APP, COLORIZE, COMPARE, ROOT, assert_clean, captions, texts
from streamlit.testing.v1 import AppTest

from ui import navigation

pytestmark = pytest.mark.usefixtures("app_env")


def deep_link(page: str, **params: str) -> AppTest:
    """A brand-new session whose very first request is ``page``'s address with ``params`` (the Grayscale
    reference model only, so no network is loaded: the test is about what runs, not about colour)."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["models"] = ["grayscale"]
    for k, v in params.items():
        at.query_params[k] = v
    return at.switch_page(page).run()


def test_a_deep_link_with_samples_runs_the_entry_script_on_a_fresh_server():
    at = deep_link(COLORIZE, samples="camera")
    assert_clean(at)
    assert [t.value for t in at.title] == ["Colorize"]
    assert [t.label for t in at.sidebar.toggle] == ["Presentation mode"]       # the app's sidebar: the entry ran
    assert "Grey input" in captions(at)                                         # ?samples= was taken
    assert at.button(key="clear_photos").label == "Clear the photo"


def test_a_deep_link_to_another_page_keeps_presentation_mode():
    at = deep_link(COMPARE, present="1", samples="chelsea")
    assert_clean(at)
    assert [t.value for t in at.title] == ["Compare"]
    assert at.sidebar.toggle(key="presentation").value is True
    assert "No photo yet" not in texts(at.info)


def test_every_page_calls_the_guard_before_anything_else():
    for path, *_ in navigation.PAGES:
        tree = ast.parse((ROOT / path).read_text())
        body = [n for n in tree.body if not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))]
        first_call = next(n for n in body if not isinstance(n, ast.ImportFrom | ast.Import))
        assert ast.unparse(first_call) == "navigation.require_app()", path
        assert ast.unparse(body[0]) == "from ui import navigation", path


def _module_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found = set()
    for node in tree.body:                                   # module level only: lazy imports in functions are fine
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module != "__future__":
            found.add(node.module or "")
    return found


def test_navigation_comes_before_the_slow_imports():
    """The entry script and what its run does before st.navigation pull in Streamlit only (no core, no
    scikit-image, no SciPy): the sidebar shows the app's pages at once; the slow imports follow under a spinner."""
    for mod in ("ui/navigation.py", "ui/presentation.py", "ui/address.py"):
        assert _module_imports(ROOT / mod) <= {"importlib", "sys", "time", "pathlib", "streamlit", "ui"}, mod
    assert _module_imports(Path(APP)) == {"os", "ui"}
    tree = ast.parse((ROOT / "ui/navigation.py").read_text())
    main = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "main")
    names = [ast.unparse(n) for n in main.body]
    nav = names.index("page = navigation()")
    before = [n for n in main.body[:nav] if isinstance(n, ast.Import | ast.ImportFrom)]
    assert [ast.unparse(n) for n in before] == ["from ui import presentation"]
    assert names[nav + 1] == "warm_up()"
    assert names[-2:] == ["state.ENTRY_MARK.set(True)", "page.run()"]


def test_the_first_page_does_not_load_tensorflow(tmp_path):
    """Opening Colorize (no photo yet) imports neither TensorFlow nor Keras: they load with the first colouring."""
    script = tmp_path / "probe.py"
    script.write_text(
        "import sys\n"
        "from streamlit.testing.v1 import AppTest\n"
        f"at = AppTest.from_file({APP!r}, default_timeout=120).run()\n"
        "assert not at.exception, [e.value for e in at.exception]\n"
        "assert [t.value for t in at.title] == ['Colorize']\n"
        "print(sorted(m for m in ('tensorflow', 'keras') if m in sys.modules))\n")
    out = subprocess.run([sys.executable, str(script)], cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.strip().splitlines()[-1] == "[]", out.stdout


def test_the_favicon_file_is_the_drawn_icon():
    import numpy as np
    from PIL import Image

    from core.figures.samples import app_icon

    assert np.array_equal(np.asarray(Image.open(navigation.APP_ICON).convert("RGB")), app_icon())
