"""Due and warning times from a calendar, targets and a status log: pure functions."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from workflows.models import Status, StatusTransition
from workflows.sla import business_time
from workflows.sla.business_time import Calendar

logger = logging.getLogger(__name__)

DONE = (Status.RESOLVED, Status.CLOSED)
FIRST_RESPONSE_INACTIVE = (Status.WAITING_ON_REQUESTER, Status.RESOLVED, Status.CLOSED)

Span = tuple[datetime, datetime]


def deadline(cal: Calendar, start: datetime, minutes: int, inactive: Sequence[Span]) -> datetime:
    """When `minutes` business minutes have elapsed from `start`, not counting `inactive` spans.

    `inactive` is sorted by start and non-overlapping.
    """
    cursor, remaining = start, minutes
    for span_start, span_end in inactive:
        if span_end <= cursor:
            continue
        span_start = max(span_start, cursor)
        available = business_time.business_minutes_between(cal, cursor, span_start)
        if remaining <= available:
            return business_time.add_business_minutes(cal, cursor, remaining)
        remaining -= available
        cursor = span_end
    return business_time.add_business_minutes(cal, cursor, remaining)


def status_spans(
    created_at: datetime, transitions: Iterable[StatusTransition], now: datetime
) -> list[tuple[str, datetime, datetime]]:
    """(status, from, to) from creation to `now`, replayed from the transition log."""
    spans: list[tuple[str, datetime, datetime]] = []
    status, since = str(Status.NEW), created_at
    for step in transitions:
        spans.append((status, since, step.created_at))
        status, since = step.to_status, step.created_at
    spans.append((status, since, max(now, since)))
    return spans


@dataclass(frozen=True)
class Targets:
    first_response_minutes: int
    resolution_minutes: int
    reminder_percent: int


@dataclass(frozen=True)
class Plan:
    """What the clocks of one ticket say at `now`."""

    first_response_due_at: datetime | None
    first_response_warn_at: datetime | None
    resolution_due_at: datetime | None
    resolution_warn_at: datetime | None
    first_response_running: bool
    resolution_running: bool
    paused: bool
    cycle: int


def _warn_minutes(minutes: int, percent: int) -> int:
    return minutes * percent // 100


def plan(
    *,
    cal: Calendar,
    targets: Targets,
    created_at: datetime,
    first_responded_at: datetime | None,
    transitions: Sequence[StatusTransition],
    status: str,
    reopen_count: int,
    now: datetime,
) -> Plan:
    spans = status_spans(created_at, transitions, now)
    paused = status == Status.WAITING_ON_REQUESTER
    fr_inactive = [(a, b) for s, a, b in spans if s in FIRST_RESPONSE_INACTIVE and b > a]
    reopens = [step.created_at for step in transitions if step.name == "reopen"]
    cycle_start = reopens[-1] if reopens else created_at
    res_inactive = [
        (a, b) for s, a, b in spans if s == Status.WAITING_ON_REQUESTER and b > cycle_start
    ]
    try:
        fr_due = deadline(cal, created_at, targets.first_response_minutes, fr_inactive)
        fr_warn = deadline(
            cal,
            created_at,
            _warn_minutes(targets.first_response_minutes, targets.reminder_percent),
            fr_inactive,
        )
        res_due = deadline(cal, cycle_start, targets.resolution_minutes, res_inactive)
        res_warn = deadline(
            cal,
            cycle_start,
            _warn_minutes(targets.resolution_minutes, targets.reminder_percent),
            res_inactive,
        )
    except ValueError:
        logger.warning("SLA target unreachable within the calendar's horizon", exc_info=True)
        return Plan(None, None, None, None, False, False, paused, reopen_count)
    fr_running = first_responded_at is None and status not in DONE
    res_running = status not in DONE

    def shown_warning(running: bool, warn_at: datetime) -> datetime | None:
        if not running or (paused and warn_at > now):
            return None
        return warn_at

    return Plan(
        first_response_due_at=fr_due,
        first_response_warn_at=shown_warning(fr_running, fr_warn),
        resolution_due_at=res_due,
        resolution_warn_at=shown_warning(res_running, res_warn),
        first_response_running=fr_running,
        resolution_running=res_running,
        paused=paused,
        cycle=reopen_count,
    )
