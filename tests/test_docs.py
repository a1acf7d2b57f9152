"""The documentation a newcomer reads: short enough, the set-up first, and no broken link.

Checks README.md and models/README.md stay within 250 lines, that the two set-up commands come within the
README's first 60 lines, and that every relative Markdown link and ``<img src>`` in README.md,
models/README.md and docs/*.md points to a file that exists, and, for a ``#anchor``, to a heading with that
GitHub-style slug. No network: links with a scheme (https:, mailto:) are not followed.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import pytest

ROOT = Path(__file__).resolve().parent.parent
MAX_LINES = 250
SETUP_COMMANDS = ("bash scripts/run.sh", "bash scripts/test.sh")

_FENCE = re.compile(r"^\s*(```|~~~)")
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")
# [text](target "title") and ![alt](src); the text may hold one level of brackets (an image in a link)
_INLINE_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+[\"'][^)]*[\"'])?\s*\)")
_REF_DEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$")
_HTML_SRC = re.compile(r"<(?:img|source)\b[^>]*?\bsrc\s*=\s*[\"']([^\"']+)[\"']", re.IGNORECASE)
_HTML_HREF = re.compile(r"<a\b[^>]*?\bhref\s*=\s*[\"']([^\"']+)[\"']", re.IGNORECASE)
_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def doc_files() -> list[Path]:
    files = [ROOT / "README.md", ROOT / "models" / "README.md"]
    files += sorted((ROOT / "docs").glob("*.md"))
    return [f for f in files if f.exists()]


def _prose_lines(text: str, blank_code: bool = True):
    """(line number, line) of the lines outside fenced code blocks, with inline code spans blanked."""
    fenced = False
    for number, line in enumerate(text.splitlines(), 1):
        if _FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            yield number, _CODE_SPAN.sub("", line) if blank_code else line


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: the rendered text, lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)      # [text](url) -> text
    text = re.sub(r"<[^>]+>", "", text)                              # inline HTML tags
    text = text.replace("`", "").replace("*", "")
    text = re.sub(r"(?<!\w)_+|_+(?!\w)", "", text)                   # _emphasis_, not snake_case
    return re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    seen: dict[str, int] = {}
    out = set()
    for _, line in _prose_lines(path.read_text(encoding="utf-8"), blank_code=False):
        if m := _HEADING.match(line):
            base = slug(m.group(2))
            n = seen.get(base, 0)
            seen[base] = n + 1
            out.add(base if n == 0 else f"{base}-{n}")
    return out


def links(path: Path):
    """(line number, target) of every link and image source in a Markdown file."""
    for number, line in _prose_lines(path.read_text(encoding="utf-8")):
        for pattern in (_INLINE_LINK, _HTML_SRC, _HTML_HREF):
            for m in pattern.finditer(line):
                yield number, m.group(1)
        if m := _REF_DEF.match(line):
            yield number, m.group(1)


def broken_links(path: Path) -> list[str]:
    problems = []
    for number, target in links(path):
        if _SCHEME.match(target) or target.startswith("//"):
            continue                                   # a web address: not followed (no network in tests)
        file_part, _, anchor = target.partition("#")
        dest = (path.parent / unquote(file_part)).resolve() if file_part else path
        where = f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}:{number}"
        if not dest.exists():
            problems.append(f"{where}: {target} -> no such file")
        elif anchor and dest.suffix.lower() == ".md" and unquote(anchor).lower() not in anchors(dest):
            problems.append(f"{where}: {target} -> no heading with the anchor #{anchor} in {dest.name}")
    return problems


def test_the_readme_and_the_model_card_are_short():
    for path in (ROOT / "README.md", ROOT / "models" / "README.md"):
        lines = path.read_text(encoding="utf-8").count("\n")
        assert lines <= MAX_LINES, f"{path.relative_to(ROOT)} has {lines} lines (at most {MAX_LINES})"


def test_the_two_setup_commands_come_first_in_the_readme():
    head = "\n".join((ROOT / "README.md").read_text(encoding="utf-8").splitlines()[:60])
    for command in SETUP_COMMANDS:
        assert command in head, f"`{command}` is not within the README's first 60 lines"


def test_the_docs_pages_exist_and_are_linked_from_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in ("guided-colour", "old-film", "archive", "classroom", "quality-and-speed", "architecture",
                 "safety", "model-history", "false-colour"):
        assert (ROOT / "docs" / f"{name}.md").exists(), name
        if name != "model-history":                    # linked from the model card instead
            assert f"docs/{name}.md" in readme, f"README does not link docs/{name}.md"
    assert "docs/model-history.md" in (ROOT / "models" / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("path", doc_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_works(path):
    assert list(links(path)) or path.name != "README.md", "no link found: the parser is broken"
    assert broken_links(path) == []


def test_the_checker_finds_broken_links(tmp_path):
    (tmp_path / "pic.png").write_bytes(b"\x89PNG")
    (tmp_path / "other.md").write_text("# Other page\n\n## Old film (video)\n\n## `code` and *more*: ok?\n",
                                       encoding="utf-8")
    page = tmp_path / "page.md"
    page.write_text(
        "# Title\n\n"
        "[fine](other.md) [fine](other.md#old-film-video) [fine](other.md#code-and-more-ok) [fine](#title)\n"
        "![fine](pic.png) <img width=100 src=\"pic.png\"> [web](https://example.org/x.md)\n"
        "[missing](nowhere.md) ![missing](gone.png) <img src='gone.jpg'>\n"
        "[bad anchor](other.md#no-such-heading) [bad local anchor](#nothing)\n"
        "`[in code](ignored.md)`\n\n```\n[in a block](ignored.md)\n```\n\n[ref]: missing-ref.md\n",
        encoding="utf-8")
    found = broken_links(page)
    assert len(found) == 6, found
    for target in ("nowhere.md", "gone.png", "gone.jpg", "#no-such-heading", "#nothing", "missing-ref.md"):
        assert any(target in problem for problem in found), (target, found)
    assert not any("ignored" in problem for problem in found)


def test_slugs_follow_github():
    assert slug("Old film (video)") == "old-film-video"
    assert slug("Choosing the decoding and the render factor (held-out `bsds_2*`, 104 photos)") == \
        "choosing-the-decoding-and-the-render-factor-held-out-bsds_2-104-photos"
    assert slug("Black-and-white, toned or colour?") == "black-and-white-toned-or-colour"
    assert slug("Speed (`python -m core bench --eccv16-dir DIR`, 768 × 512, 2 CPU cores)") == \
        "speed-python--m-core-bench---eccv16-dir-dir-768--512-2-cpu-cores"
