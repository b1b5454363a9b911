"""Every relative link in README.md and docs/ resolves inside the repository.

A clone is all a reader has: a link to `../shared/` or to a file that is not
committed is a broken link for them.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
# [text](target "title"), ![alt](target), [label]: target, and HTML src/href attributes.
INLINE = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE = re.compile(r"^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+\"[^\"]*\")?\s*$", re.MULTILINE)
HTML = re.compile(r"""\b(?:src|href)\s*=\s*["']([^"']+)["']""")
CODE = re.compile(r"^```.*?^```$|`[^`\n]*`", re.MULTILINE | re.DOTALL)


def _tracked() -> set[str]:
    listed = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    return set(listed.split("\n")) - {""}


def _documents() -> list[Path]:
    tracked = _tracked()
    return sorted(
        ROOT / name
        for name in tracked | {"docs/api.md"}
        if name == "README.md" or (name.startswith("docs/") and name.endswith(".md"))
    )


def _links(text: str) -> list[str]:
    prose = CODE.sub("", text)  # examples in code are not links
    return [
        *INLINE.findall(prose),
        *REFERENCE.findall(prose),
        *HTML.findall(prose),
    ]


def _is_relative(target: str) -> bool:
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc and bool(parts.path)


def _anchors(path: Path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens."""
    anchors = set()
    for heading in re.findall(r"^#+\s+(.*)$", CODE.sub("", path.read_text()), re.MULTILINE):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        anchors.add(slug)
    return anchors


DOCUMENTS = _documents()


def test_the_guide_and_readme_are_checked() -> None:
    names = {str(path.relative_to(ROOT)) for path in DOCUMENTS}

    assert {"README.md", "docs/api.md", "docs/architecture.md"} <= names


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves_inside_the_repository(document: Path) -> None:
    text = document.read_text()
    tracked = _tracked() | {"docs/api.md"}
    broken = []
    for target in _links(text):
        if not _is_relative(target):
            if target.startswith("#") and target[1:] not in _anchors(document):
                broken.append(f"{target}: no such heading")
            continue
        parts = urlsplit(target)
        resolved = (document.parent / unquote(parts.path)).resolve()
        if not resolved.is_relative_to(ROOT):
            broken.append(f"{target}: outside the repository")
            continue
        name = str(resolved.relative_to(ROOT))
        exists = name in tracked or any(t.startswith(f"{name}/") for t in tracked)
        if not exists:
            broken.append(f"{target}: not in the repository")
        elif (
            parts.fragment and resolved.suffix == ".md" and parts.fragment not in _anchors(resolved)
        ):
            broken.append(f"{target}: no such heading")
    assert not broken, f"{document.relative_to(ROOT)}: {broken}"


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_document_points_outside_the_repository(document: Path) -> None:
    assert "../shared" not in document.read_text()
    assert "shared/docs" not in document.read_text()
