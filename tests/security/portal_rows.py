"""Persona-table rows for the web UI (portal) routes; every portal route has a row here.

Portal requests run on a session (force_login), not a token. Anonymous visitors
are sent to /login; a requester never opens /desk/ or /console/ (403); acme's
objects (a ticket, the agent's notification) are invisible to the outsider (404).
The outsider is globex's admin, and globex has no tickets, so no number matches.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ruledesk.notifications.models import Notification
from tests import factories
from workflows import services
from workflows.services import saved_views

if TYPE_CHECKING:
    from tests.security.test_url_personas import Request, Row, World

LOGIN_PREFIX = "/login?next="


def _agents_notification(action: str) -> Request:
    def build(world: World, persona: str) -> tuple[str, Any]:
        agent = world.personas["agent"]
        assert agent is not None
        notification = Notification.objects.create(
            organization=world.acme,
            recipient=agent,
            event="ticket.assigned",
            kind="ticket.assigned",
            title="Assigned to you: ACME-1",
            ticket_id=1,
            ticket_number="ACME-1",
            audience="agent",
            dedup_key=f"portal:{action}:{persona}",
        )
        return f"/notifications/{notification.pk}/{action}", None

    return build


def _acme_ticket(prefix: str) -> Request:
    def build(world: World, persona: str) -> tuple[str, Any]:
        requester = world.personas["requester"]
        assert requester is not None
        ticket = services.ticket_create(actor=requester, title="Printer jams", description="")
        return f"{prefix}ACME-{ticket.number}", None

    return build


def _desk(tail: str, body: Any = None, *, approval: bool = False, macro: bool = False) -> Request:
    """A path under acme's ticket in the desk (with an approval or a macro when asked)."""

    def build(world: World, persona: str) -> tuple[str, Any]:
        from django.test.utils import override_settings

        from workflows.collab import macros

        requester, admin = world.personas["requester"], world.personas["admin"]
        assert requester is not None and admin is not None
        ticket = services.ticket_create(
            actor=requester, title="Printer jams", description="", priority="high"
        )
        path = tail
        if approval:
            services.ticket_transition(actor=admin, ticket=ticket, name="resolve")
            with override_settings(RULEDESK_REOPEN_COOLDOWN_SECONDS=0):
                found = services.ticket_transition(
                    actor=requester, ticket=ticket, name="reopen", reason="Again"
                )
            path = tail.format(pk=found.pk)
        if macro:
            made = macros.macro_create(actor=admin, name="Bump", body="", priority="critical")
            path = tail.format(pk=made.pk)
        return f"/desk/tickets/ACME-{ticket.number}{path}", body

    return build


def _agents_view(action: str) -> Request:
    def build(world: World, persona: str) -> tuple[str, Any]:
        agent = world.personas["agent"]
        assert agent is not None
        view = saved_views.saved_view_create(actor=agent, name=f"Mine {persona}", filters={})
        return f"/desk/views/{view.pk}/{action}", {"state": "cols=title,status"}

    return build


def desk_rows(row: type[Row], expect: Any) -> tuple[Row, ...]:
    read = expect(admin=200, agent=200, requester=403, outsider=404, anonymous=302)
    write = expect(admin=302, agent=302, requester=403, outsider=404, anonymous=302)
    t = "desk/tickets/<str:number>"
    return (
        row(f"{t}/title", "POST", _desk("/title", {"title": "Renamed"}), write),
        row(f"{t}/transition", "POST", _desk("/transition", {"name": "open"}), write),
        row(
            f"{t}/properties",
            "POST",
            _desk("/properties", {"field": "priority", "value": "low"}),
            write,
        ),
        row(f"{t}/pick/<str:kind>", "GET", _desk("/pick/assignee?q=a"), read),
        row(
            f"{t}/approvals/<int:pk>",
            "POST",
            _desk("/approvals/{pk}", {"decision": "approve"}, approval=True),
            write,
        ),
        row(
            f"{t}/comments",
            "POST",
            _desk("/comments", {"body": "Noted", "visibility": "internal"}),
            write,
        ),
        row(f"{t}/preview", "POST", _desk("/preview", {"body": "**hi**"}), read),
        row(f"{t}/mentions", "GET", _desk("/mentions?mention=a"), read),
        row(f"{t}/macros/<int:macro_id>", "GET", _desk("/macros/{pk}", macro=True), read),
        row(f"{t}/macros/<int:macro_id>", "POST", _desk("/macros/{pk}", {}, macro=True), write),
        row(f"{t}/presence", "POST", _desk("/presence", {"seen": ""}), read),
    )


def _own_credentials(world: World, persona: str) -> tuple[str, Any]:
    user = world.personas[persona]
    email = user.email if user is not None else "nobody@acme.test"
    return "/login", {"email": email, "password": factories.PASSWORD}


