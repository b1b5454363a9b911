"""Persona-table rows for the reporting routes: KPIs, survey requests, public survey links.

KPIs are for `reports.view` (agents and admins; the outsider reads its own organization).
A survey is requested on acme's ticket (404 for the outsider). A survey link needs no
sign-in: the token is the credential, so every persona gets the same answer, and each
case gets a fresh link.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from reporting import csat
from workflows import services
from workflows.models import Ticket

if TYPE_CHECKING:
    from tests.security.test_url_personas import Request, Row, World


def _resolved(world: World) -> Ticket:
    requester, admin = world.personas["requester"], world.personas["admin"]
    assert requester is not None and admin is not None
    ticket = services.ticket_create(actor=requester, title="Printer jams")
    services.ticket_transition(actor=admin, ticket=ticket, name="resolve")
    return ticket


def csat_request(world: World, persona: str) -> tuple[str, Any]:
    return f"/api/v1/tickets/{_resolved(world).pk}/csat-request", {}


def survey_link(prefix: str, body: Any = None) -> Request:
    def build(world: World, persona: str) -> tuple[str, Any]:
        admin = world.personas["admin"]
        assert admin is not None
        issued = csat.csat_request(actor=admin, ticket=_resolved(world))
        return f"{prefix}{issued.token}", body

    return build


def rows(row: type[Row], expect: Any, at: Any) -> tuple[Row, ...]:
    def everyone(status: int) -> dict[str, int]:
        answer: dict[str, int] = expect(
            admin=status, agent=status, requester=status, outsider=status, anonymous=status
        )
        return answer

    return (
        row(
            "api/v1/kpis",
            "GET",
            at("/api/v1/kpis"),
            expect(admin=200, agent=200, requester=403, outsider=200, anonymous=401),
        ),
        row(
            "api/v1/tickets/<int:pk>/csat-request",
            "POST",
            csat_request,
            expect(admin=201, agent=201, requester=403, outsider=404, anonymous=401),
        ),
        row("api/v1/csat/<str:token>", "GET", survey_link("/api/v1/csat/"), everyone(200)),
        row(
            "api/v1/csat/<str:token>",
            "POST",
            survey_link("/api/v1/csat/", {"score": 5}),
            everyone(201),
        ),
        row("csat/<str:token>", "GET", survey_link("/csat/"), everyone(200)),
        row("csat/<str:token>", "POST", survey_link("/csat/", {"score": "4"}), everyone(302)),
    )
