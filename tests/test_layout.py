"""The layout rules of docs/architecture.md, checked on the code's own import graph (issue 19).

Every ``import`` in core/, ui/, pages/ and streamlit_app.py counts, also those inside functions and under
``TYPE_CHECKING``: a circle that only a lazy import hides is still a circle for the reader.
"""

from __future__ import annotations

import ast
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


def test_core_never_imports_streamlit_ui_or_pages():
    modules = project_modules()
    for name, path in modules.items():
        if not name.startswith("core"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for n in names:
                assert n.split(".")[0] not in {"streamlit", "ui", "pages"}, f"{name} imports {n}"


def test_the_library_does_not_import_its_command_line(graph):
    for name, deps in graph.items():
        if name.startswith("core") and not (name.startswith("core.cli") or name == "core.__main__"):
            cli = sorted(d for d in deps if d.startswith("core.cli"))
            assert not cli, f"{name} imports {cli}: the CLI imports the engine, never the reverse"


def test_training_does_not_import_the_command_line(graph):
    assert not any(d.startswith("core.cli") for m, deps in graph.items() if m.startswith("core.training")
                   for d in deps)


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
