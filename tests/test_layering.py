"""The dependency direction of docs/architecture.md, checked on the source.

Each app imports only the floors below it, and the domain (workflows, the rules
engine) never reaches into the REST package: the portal and the API both build on
the domain, so neither may be the domain's foundation.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def source_files(package: str, *, skip: tuple[str, ...] = ()) -> Iterator[Path]:
    """Every Python file of `package` (a top-level directory), minus migrations and `skip`
    (subpackage names, e.g. "api", at any depth)."""
    base = ROOT / package
    for path in sorted(base.rglob("*.py")):
        parts = path.relative_to(base).parts[:-1]
        if "migrations" in parts or any(part in skip for part in parts):
            continue
        yield path


def imported_modules(path: Path) -> Iterator[tuple[int, str]]:
    """(line, dotted name) of every import in a file, at any depth (function-level too)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module
            for alias in node.names:  # `from ruledesk import api` imports ruledesk.api
                yield node.lineno, f"{node.module}.{alias.name}"


def offending(paths: Iterator[Path], forbidden: tuple[str, ...]) -> list[str]:
    found = []
    for path in paths:
        where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        for line, module in imported_modules(path):
            if any(module == name or module.startswith(name + ".") for name in forbidden):
                found.append(f"{where}:{line} imports {module}")
    return sorted(set(found))


REST = ("ruledesk.api", "rest_framework", "drf_spectacular")


@pytest.mark.parametrize("package", ["workflows", "rules_engine"])
def test_the_domain_outside_its_api_package_imports_nothing_of_the_rest_api(
    package: str,
) -> None:
    files = list(source_files(package, skip=("api",)))
    assert len(files) > 10  # the walk found the app's modules
    assert offending(iter(files), REST) == []


def test_the_platform_floor_imports_no_app_above_it() -> None:
    composition_root = {"settings.py", "urls.py", "wsgi.py", "asgi.py"}
    files = (
        path
        for path in source_files("ruledesk")
        if path.relative_to(ROOT / "ruledesk").as_posix() not in composition_root
    )
    above = ("workflows", "rules_engine", "portal", "kb", "reporting", "fixtures")
    assert offending(files, above) == []


def test_workflows_import_only_the_platform() -> None:
    above = ("rules_engine", "portal", "kb", "reporting", "fixtures")
    assert offending(source_files("workflows"), above) == []


def test_the_rules_engine_imports_no_interface_or_read_model() -> None:
    above = ("portal", "kb", "reporting", "fixtures")
    assert offending(source_files("rules_engine"), above) == []


def test_the_walk_sees_a_forbidden_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from ruledesk import api\n"
        "def f():\n"
        "    from rest_framework.request import Request\n"
        "from ruledesk.keyset import SortKey\n"
    )
    found = [module for _, module in imported_modules(sample)]
    assert "ruledesk.api" in found
    assert "rest_framework.request" in found
    assert offending(iter([sample]), ("ruledesk.api",)) != []


def test_the_action_context_breaks_the_actions_notify_circle() -> None:
    engine = ROOT / "rules_engine"
    assert offending(iter([engine / "notify.py"]), ("rules_engine.actions",)) == []
    assert (
        offending(iter([engine / "context.py"]), ("rules_engine.actions", "rules_engine.notify"))
        == []
    )
