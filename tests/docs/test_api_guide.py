"""docs/api.md's examples run against the demo data and answer what the guide shows.

Every ```sh block of the guide runs, in order, in one bash session (so `TOKEN=...` set
by one block is there for the next), against `demo_server` (gunicorn on a freshly
migrated and seeded database); `http://127.0.0.1:8000` in a block is replaced by its
address. A block must exit 0. When an ```http block follows it, the block's output
(`curl -si`: status line, headers, body) must match it:

- the status code is the same;
- each header shown is present; its value is the same unless shown as `…`;
- the JSON body has the same shape: an object has the same keys (or at least those
  shown when it has an entry `"…": "…"`), each item of a list matches the first item
  shown (`[]` stands for any list), a value `"…"` or `null` stands for anything, and
  other values match by type, except the values of `code`, `status` and `field`,
  which match exactly.
"""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.xdist_group("demo_server")

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "api.md"
DOCUMENTED_BASE = "http://127.0.0.1:8000"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```$", re.MULTILINE | re.DOTALL)
ELLIPSIS = "…"
EXACT_KEYS = {"code", "status", "field"}


@dataclass
class Example:
    line: int
    script: str
    expected: str | None  # the ```http block after it, if any


def examples() -> list[Example]:
    text = GUIDE.read_text()
    blocks = list(FENCE.finditer(text))
    found = []
    for index, block in enumerate(blocks):
        if block.group(1) != "sh":
            continue
        after = blocks[index + 1] if index + 1 < len(blocks) else None
        shows = (
            after is not None
            and after.group(1) == "http"
            and not text[block.end() : after.start()].strip()
        )
        found.append(
            Example(
                line=text.count("\n", 0, block.start()) + 1,
                script=block.group(2),
                expected=after.group(2) if shows and after is not None else None,
            )
        )
    return found


def _parse_http(raw: str) -> tuple[int, dict[str, str], str]:
    head, _, body = raw.replace("\r\n", "\n").partition("\n\n")
    lines = head.strip("\n").split("\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers, body.strip()


def _same_shape(shown: Any, actual: Any, path: str = "$") -> list[str]:
    if shown is None or shown == ELLIPSIS:
        return []
    if isinstance(shown, dict):
        if not isinstance(actual, dict):
            return [f"{path}: expected an object, got {actual!r}"]
        keys = set(shown) - {ELLIPSIS}
        problems = []
        if ELLIPSIS in shown:
            problems += [f"{path}: missing {k}" for k in sorted(keys - set(actual))]
        elif keys != set(actual):
            problems.append(f"{path}: keys {sorted(actual)} != shown {sorted(keys)}")
        for key in sorted(keys & set(actual)):
            if key in EXACT_KEYS and not isinstance(shown[key], dict | list):
                if shown[key] != actual[key]:
                    problems.append(f"{path}.{key}: {actual[key]!r} != shown {shown[key]!r}")
                continue
            problems += _same_shape(shown[key], actual[key], f"{path}.{key}")
        return problems
    if isinstance(shown, list):
        if not isinstance(actual, list):
            return [f"{path}: expected a list, got {actual!r}"]
        if not shown:
            return []
        if not actual:
            return [f"{path}: expected items, got an empty list"]
        return [
            p for i, item in enumerate(actual) for p in _same_shape(shown[0], item, f"{path}[{i}]")
        ]
    if type(shown) is not type(actual) and not (
        isinstance(shown, float | int)
        and isinstance(actual, float | int)
        and not isinstance(actual, bool)
    ):
        return [f"{path}: {actual!r} is not like shown {shown!r}"]
    return []


def _compare(example: Example, output: str) -> list[str]:
    assert example.expected is not None
    status, headers, body = _parse_http(example.expected)
    got_status, got_headers, got_body = _parse_http(output)
    problems = []
    if got_status != status:
        problems.append(f"status {got_status} != shown {status}: {got_body[:300]}")
    for name, value in headers.items():
        if name not in got_headers:
            problems.append(f"header {name} missing")
        elif value != ELLIPSIS and got_headers[name] != value:
            problems.append(f"header {name}: {got_headers[name]!r} != shown {value!r}")
    if body:
        problems += _same_shape(json.loads(body), json.loads(got_body))
    return problems


EXAMPLES = examples()


def test_the_guide_has_tested_examples() -> None:
    assert len([e for e in EXAMPLES if e.expected]) >= 10


def test_every_example_in_the_guide_answers_as_shown(demo_server: str, tmp_path: Path) -> None:
    outputs = tmp_path / "out"
    outputs.mkdir()
    script = ["set -u"]
    for index, example in enumerate(EXAMPLES):
        body = example.script.replace(DOCUMENTED_BASE, demo_server)
        script.append(
            f"{{\n{body}\n}} > {outputs}/{index} 2>&1 || {{ echo $? > {outputs}/{index}.failed; }}"
        )
    result = subprocess.run(
        ["bash", "-c", "\n".join(script)], capture_output=True, text=True, timeout=600, check=False
    )
    assert result.returncode == 0, result.stderr

    failures = []
    for index, example in enumerate(EXAMPLES):
        output = (outputs / str(index)).read_text()
        where = f"docs/api.md:{example.line}"
        if (outputs / f"{index}.failed").exists():
            failures.append(f"{where}: exited non-zero\n{output}")
        elif example.expected is not None:
            failures += [f"{where}: {problem}" for problem in _compare(example, output)]
    assert not failures, "\n".join(failures)