def rows(row: type[Row], expect: Any, at: Any) -> tuple[Row, ...]:
    members = expect(admin=200, agent=200, requester=200, outsider=200, anonymous=302)
    members_post = expect(admin=302, agent=302, requester=302, outsider=302, anonymous=302)
    everyone_redirected = members_post
    staff = expect(admin=200, agent=200, requester=403, outsider=200, anonymous=302)
    # A staff POST without its required fields: 400 with the reason, never a change.
    staff_refused = expect(admin=400, agent=400, requester=403, outsider=400, anonymous=302)
    # The agent's personal view: hidden from the admin and the outsider; the desk is closed
    # to requesters before any object is looked up.
    agents_view = expect(admin=404, agent=302, requester=403, outsider=404, anonymous=302)
    admins = expect(admin=200, agent=403, requester=403, outsider=200, anonymous=302)
    agents_own = expect(admin=404, agent=302, requester=404, outsider=404, anonymous=302)
    profile = {"name": "Renamed", "locale": "en", "theme": "dark", "shortcuts_enabled": "on"}
    return (
        row("", "GET", at("/"), everyone_redirected),
        row(
            "login",
            "GET",
            at("/login"),
            expect(admin=302, agent=302, requester=302, outsider=302, anonymous=200),
        ),
        row(
            "login",
            "POST",
            _own_credentials,
            expect(admin=302, agent=302, requester=302, outsider=302, anonymous=200),
        ),
        row("logout", "GET", at("/logout"), members),
        row("logout", "POST", at("/logout", {}), everyone_redirected),
        row("password-reset", "GET", at("/password-reset"), expect(**_all(200))),
        row(
            "password-reset",
            "POST",
            at("/password-reset", {"email": "someone@acme.test"}),
            everyone_redirected,
        ),
        row("password-reset/sent", "GET", at("/password-reset/sent"), expect(**_all(200))),
        row(
            "password-reset/<str:uidb64>/<str:token>",
            "GET",
            at("/password-reset/MQ/bogus-token"),
            expect(**_all(410)),
        ),
        row(
            "password-reset/<str:uidb64>/<str:token>",
            "POST",
            at(
                "/password-reset/MQ/bogus-token",
                {"password": "a-new-password-123", "password_again": "a-new-password-123"},
            ),
            expect(**_all(410)),
        ),
        row("language", "POST", at("/language", {"language": "pl"}), everyone_redirected),
        row("account", "GET", at("/account"), members),
        row("account", "POST", at("/account", profile), members_post),
        row(
            "account/notifications",
            "POST",
            at("/account/notifications", {"ticket.created:email": "on"}),
            members_post,
        ),
        row("notifications", "GET", at("/notifications"), members),
        row("notifications/unread", "GET", at("/notifications/unread"), members),
        row("notifications/read-all", "POST", at("/notifications/read-all", {}), members_post),
        row("notifications/<int:pk>/read", "POST", _agents_notification("read"), agents_own),
        row("notifications/<int:pk>/open", "GET", _agents_notification("open"), agents_own),
        row("desk/", "GET", at("/desk/"), staff),
        row(
            "desk/tickets/<str:number>",
            "GET",
            _acme_ticket("/desk/tickets/"),
            expect(admin=200, agent=200, requester=403, outsider=404, anonymous=302),
        ),
        *desk_work_rows(row, expect, at, staff),
        row(
            "desk/search",
            "GET",
            at("/desk/search?q=printer"),
            expect(admin=302, agent=302, requester=403, outsider=302, anonymous=302),
        ),
        row("desk/pick/<str:kind>", "GET", at("/desk/pick/team?text=a"), staff),
        row("desk/bulk", "POST", at("/desk/bulk", {"action": "assign"}), staff_refused),
        row("desk/views", "POST", at("/desk/views", {"name": ""}), staff_refused),
        row("desk/views/<int:pk>/columns", "POST", _agents_view("columns"), agents_view),
        row("desk/views/<int:pk>/delete", "POST", _agents_view("delete"), agents_view),
        row("help/", "GET", at("/help/"), members),
        row(
            "help/requests/<str:number>",
            "GET",
            _acme_ticket("/help/requests/"),
            expect(admin=200, agent=200, requester=200, outsider=404, anonymous=302),
        ),
        row("console/", "GET", at("/console/"), admins),
    ) + desk_rows(row, expect)


def _acme_move(world: World, persona: str) -> tuple[str, Any]:
    requester = world.personas["requester"]
    assert requester is not None
    ticket = services.ticket_create(actor=requester, title="Move me", description="")
    return "/desk/board/move", {"number": f"ACME-{ticket.number}", "seen": "new", "to": "open"}


def desk_work_rows(row: type[Row], expect: Any, at: Any, staff: Any) -> tuple[Row, ...]:
    """The board, new ticket, dashboard and shortcut routes (portal/urls_desk_work.py)."""
    staff_post = expect(admin=302, agent=302, requester=403, outsider=404, anonymous=302)
    return (
        row("desk/board", "GET", at("/desk/board"), staff),
        row("desk/board/column/<str:status>", "GET", at("/desk/board/column/open"), staff),
        row("desk/board/move", "POST", _acme_move, staff_post),
        row("desk/dashboard", "GET", at("/desk/dashboard"), staff),
        row("desk/shortcuts", "GET", at("/desk/shortcuts"), staff),
        row("desk/tickets/new", "GET", at("/desk/tickets/new"), staff),
        row(
            "desk/tickets/new",
            "POST",
            at("/desk/tickets/new", {"title": "", "create": "1"}),
            expect(admin=400, agent=400, requester=403, outsider=400, anonymous=302),
        ),
        row(
            "desk/tickets/new/options/<str:kind>",
            "GET",
            at("/desk/tickets/new/options/requester?requester_q=a"),
            staff,
        ),
    )


def _all(status: int) -> dict[str, int]:
    return dict.fromkeys(("admin", "agent", "requester", "outsider", "anonymous"), status)
