"""SLA reads: the ticket list's `sla` filter as a query, matching `clocks.sla_state`."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db.models import Q

from workflows.models import Status
from workflows.sla.business_time import Calendar
from workflows.sla.clocks.calendars import calendar_of
from workflows.sla.models import SlaPolicy

BREACHED = Q(first_response_breached=True) | Q(resolution_breached=True)
RUNNING = Q(sla_policy__isnull=False) & ~Q(status__in=[Status.RESOLVED, Status.CLOSED])


def _at_risk(now: datetime) -> Q:
    # Spelled as two complete arms rather than `~BREACHED & RUNNING & (a | b)`: each arm
    # then matches one partial index on open tickets (`ticket_open_res_warn`,
    # `ticket_open_fr_warn`), so PostgreSQL ORs two index scans instead of reading every
    # open ticket.
    live = ~BREACHED & RUNNING
    return (live & Q(resolution_warn_at__lte=now)) | (
        live & Q(first_responded_at__isnull=True, first_response_warn_at__lte=now)
    )


def sla_q(states: Iterable[str], now: datetime) -> Q:
    """`breached`: a breach flag is set; `at_risk`: not breached, running, and a running
    target's warning time has passed (its warning fired or is about to); `ok`: has a
    policy, running, neither. Tickets without a policy, or resolved/closed without a
    breach, match none of them."""
    wanted = Q(pk__in=[])
    for state in states:
        if state == "breached":
            wanted |= BREACHED
        elif state == "at_risk":
            wanted |= _at_risk(now)
        elif state == "ok":
            wanted |= ~BREACHED & RUNNING & ~_at_risk(now)
    return wanted


def policy_calendars(policy_ids: Iterable[int]) -> dict[int, Calendar]:
    """policy id -> its business calendar, for a page of tickets: one query, any page size."""
    wanted = sorted(set(policy_ids))
    if not wanted:
        return {}
    policies = SlaPolicy.objects.filter(pk__in=wanted).select_related("calendar")
    return {policy.pk: calendar_of(policy.calendar) for policy in policies}
