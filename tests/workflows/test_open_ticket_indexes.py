"""The reads of loads, SLA views and the dashboard can use the partial indexes on open
tickets (workflows/models.py). With sequential scans disabled, the plan names the index
only if the query's WHERE clause implies the index's condition — the property that
broke silently before (`NOT status IN (resolved, closed)` does not imply
`status IN (new, open, waiting)`, and at a million tickets the dashboard took 2 s)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from ruledesk.tenancy.models import User
from workflows import dashboard, loads
from workflows.models import OPEN_STATUSES, Status, Ticket
from workflows.sla.selectors import sla_q

NOW = datetime(2026, 12, 7, 12, tzinfo=UTC)


def org_of(user: User) -> int:
    assert user.organization_id is not None
    return user.organization_id


@pytest.fixture(autouse=True)
def _mature_desk(agent: User, requester: User) -> None:
    """3,000 tickets of one agent shaped like a desk in its second year (a tenth still
    open), analysed, so the planner weighs the indexes as it does in production."""
    rows = []
    for n in range(1, 3001):
        is_open = n % 10 == 0
        rows.append(
            Ticket(
                organization_id=org_of(agent),
                number=n,
                title=f"t{n}",
                requester=requester,
                assignee=agent,
                status=Status.OPEN if is_open else Status.CLOSED,
                priority="medium",
                priority_rank=2,
                first_response_warn_at=NOW + timedelta(minutes=n),
                resolution_warn_at=NOW + timedelta(minutes=n),
                first_response_due_at=NOW + timedelta(minutes=n),
                first_responded_at=None if n % 20 == 0 else NOW,
                resolved_at=None if is_open else NOW,
            )
        )
    Ticket.objects.bulk_create(rows)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE workflows_ticket")
        cursor.execute("SET enable_seqscan = off")


def _plan(queryset: object) -> str:
    return queryset.explain()  # type: ignore[attr-defined, no-any-return]


def test_agent_load_reads_the_open_tickets_by_assignee(agent: User) -> None:
    users = User.objects.filter(pk=agent.pk).annotate(load=loads.open_load(org_of(agent)))
    assert "ticket_open_assignee" in _plan(users)


def test_sla_at_risk_and_breached_views_read_the_partial_indexes(agent: User) -> None:
    at_risk = Ticket.objects.filter(
        sla_q(["at_risk", "breached"], NOW),
        organization_id=org_of(agent),
        status__in=OPEN_STATUSES,
    )
    plan = _plan(at_risk)
    assert "ticket_open_res_warn" in plan
    assert "ticket_open_fr_warn" in plan
    assert "ticket_open_breached" in plan


def test_the_dashboards_own_lists_read_the_open_tickets_of_the_agent(agent: User) -> None:
    assert "ticket_open_" in _plan(dashboard._mine(agent))


def test_first_response_targets_that_fell_due_read_their_own_index(agent: User) -> None:
    due = Ticket.objects.filter(
        organization_id=org_of(agent),
        first_response_due_at__gte=NOW,
        first_response_due_at__lt=NOW,
    )
    assert "ticket_org_fr_due" in _plan(due)
