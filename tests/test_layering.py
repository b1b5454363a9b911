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


# --- Interfaces: the portal and the REST API -------------------------------------------

INTERFACE_REST = ("rest_framework", "drf_spectacular")


def _imports_an_api_package(module: str) -> bool:
    return ".api." in f".{module}." or module.split(".")[0] in INTERFACE_REST


def test_the_portal_imports_no_rest_api_package() -> None:
    """Portal views call services and selectors, never serializers, presenters or API views."""
    files = list(source_files("portal"))
    assert files  # portal/__init__.py and apps.py at least: the walk sees the package
    found = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in files
        for line, module in imported_modules(path)
        if _imports_an_api_package(module)
    ]
    assert found == []


MANAGERS = ("objects", "live", "_default_manager")
# API modules that read through a model manager today, each with why. New code reads
# through selectors (scoped, prefetched) instead; an entry no longer used must go.
MANAGER_ALLOWED: dict[tuple[str, str], str] = {
    ("ruledesk/api/authentication.py", "ApiToken.objects"): "the API's own bearer tokens",
    ("ruledesk/api/idempotency.py", "IdempotencyRecord.objects"): "the API's own replay records",
    ("ruledesk/api/base.py", "self.model._default_manager"): (
        "OrgScopedView.get_queryset: the one place that applies policy.scope to a model"
    ),
    ("ruledesk/audit/api/views.py", "AuditEvent.objects"): "scoped by policy.scope in the view",
    ("ruledesk/notifications/api/views.py", "Notification.objects"): "the caller's own feed",
    ("ruledesk/notifications/api/views.py", "NotificationTemplate.objects"): (
        "scoped by policy.scope / access_object in the view"
    ),
    ("workflows/api/presenters.py", "Ticket.objects"): (
        "transitions of a row when the memo is off (MEMOIZABLE false), by the row's own id"
    ),
    ("workflows/api/sla.py", "BusinessCalendar.objects"): "scoped by policy.scope in the view",
    ("workflows/api/sla.py", "SlaPolicy.objects"): "scoped by policy.scope in the view",
    ("workflows/api/taxonomy.py", "Category.objects"): "scoped by policy.scope in the view",
    ("workflows/api/taxonomy.py", "Tag.objects"): "scoped by policy.scope in the view",
}


def manager_uses(path: Path) -> Iterator[tuple[int, str]]:
    """(line, `Model.objects`) for every model manager a file reaches for."""
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr in MANAGERS
            and isinstance(node.value, ast.Name | ast.Attribute)
        ):
            yield node.lineno, ast.unparse(node)


def interface_files() -> list[Path]:
    """The portal, and every REST package: ruledesk/api and each app's api/ subpackage."""
    files = list(source_files("portal"))
    for package in ("ruledesk", "workflows", "rules_engine"):
        for path in source_files(package):
            if "api" in path.relative_to(ROOT).parts[:-1]:
                files.append(path)
    return files


def test_interfaces_read_through_selectors_not_model_managers() -> None:
    files = interface_files()
    assert any(p.parts[-2:] == ("api", "views.py") for p in files)
    used: set[tuple[str, str]] = set()
    found = []
    for path in files:
        where = path.relative_to(ROOT).as_posix()
        for line, manager in manager_uses(path):
            key = (where, manager)
            if key in MANAGER_ALLOWED:
                used.add(key)
            else:
                found.append(f"{where}:{line} {manager}")
    assert found == []
    assert sorted(set(MANAGER_ALLOWED) - used) == []  # entries that are no longer needed


def test_the_manager_walk_sees_each_form(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "Ticket.objects.get(pk=1)\n"
        "User.live.filter(role='agent')\n"
        "models.Rule.objects.all()\n"
        "ticket.comments.all()\n"
        "selectors.tickets_visible_to(actor)\n"
    )
    assert [manager for _, manager in manager_uses(sample)] == [
        "Ticket.objects",
        "User.live",
        "models.Rule.objects",
    ]


@pytest.mark.parametrize(
    ("module", "forbidden"),
    [
        ("workflows.api.presenters", True),
        ("ruledesk.api", True),
        ("ruledesk.api.base", True),
        ("rest_framework.response", True),
        ("workflows.selectors", False),
        ("ruledesk.keyset", False),
        ("workflows.sla.services", False),
    ],
)
def test_what_counts_as_the_rest_api_for_the_portal(module: str, forbidden: bool) -> None:
    assert _imports_an_api_package(module) is forbidden
