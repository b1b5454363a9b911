"""Previews (which policy and due times a new ticket would get) and simulations of a draft policy."""

from __future__ import annotations

import zoneinfo
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from ruledesk import errors
from ruledesk.tenancy.models import User
from workflows.models import Priority, Status, StatusTransition, Ticket
from workflows.sla.business_time import Calendar
from workflows.sla.clocks import (
    FIRST_RESPONSE_INACTIVE,
    calendar_of,
    deadline,
    sla_policy_match,
    status_spans,
)
from workflows.sla.models import SlaPolicy
from workflows.sla.services.calendars import _calendar_ref
from workflows.sla.services.common import _org

SIMULATE_MAX_TICKETS = 10_000


def moment_parse(raw: str, *, field: str, timezone_name: str) -> datetime:
    """A timestamp, or a date meaning the start of that day in `timezone_name`."""
    value: datetime | None = None
    try:
        # A bare date first: parse_datetime also reads "2026-10-01", as a naive midnight.
        day = parse_date(raw) if len(raw) <= 10 else None
        if day is not None:
            value = datetime.combine(day, time(), tzinfo=zoneinfo.ZoneInfo(timezone_name))
        elif len(raw) <= 40:
            value = parse_datetime(raw)
    except ValueError:
        value = None
    if value is None:
        raise errors.ValidationFailed.on(field, _("Must be an ISO 8601 date or timestamp."))
    return value if timezone.is_aware(value) else timezone.make_aware(value, UTC)


@dataclass(frozen=True)
class Preview:
    policy: SlaPolicy | None
    first_response_due_at: datetime | None
    resolution_due_at: datetime | None


def sla_policy_preview(
    *,
    actor: User,
    priority: str,
    category_id: int | None = None,
    created_at: datetime | None = None,
) -> Preview:
    """Which policy a ticket created now (or at `created_at`) would get, and its due times."""
    if actor.organization_id is None:
        raise errors.PermissionDenied()
    org_id = actor.organization_id
    _refs_category_any(org_id, category_id, "category")
    chosen = sla_policy_match(organization_id=org_id, priority=priority, category_id=category_id)
    if chosen is None:
        return Preview(None, None, None)
    start = created_at or timezone.now()
    cal = calendar_of(chosen.calendar)
    try:
        return Preview(
            chosen,
            deadline(cal, start, chosen.first_response_minutes, []),
            deadline(cal, start, chosen.resolution_minutes, []),
        )
    except ValueError:
        return Preview(chosen, None, None)


def _refs_category_any(org_id: int, category_id: int | None, field: str) -> None:
    """Categories in previews and simulations may be archived; they must be the org's."""
    if category_id is None:
        return
    from workflows.models import Category

    if not Category.objects.filter(organization_id=org_id, pk=category_id).exists():
        raise errors.ValidationFailed.on(field, _("No such category."), "does_not_exist")


def sla_policy_simulate(
    *,
    actor: User,
    calendar_id: int,
    first_response_minutes: int,
    resolution_minutes: int,
    start: datetime,
    end: datetime,
    priority: str | None = None,
    category_id: int | None = None,
    now: datetime | None = None,
    **_ignored: Any,
) -> dict[str, Any]:
    """Projected breaches if a draft policy had applied to the tickets it matches that were
    created in [start, end), replaying each ticket's status log.

    First response breaches when the first public agent reply (or now, without one) came
    after the due time; resolution breaches when any resolution cycle (creation or a reopen
    to the next resolve, or now) ran past its due time. At most SIMULATE_MAX_TICKETS
    tickets (the earliest) are replayed; `truncated` says when there were more.
    """
    org_id = _org(actor)
    now = now or timezone.now()
    if end <= start:
        raise errors.ValidationFailed.on("to", _("Must be after `from`."), "invalid")
    _refs_category_any(org_id, category_id, "policy.category")
    cal = calendar_of(_calendar_ref(org_id, calendar_id, "policy.calendar"))
    tickets = Ticket.objects.filter(
        organization_id=org_id, created_at__gte=start, created_at__lt=end
    )
    if priority is not None:
        tickets = tickets.filter(priority=priority)
    if category_id is not None:
        tickets = tickets.filter(category_id=category_id)
    rows = list(
        tickets.order_by("created_at", "id").values(
            "id", "priority", "created_at", "first_responded_at"
        )[: SIMULATE_MAX_TICKETS + 1]
    )
    truncated = len(rows) > SIMULATE_MAX_TICKETS
    rows = rows[:SIMULATE_MAX_TICKETS]
    logs: dict[int, list[StatusTransition]] = defaultdict(list)
    for step in StatusTransition.objects.filter(ticket_id__in=[r["id"] for r in rows]).order_by(
        "ticket_id", "created_at", "id"
    ):
        logs[step.ticket_id].append(step)
    buckets = {
        p: {"tickets": 0, "first_response_breaches": 0, "resolution_breaches": 0}
        for p in Priority.values
    }
    for row in rows:
        first, resolution = _replay(
            cal, row, logs[row["id"]], first_response_minutes, resolution_minutes, now
        )
        bucket = buckets[row["priority"]]
        bucket["tickets"] += 1
        bucket["first_response_breaches"] += int(first)
        bucket["resolution_breaches"] += int(resolution)
    return {
        "tickets": sum(b["tickets"] for b in buckets.values()),
        "first_response_breaches": sum(b["first_response_breaches"] for b in buckets.values()),
        "resolution_breaches": sum(b["resolution_breaches"] for b in buckets.values()),
        "by_priority": buckets,
        "truncated": truncated,
    }


def _replay(
    cal: Calendar,
    row: Mapping[str, Any],
    log: list[StatusTransition],
    first_response_minutes: int,
    resolution_minutes: int,
    now: datetime,
) -> tuple[bool, bool]:
    created: datetime = row["created_at"]
    spans = status_spans(created, log, now)
    try:
        inactive = [(a, b) for s, a, b in spans if s in FIRST_RESPONSE_INACTIVE and b > a]
        first_due = deadline(cal, created, first_response_minutes, inactive)
        first_breach = (row["first_responded_at"] or now) > first_due
        resolution_breach = False
        cycle_start: datetime | None = created
        for step in [*log, None]:
            if step is not None and step.name == "reopen":
                cycle_start = step.created_at
                continue
            closes_cycle = step is None or step.to_status == Status.RESOLVED
            if cycle_start is None or not closes_cycle:
                continue
            stop = now if step is None else step.created_at
            waits = [
                (a, b)
                for s, a, b in spans
                if s == Status.WAITING_ON_REQUESTER and b > cycle_start and a < stop
            ]
            if stop > deadline(cal, cycle_start, resolution_minutes, waits):
                resolution_breach = True
            cycle_start = None
    except ValueError:
        return False, False
    return first_breach, resolution_breach
