"""The KPI fixture: six tickets with hand-computed durations (docs/reporting.md).

Organization and calendar in Europe/Warsaw; business hours Mon-Fri 09:00-17:00 and
Sun 00:00-06:00 (so the DST night of Sunday 2026-10-25, when 02:00-03:00 happens twice,
is business time). Policy: first response 60, resolution 480 business minutes.

A  Mon 10-05 10:00 created; 10:30 reply; Tue 10-06 11:00 resolved.  team Support, Hardware
B  Wed 10-07 09:00 created; 09:05 open; 09:20 reply; 10:00 waiting on requester;
   Thu 10-08 10:00 resumed; 12:00 resolved.                          team Support, Hardware
C  Fri 10-09 16:30 created; Mon 10-12 09:15 reply; 10:00 resolved; Tue 10-13 09:00 reopened
   by the requester; 11:00 resolved again.                                        Software
D  Sun 10-25 00:30 CEST created; 04:30 CET reply (DST night); never resolved.     Software
E  Tue 10-27 09:00 created; nothing else.
F  Mon 09-28 09:00 created; 09:10 reply; Thu 10-01 09:00 resolved (before the period).
The SLA sweep then runs on 2026-11-02, flagging what breached while unresolved.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from ruledesk.tenancy.models import Organization, Role, Team, User
from tests import factories
from workflows import services
from workflows.models import Category, Ticket
from workflows.sla import services as sla
from workflows.sla.services.sweep import sla_sweep

WARSAW = ZoneInfo("Europe/Warsaw")
HOURS = {
    **{day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")},
    "sun": [["00:00", "06:00"]],
}


def local(text: str) -> datetime:
    """A Warsaw wall-clock time (the zone picks CEST or CET; fold=1 for the repeated hour)."""
    return datetime.fromisoformat(text).replace(tzinfo=WARSAW)


@dataclass
class Desk:
    org: Organization
    admin: User
    agent: User
    requester: User
    support: Team
    hardware: Category
    software: Category
    tickets: dict[str, Ticket]


def _at(moment: datetime) -> time_machine.travel:
    return time_machine.travel(moment, tick=False)


@pytest.fixture
def desk(db: None) -> Desk:
    org = factories.organization("kpi", timezone="Europe/Warsaw")
    admin = factories.user(org, Role.ADMIN)
    agent = factories.user(org, Role.AGENT)
    requester = factories.user(org, Role.REQUESTER)
    support = factories.team(org, "Support", agent)
    calendar = sla.business_calendar_create(
        actor=admin, name="Office", timezone="Europe/Warsaw", hours=HOURS
    )
    sla.sla_policy_create(
        actor=admin,
        name="Standard",
        calendar_id=calendar.pk,
        first_response_minutes=60,
        resolution_minutes=480,
        reminder_percent=50,
        position=10,
    )
    hardware = services.category_create(actor=admin, name="Hardware")
    software = services.category_create(actor=admin, name="Software")
    tickets: dict[str, Ticket] = {}

    def create(key: str, when: str, **fields: object) -> None:
        with _at(local(when)):
            tickets[key] = services.ticket_create(actor=requester, title=f"Ticket {key}")
            if fields:
                services.ticket_update(actor=admin, ticket=tickets[key], **fields)  # type: ignore[arg-type]

    def reply(key: str, when: datetime | str, actor: User = agent) -> None:
        moment = local(when) if isinstance(when, str) else when
        with _at(moment):
            services.comment_create(actor=actor, ticket=tickets[key], body="On it.")

    def step(key: str, when: str, name: str, actor: User = agent) -> None:
        with _at(local(when)):
            reason = "Still broken." if name == "reopen" else ""
            services.ticket_transition(actor=actor, ticket=tickets[key], name=name, reason=reason)

    create("F", "2026-09-28T09:00")
    reply("F", "2026-09-28T09:10")
    step("F", "2026-10-01T09:00", "resolve")

    create("A", "2026-10-05T10:00", team_id=support.pk, category_id=hardware.pk)
    reply("A", "2026-10-05T10:30")
    step("A", "2026-10-06T11:00", "resolve")

    create("B", "2026-10-07T09:00", team_id=support.pk, category_id=hardware.pk)
    step("B", "2026-10-07T09:05", "open")
    reply("B", "2026-10-07T09:20")
    step("B", "2026-10-07T10:00", "wait_on_requester")
    step("B", "2026-10-08T10:00", "resume")
    step("B", "2026-10-08T12:00", "resolve")

    create("C", "2026-10-09T16:30", category_id=software.pk)
    reply("C", "2026-10-12T09:15")
    step("C", "2026-10-12T10:00", "resolve")
    step("C", "2026-10-13T09:00", "reopen", actor=requester)
    step("C", "2026-10-13T11:00", "resolve")

    create("D", "2026-10-25T00:30", category_id=software.pk)
    reply("D", datetime.fromisoformat("2026-10-25T03:30:00+00:00"))  # 04:30 CET

    create("E", "2026-10-27T09:00")

    with _at(local("2026-11-02T12:00")):
        sla_sweep(limit=None)
    for key, ticket in tickets.items():
        tickets[key] = Ticket.objects.get(pk=ticket.pk)
    return Desk(org, admin, agent, requester, support, hardware, software, tickets)
