"""The documentation stands alone: every file it points to is in the repository."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md"), *ROOT.glob("js_snippet/*.md")])
TOP_LEVEL = ("sdk/", "server/", "tests/", "docs/", "intents/", "js_snippet/", "scripts/", ".ci/")

LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")
CODE = re.compile(r"`([^`\s]+)`")
MARKDOWN_NAME = re.compile(r"\b[\w.-]+\.md\b")


def referenced_files(text: str) -> set[str]:
    links = {target for target in LINK.findall(text) if "://" not in target}
    code = {
        span.rstrip(".,:;")
        for span in CODE.findall(text)
        if span.startswith(TOP_LEVEL) and "*" not in span and "…" not in span
    }
    return links | code | set(MARKDOWN_NAME.findall(text))


def exists(reference: str, doc: Path) -> bool:
    path = reference.split(":")[0]  # `file.py:123` style references
    candidates = [doc.parent / path, ROOT / path, ROOT / "docs" / path]
    return any(candidate.exists() for candidate in candidates)


@pytest.mark.parametrize("doc", DOCS, ids=lambda path: str(path.relative_to(ROOT)))
def test_every_referenced_file_exists(doc: Path) -> None:
    missing = sorted(
        ref for ref in referenced_files(doc.read_text(encoding="utf-8")) if not exists(ref, doc)
    )
    assert missing == [], f"{doc.relative_to(ROOT)} refers to files that do not exist"


def test_the_architecture_notes_are_where_a_newcomer_looks() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "docs/architecture.md" in readme
    assert (ROOT / "docs" / "architecture.md").exists()
