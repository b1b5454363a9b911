"""Persona-table rows for the rules routes; every route of that API has a row here.

Rules are admin-only (`rules.manage`): agents and requesters get 403 on acme's
rules, the outsider (globex's admin) 404 on them and 200 on its own lists.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rules_engine import services
from rules_engine.models import Rule
from workflows import services as tickets
from workflows.models import Ticket

if TYPE_CHECKING:
    from tests.security.test_url_personas import Request, Row, World

RULE = {
    "name": "High for VIPs",
    "event": "ticket.created",
    "conditions": {"all": [{"field": "ticket.tags", "operator": "contains", "value": "vip"}]},
    "actions": [{"type": "set_priority", "priority": "high"}],
}


def _rule(world: World) -> Rule:
    admin = world.personas["admin"]
    assert admin is not None
    return services.rule_create(actor=admin, data=RULE)


def _ticket(world: World) -> Ticket:
    requester = world.personas["requester"]
    assert requester is not None
    return tickets.ticket_create(actor=requester, title="Printer jams")


def rule_path(suffix: str = "", body: Any = None) -> Request:
    return lambda world, persona: (f"/api/v1/rules/{_rule(world).pk}{suffix}", body)


def rule_dry_run(world: World, persona: str) -> tuple[str, Any]:
    return f"/api/v1/rules/{_rule(world).pk}/dry-run", {"ticket": _ticket(world).pk}


def draft_dry_run(world: World, persona: str) -> tuple[str, Any]:
    return "/api/v1/rules/dry-run", {"rule": RULE, "ticket": _ticket(world).pk}


def ticket_executions(world: World, persona: str) -> tuple[str, Any]:
    return f"/api/v1/tickets/{_ticket(world).pk}/rule-executions", None


def rows(row: type[Row], expect: Any, at: Any) -> tuple[Row, ...]:
    admin_list = expect(admin=200, agent=403, requester=403, outsider=200, anonymous=401)
    admin_create = expect(admin=201, agent=403, requester=403, outsider=201, anonymous=401)
    admin_on_acme = expect(admin=200, agent=403, requester=403, outsider=404, anonymous=401)
    admin_delete = expect(admin=204, agent=403, requester=403, outsider=404, anonymous=401)
    return (
        row("api/v1/rules", "GET", at("/api/v1/rules"), admin_list),
        row("api/v1/rules", "POST", at("/api/v1/rules", RULE), admin_create),
        row("api/v1/rules/vocabulary", "GET", at("/api/v1/rules/vocabulary"), admin_list),
        row(
            "api/v1/rules/dry-run",
            "POST",
            draft_dry_run,
            # The outsider names a ticket of another organization: "no such ticket" (400).
            expect(admin=200, agent=403, requester=403, outsider=400, anonymous=401),
        ),
        row("api/v1/rules/<int:pk>", "GET", rule_path(), admin_on_acme),
        row("api/v1/rules/<int:pk>", "PATCH", rule_path("", {"active": False}), admin_on_acme),
        row("api/v1/rules/<int:pk>", "DELETE", rule_path(), admin_delete),
        row("api/v1/rules/<int:pk>/dry-run", "POST", rule_dry_run, admin_on_acme),
        row("api/v1/rules/<int:pk>/executions", "GET", rule_path("/executions"), admin_on_acme),
        row("api/v1/tickets/<int:pk>/rule-executions", "GET", ticket_executions, admin_on_acme),
    )
