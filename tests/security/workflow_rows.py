"""Persona-table rows for the workflows routes (tickets, comments, taxonomy, saved views).

Objects are made per case by each row's request builder: acme's ticket is
requested by acme's requester, so the outsider (globex admin) must get 404.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.test.utils import override_settings

from workflows import services
from workflows.models import Category, Comment, ReopenApproval, SavedView, Tag, Ticket

if TYPE_CHECKING:
    from tests.security.test_url_personas import Request, Row, World


def _ticket(world: World, **changes: Any) -> Ticket:
    requester = world.personas["requester"]
    admin = world.personas["admin"]
    assert requester is not None and admin is not None
    ticket = services.ticket_create(
        actor=requester,
        title="Printer jams",
        description="It *jams*.",
        priority=changes.get("priority", "medium"),
    )
    for step in changes.get("path", ()):
        services.ticket_transition(actor=admin, ticket=ticket, name=step)
    return ticket


def _comment(world: World) -> tuple[Ticket, Comment]:
    ticket = _ticket(world)
    agent = world.personas["agent"]
    assert agent is not None
    return ticket, services.comment_create(actor=agent, ticket=ticket, body="On it.")


def _approval(world: World) -> tuple[Ticket, ReopenApproval]:
    ticket = _ticket(world, priority="high", path=("open", "resolve"))
    requester = world.personas["requester"]
    assert requester is not None
    with override_settings(RULEDESK_REOPEN_COOLDOWN_SECONDS=0):
        approval = services.ticket_transition(
            actor=requester, ticket=ticket, name="reopen", reason="Still broken."
        )
    assert isinstance(approval, ReopenApproval)
    return ticket, approval


def _category(world: World, name: str = "Hardware") -> Category:
    return Category.objects.create(organization=world.acme, name=name)


def _tag(world: World, name: str = "printer") -> Tag:
    return Tag.objects.create(organization=world.acme, name=name)


def ticket_path(suffix: str = "", body: Any = None, **changes: Any) -> Request:
    return lambda world, persona: (f"/api/v1/tickets/{_ticket(world, **changes).pk}{suffix}", body)


def comment_detail(world: World, persona: str) -> tuple[str, Any]:
    ticket, comment = _comment(world)
    return f"/api/v1/tickets/{ticket.pk}/comments/{comment.pk}", None


def approval_decision(decision: str) -> Request:
    def build(world: World, persona: str) -> tuple[str, Any]:
        ticket, approval = _approval(world)
        return f"/api/v1/tickets/{ticket.pk}/reopen-approvals/{approval.pk}/{decision}", None

    return build


def bulk(world: World, persona: str) -> tuple[str, Any]:
    ticket = _ticket(world)
    return "/api/v1/tickets/bulk", {
        "ids": [ticket.pk],
        "action": "set_priority",
        "priority": "high",
    }


def category_path(suffix: str = "", body: Any = None) -> Request:
    return lambda world, persona: (f"/api/v1/categories/{_category(world).pk}{suffix}", body)


def category_merge(world: World, persona: str) -> tuple[str, Any]:
    source, target = _category(world), _category(world, "Devices")
    return f"/api/v1/categories/{source.pk}/merge", {"into": target.pk}


def tag_path(suffix: str = "", body: Any = None) -> Request:
    return lambda world, persona: (f"/api/v1/tags/{_tag(world).pk}{suffix}", body)


def tag_merge(world: World, persona: str) -> tuple[str, Any]:
    source, target = _tag(world), _tag(world, "printers")
    return f"/api/v1/tags/{source.pk}/merge", {"into": target.pk}


def agents_view(body: Any = None) -> Request:
    def build(world: World, persona: str) -> tuple[str, Any]:
        agent = world.personas["agent"]
        assert agent is not None
        view = SavedView.objects.create(
            organization=world.acme, owner=agent, name="Mine", filters={"status": "open"}
        )
        return f"/api/v1/saved-views/{view.pk}", body

    return build


def _macro(world: World) -> Any:
    from workflows.collab import macros

    admin = world.personas["admin"]
    assert admin is not None
    return macros.macro_create(actor=admin, name="Bump", body="", priority="high")


def macro_path(tail: str = "", body: Any = None) -> Request:
    def build(world: World, persona: str) -> tuple[str, Any]:
        return f"/api/v1/macros/{_macro(world).pk}{tail}", body

    return build


def ticket_macro(action: str) -> Request:
    def build(world: World, persona: str) -> tuple[str, Any]:
        ticket = _ticket(world)
        return f"/api/v1/tickets/{ticket.pk}/macros/{_macro(world).pk}/{action}", {}

    return build


def macro_rows(row: type[Row], expect: Any, at: Any) -> tuple[Row, ...]:
    acme_macro_read = expect(admin=200, agent=200, requester=404, outsider=404, anonymous=401)
    acme_macro_write = expect(admin=200, agent=403, requester=404, outsider=404, anonymous=401)
    return (
        row(
            "api/v1/macros",
            "GET",
            at("/api/v1/macros"),
            expect(admin=200, agent=200, requester=200, outsider=200, anonymous=401),
        ),
        row(
            "api/v1/macros",
            "POST",
            at("/api/v1/macros", {"name": "Thanks", "body": "Thank you!"}),
            expect(admin=201, agent=403, requester=403, outsider=201, anonymous=401),
        ),
        row("api/v1/macros/<int:pk>", "GET", macro_path(), acme_macro_read),
        row(
            "api/v1/macros/<int:pk>", "PATCH", macro_path(body={"name": "Raise"}), acme_macro_write
        ),
        row(
            "api/v1/macros/<int:pk>",
            "DELETE",
            macro_path(),
            expect(admin=204, agent=403, requester=404, outsider=404, anonymous=401),
        ),
        row(
            "api/v1/tickets/<int:pk>/macros/<int:macro_id>/preview",
            "POST",
            ticket_macro("preview"),
            acme_macro_read,
        ),
        row(
            "api/v1/tickets/<int:pk>/macros/<int:macro_id>/apply",
            "POST",
            ticket_macro("apply"),
            acme_macro_read,
        ),
    )


def rows(row: type[Row], expect: Any, at: Any) -> tuple[Row, ...]:
    everyone_in_org = expect(admin=200, agent=200, requester=200, outsider=200, anonymous=401)
    created_by_all = expect(admin=201, agent=201, requester=201, outsider=201, anonymous=401)
    acme_ticket_read = expect(admin=200, agent=200, requester=200, outsider=404, anonymous=401)
    staff_on_acme = expect(admin=200, agent=200, requester=403, outsider=404, anonymous=401)
    admin_on_acme = expect(admin=200, agent=403, requester=403, outsider=404, anonymous=401)
    admin_create = expect(admin=201, agent=403, requester=403, outsider=201, anonymous=401)
    admin_delete = expect(admin=204, agent=403, requester=403, outsider=404, anonymous=401)
    owner_only = expect(admin=404, agent=200, requester=404, outsider=404, anonymous=401)
    return (
        row("api/v1/tickets", "GET", at("/api/v1/tickets"), everyone_in_org),
        row("api/v1/tickets", "POST", at("/api/v1/tickets", {"title": "Help"}), created_by_all),
        row(
            "api/v1/tickets/bulk",
            "POST",
            bulk,
            expect(admin=200, agent=200, requester=403, outsider=200, anonymous=401),
        ),
        row("api/v1/tickets/<int:pk>", "GET", ticket_path(), acme_ticket_read),
        row(
            "api/v1/tickets/<int:pk>", "PATCH", ticket_path("", {"priority": "high"}), staff_on_acme
        ),
        row(
            "api/v1/tickets/<int:pk>/transitions",
            "GET",
            ticket_path("/transitions"),
            acme_ticket_read,
        ),
        row(
            "api/v1/tickets/<int:pk>/transitions",
            "POST",
            ticket_path("/transitions", {"name": "open"}),
            staff_on_acme,
        ),
        row("api/v1/tickets/<int:pk>/history", "GET", ticket_path("/history"), acme_ticket_read),
        row("api/v1/tickets/<int:pk>/comments", "GET", ticket_path("/comments"), acme_ticket_read),
        row(
            "api/v1/tickets/<int:pk>/comments",
            "POST",
            ticket_path("/comments", {"body": "Hi"}),
            expect(admin=201, agent=201, requester=201, outsider=404, anonymous=401),
        ),
        row(
            "api/v1/tickets/<int:pk>/comments/<int:comment_id>",
            "GET",
            comment_detail,
            acme_ticket_read,
        ),
        row(
            "api/v1/tickets/<int:pk>/reopen-approvals",
            "GET",
            ticket_path("/reopen-approvals"),
            staff_on_acme,
        ),
        row(
            "api/v1/tickets/<int:pk>/reopen-approvals/<int:approval_id>/approve",
            "POST",
            approval_decision("approve"),
            staff_on_acme,
        ),
        row(
            "api/v1/tickets/<int:pk>/reopen-approvals/<int:approval_id>/reject",
            "POST",
            approval_decision("reject"),
            staff_on_acme,
        ),
        row("api/v1/categories", "GET", at("/api/v1/categories"), everyone_in_org),
        row(
            "api/v1/categories", "POST", at("/api/v1/categories", {"name": "Network"}), admin_create
        ),
        row("api/v1/categories/<int:pk>", "GET", category_path(), acme_ticket_read),
        row(
            "api/v1/categories/<int:pk>", "PATCH", category_path("", {"name": "Kit"}), admin_on_acme
        ),
        row("api/v1/categories/<int:pk>", "DELETE", category_path(), admin_delete),
        row("api/v1/categories/<int:pk>/archive", "POST", category_path("/archive"), admin_on_acme),
        row("api/v1/categories/<int:pk>/merge", "POST", category_merge, admin_on_acme),
        row("api/v1/tags", "GET", at("/api/v1/tags"), everyone_in_org),
        row("api/v1/tags", "POST", at("/api/v1/tags", {"name": "urgent"}), admin_create),
        row("api/v1/tags/<int:pk>", "GET", tag_path(), acme_ticket_read),
        row("api/v1/tags/<int:pk>", "PATCH", tag_path("", {"name": "printing"}), admin_on_acme),
        row("api/v1/tags/<int:pk>", "DELETE", tag_path(), admin_delete),
        row("api/v1/tags/<int:pk>/archive", "POST", tag_path("/archive"), admin_on_acme),
        row("api/v1/tags/<int:pk>/merge", "POST", tag_merge, admin_on_acme),
        row("api/v1/saved-views", "GET", at("/api/v1/saved-views"), everyone_in_org),
        row(
            "api/v1/saved-views",
            "POST",
            at("/api/v1/saved-views", {"name": "Open", "filters": {"status": "open"}}),
            created_by_all,
        ),
        row("api/v1/saved-views/<int:pk>", "GET", agents_view(), owner_only),
        row("api/v1/saved-views/<int:pk>", "PATCH", agents_view({"name": "Renamed"}), owner_only),
        row(
            "api/v1/saved-views/<int:pk>",
            "DELETE",
            agents_view(),
            expect(admin=404, agent=204, requester=404, outsider=404, anonymous=401),
        ),
    ) + macro_rows(row, expect, at)
