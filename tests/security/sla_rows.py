"""Persona-table rows for the sla routes; every route of that API has a row here.

Calendars and policies named by a URL belong to acme, so the outsider (globex's
admin) gets 404; lists show the caller's own organization. Reads are for staff
(requesters 403), writes and simulate for admins (sla.manage).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from workflows.sla.models import BusinessCalendar, SlaPolicy

if TYPE_CHECKING:
    from tests.security.test_url_personas import Request, Row, World

HOURS = {"mon": [["09:00", "17:00"]], "tue": [["09:00", "12:00"], ["13:00", "17:00"]]}


def _calendar(world: World, name: str = "Office") -> BusinessCalendar:
    return BusinessCalendar.objects.create(
        organization=world.acme, name=name, timezone="Europe/Warsaw", hours=HOURS
    )


def _policy(world: World) -> SlaPolicy:
    return SlaPolicy.objects.create(
        organization=world.acme,
        name="Standard",
        calendar=_calendar(world),
        first_response_minutes=60,
        resolution_minutes=480,
    )


def calendar_path(body: Any = None) -> Request:
    return lambda world, persona: (f"/api/v1/business-calendars/{_calendar(world).pk}", body)


def policy_path(body: Any = None) -> Request:
    return lambda world, persona: (f"/api/v1/sla-policies/{_policy(world).pk}", body)


def new_policy(world: World, persona: str) -> tuple[str, Any]:
    user = world.personas[persona]
    org = user.organization if user is not None and user.organization else world.acme
    calendar = BusinessCalendar.objects.create(
        organization=org, name="Office", timezone="UTC", hours=HOURS
    )
    return "/api/v1/sla-policies", {
        "name": "Gold",
        "calendar": calendar.pk,
        "first_response_minutes": 30,
        "resolution_minutes": 240,
    }


def simulate(world: World, persona: str) -> tuple[str, Any]:
    path, body = new_policy(world, persona)
    body.pop("name")
    return "/api/v1/sla-policies/simulate", {
        "policy": body,
        "from": "2026-01-01",
        "to": "2027-01-01",
    }


def rows(row: type[Row], expect: Any, at: Any) -> tuple[Row, ...]:
    staff_read = expect(admin=200, agent=200, requester=403, outsider=200, anonymous=401)
    staff_read_acme = expect(admin=200, agent=200, requester=403, outsider=404, anonymous=401)
    admin_create = expect(admin=201, agent=403, requester=403, outsider=201, anonymous=401)
    admin_only = expect(admin=200, agent=403, requester=403, outsider=200, anonymous=401)
    admin_on_acme = expect(admin=200, agent=403, requester=403, outsider=404, anonymous=401)
    admin_delete = expect(admin=204, agent=403, requester=403, outsider=404, anonymous=401)
    calendar_body = {"name": "Support hours", "timezone": "Europe/Warsaw", "hours": HOURS}
    return (
        row("api/v1/business-calendars", "GET", at("/api/v1/business-calendars"), staff_read),
        row(
            "api/v1/business-calendars",
            "POST",
            at("/api/v1/business-calendars", calendar_body),
            admin_create,
        ),
        row("api/v1/business-calendars/<int:pk>", "GET", calendar_path(), staff_read_acme),
        row(
            "api/v1/business-calendars/<int:pk>",
            "PATCH",
            calendar_path({"holidays": ["2026-12-25"]}),
            admin_on_acme,
        ),
        row("api/v1/business-calendars/<int:pk>", "DELETE", calendar_path(), admin_delete),
        row("api/v1/sla-policies", "GET", at("/api/v1/sla-policies"), staff_read),
        row("api/v1/sla-policies", "POST", new_policy, admin_create),
        row("api/v1/sla-policies/<int:pk>", "GET", policy_path(), staff_read_acme),
        row(
            "api/v1/sla-policies/<int:pk>",
            "PATCH",
            policy_path({"reminder_percent": 90}),
            admin_on_acme,
        ),
        row("api/v1/sla-policies/<int:pk>", "DELETE", policy_path(), admin_delete),
        row(
            "api/v1/sla-policies/preview",
            "POST",
            at("/api/v1/sla-policies/preview", {"priority": "high"}),
            staff_read,
        ),
        row("api/v1/sla-policies/simulate", "POST", simulate, admin_only),
    )
