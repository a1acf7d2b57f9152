"""The layout rules of docs/architecture.md, checked on the code's own import graph (issue 19).

The floors (what may import what) are import-linter contracts in pyproject.toml, checked by ``lint-imports`` in
scripts/test.sh; the tests here show that they catch a planted import, find circles between modules (which the
floors allow inside one floor), and keep modules short.

Every ``import`` in core/, ui/, pages/ and streamlit_app.py counts, also those inside functions and under
``TYPE_CHECKING``: a circle that only a lazy import hides is still a circle for the reader.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MAX_LINES = 350


def project_modules(root: Path = ROOT) -> dict[str, Path]:
    files = [root / "streamlit_app.py", *sorted((root / "core").rglob("*.py")), *sorted((root / "ui").rglob("*.py")),
             *sorted((root / "pages").glob("*.py"))]
    out = {}
    for f in files:
        parts = list(f.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = f
    return out


def imports_of(path: Path, name: str, modules: dict[str, Path]) -> set[str]:
    """The project modules that the file imports (``from pkg import mod`` names the submodule)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            for a in node.names:                        # the submodule when it is one, else the package
                found.add(f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base)
    return {m for m in found if m in modules and m != name}


def import_graph(root: Path = ROOT) -> dict[str, set[str]]:
    modules = project_modules(root)
    return {name: imports_of(path, name, modules) for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


@pytest.fixture(scope="module")
def graph():
    return import_graph()


def _is_package_and_child(comp: list[str]) -> bool:
    """A package's ``__init__`` that re-exports its own submodules, which import siblings through the
    package name, is Python's usual shape, not a tangle: only circles between siblings or floors count."""
    return len(comp) == 2 and (comp[1].startswith(comp[0] + ".") or comp[0].startswith(comp[1] + "."))


def test_no_import_circles(graph):
    bad = [c for c in cycles(graph) if not _is_package_and_child(c)]
    assert not bad, "import circles: " + "; ".join(" <-> ".join(c) for c in bad)


def test_the_cycle_finder_finds_circles():
    g = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert cycles(g) == [["a", "b", "c"]]


def _lint_imports(root: Path) -> subprocess.CompletedProcess:
    """``lint-imports`` with this project's contracts (pyproject.toml) on the packages under ``root``."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([sys.executable, "-c", "import sys; from importlinter.cli import lint_imports_command; "
                           "sys.exit(lint_imports_command())", "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
                          cwd=root, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("importer,imported,contract", [
    ("core/lab.py", "core.cli.colorize", "The library never imports its command line"),
    ("core/colorizers/base.py", "core.pipeline", "The engine's floors"),
    ("core/figures/charts.py", "streamlit", "core/ never imports Streamlit"),
    ("core/images.py", "ui.cache", "the engine never imports ui/"),
])
def test_the_import_contracts_catch_a_way_up(tmp_path, importer, imported, contract):
    """The floors of docs/architecture.md are pyproject.toml's import-linter contracts (``lint-imports`` in
    scripts/test.sh checks them on the real code). Here, on a copy of core/ and ui/ with one import planted
    inside a function (lazy imports count too), they fail and name the contract."""
    pytest.importorskip("importlinter")
    for package in ("core", "ui"):
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__", "*.png"))
    target = tmp_path / importer
    target.write_text(target.read_text(encoding="utf-8") + f"\n\ndef _planted():\n    import {imported}  # noqa\n",
                      encoding="utf-8")
    r = _lint_imports(tmp_path)
    assert r.returncode == 1, r.stdout + r.stderr
    broken = r.stdout[r.stdout.index("Broken contracts"):]
    assert contract in broken and f"{importer[:-3].replace('/', '.')} -> {imported}" in broken, broken


def test_no_module_is_over_350_lines():
    long = {name: n for name, path in project_modules().items()
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, f"split these by job (at most {MAX_LINES} lines): {long}"


def test_the_graph_sees_imports_inside_functions(tmp_path):
    (tmp_path / "core").mkdir()
    (tmp_path / "core" / "__init__.py").write_text("")
    (tmp_path / "core" / "a.py").write_text("def f():\n    from core import b\n")
    (tmp_path / "core" / "b.py").write_text("from . import a\n")
    (tmp_path / "streamlit_app.py").write_text("")
    g = import_graph(tmp_path)
    assert g["core.a"] == {"core.b"} and g["core.b"] == {"core.a"}
    assert cycles(g) == [["core.a", "core.b"]]
