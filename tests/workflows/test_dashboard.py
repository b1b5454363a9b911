"""Dashboard figures against hand-counted tickets (workflows/dashboard.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ruledesk.tenancy.models import Organization, User
from tests import factories
from workflows import dashboard
from workflows.models import Ticket
from workflows.services import tickets as ticket_services

pytestmark = pytest.mark.django_db

NOW = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
DAY = timedelta(days=1)
HOUR = timedelta(hours=1)


def _ticket(requester: User, title: str, **stored: Any) -> Ticket:
    ticket = ticket_services.ticket_create(actor=requester, title=title)
    Ticket.objects.filter(pk=ticket.pk).update(**stored)
    return ticket


def test_compliance_counts_targets_that_fell_due_in_the_period(
    acme: Organization, agent: User, requester: User
) -> None:
    agent2 = factories.user(acme, "agent")
    a = factories.team(acme, "A", agent)
    b = factories.team(acme, "B", agent2)
    # t1: first response and resolution both met, both due within 7 days.
    _ticket(
        requester,
        "t1",
        team=a,
        first_response_due_at=NOW - 2 * DAY,
        first_responded_at=NOW - 3 * DAY,
        resolution_due_at=NOW - DAY,
        resolved_at=NOW - DAY - HOUR,
    )
    # t2: first response late and flagged; resolution not due yet (not counted).
    _ticket(
        requester,
        "t2",
        team=a,
        first_response_due_at=NOW - 2 * DAY,
        first_responded_at=NOW - DAY,
        first_response_breached=True,
        resolution_due_at=NOW + DAY,
    )
    # t3: due 10 days ago: only in the 30-day period; responded in time, never resolved.
    _ticket(
        requester,
        "t3",
        team=a,
        first_response_due_at=NOW - 10 * DAY,
        first_responded_at=NOW - 11 * DAY,
        resolution_due_at=NOW - 10 * DAY,
        resolution_breached=True,
    )
    # Another team's ticket, and a target still in the future.
    _ticket(
        requester, "t4", team=b, first_response_due_at=NOW - DAY, first_responded_at=NOW - 2 * DAY
    )
    _ticket(requester, "t5", team=a, first_response_due_at=NOW + HOUR)

    teams = dashboard.my_teams(agent)
    assert [t.name for t in teams] == ["A"]
    [week] = dashboard.compliance(agent, teams, NOW, 7)
    assert (week.first_response_met, week.first_response_due) == (1, 2)
    assert (week.resolution_met, week.resolution_due) == (1, 1)
    assert (week.first_response_rate, week.resolution_rate) == (50, 100)
    [month] = dashboard.compliance(agent, teams, NOW, 30)
    assert (month.first_response_met, month.first_response_due) == (2, 3)
    assert (month.resolution_met, month.resolution_due) == (1, 2)


def test_a_team_without_targets_has_no_rate(acme: Organization, agent: User) -> None:
    teams = [factories.team(acme, "Quiet", agent)]
    [row] = dashboard.compliance(agent, teams, NOW, 7)
    assert row.first_response_due == 0 and row.first_response_rate is None


def test_created_vs_resolved_per_day(acme: Organization, agent: User, requester: User) -> None:
    a = factories.team(acme, "A", agent)
    _ticket(requester, "today", team=a, created_at=NOW - HOUR)
    _ticket(requester, "yesterday", team=a, created_at=NOW - DAY, resolved_at=NOW - HOUR)
    _ticket(requester, "old", team=a, created_at=NOW - 10 * DAY, resolved_at=NOW - DAY)
    _ticket(requester, "no team", created_at=NOW - HOUR)
    days = dashboard.created_vs_resolved(agent, [a], NOW, 3)
    assert [(d.day, d.created, d.resolved) for d in days] == [
        ((NOW - 2 * DAY).date(), 0, 0),
        ((NOW - DAY).date(), 1, 1),
        (NOW.date(), 1, 1),
    ]


def test_my_work_lists(acme: Organization, agent: User, requester: User) -> None:
    agent2 = factories.user(acme, "agent")
    soon = _ticket(
        requester,
        "soon",
        assignee=agent,
        status="open",
        first_responded_at=NOW - DAY,
        resolution_due_at=NOW + 2 * HOUR,
    )
    late = _ticket(requester, "late", assignee=agent, status="open", resolution_breached=True)
    _ticket(
        requester,
        "waiting",
        assignee=agent,
        status="waiting_on_requester",
        resolution_due_at=NOW + HOUR,
    )
    _ticket(requester, "done", assignee=agent, status="resolved", resolution_due_at=NOW + HOUR)
    _ticket(
        requester,
        "paused",
        assignee=agent,
        status="open",
        sla_paused=True,
        resolution_due_at=NOW + HOUR,
    )
    _ticket(requester, "theirs", assignee=agent2, status="open", resolution_due_at=NOW + HOUR)

    def titles(rows: list[dict[str, Any]]) -> list[str]:
        return [row["title"] for row in rows]

    assert titles(dashboard.due_soon(agent, NOW, 4)) == ["waiting", "soon"]
    assert titles(dashboard.due_soon(agent, NOW, 1)) == ["waiting"]
    assert titles(dashboard.breached(agent)) == ["late"]
    assert sorted(titles(dashboard.waiting_on_me(agent))) == ["late", "paused", "soon"]
    assert soon.pk and late.pk
