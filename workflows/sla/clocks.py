"""The SLA clocks of one ticket, derived from its policy, calendar and status log.

Everything here is recomputed from facts, never from counters: the ticket's
`created_at`, its `first_responded_at`, and the append-only StatusTransition log.
Paused time (`waiting_on_requester`) is found by replaying the log, so a due time
can always be recomputed and checked.

Semantics (documented in architecture.md, SLA):
- First response runs from creation until the first public agent comment; it is
  inactive while the ticket waits on the requester or is resolved/closed.
- Resolution runs from creation, or from the latest reopen (a reopen restarts the
  full resolution target from the reopen moment and starts a new "cycle": the
  resolution breach flag is cleared and warning/breach can fire again); it is
  paused while waiting on the requester and stops at `resolved`.
- While a ticket waits, its stored due times are the ones it would have if it
  resumed now; on resume they are recomputed from the log (pushed by the business
  minutes paused). A warning time not yet reached when a pause starts is cleared.
- The warning fires when `reminder_percent` of the target's business minutes have
  elapsed; the breach at the due time.

Hooks (called by workflows services inside their transaction, ticket row locked):
`ticket_sla_sync(ticket=..., rematch=...)`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ruledesk import errors
from ruledesk.access import policy as access
from ruledesk.events.services import emit
from ruledesk.tenancy.models import Organization, User
from workflows.models import Status, StatusTransition, Ticket
from workflows.sla import business_time
from workflows.sla.business_time import Calendar
from workflows.sla.models import BusinessCalendar, SlaPolicy, SlaTarget, SlaTimer, SlaTimerKind

logger = logging.getLogger(__name__)

DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DONE = (Status.RESOLVED, Status.CLOSED)
FIRST_RESPONSE_INACTIVE = (Status.WAITING_ON_REQUESTER, Status.RESOLVED, Status.CLOSED)

Span = tuple[datetime, datetime]


# --- Calendars ---------------------------------------------------------------------------


def _minute(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def calendar_of(stored: BusinessCalendar) -> Calendar:
    """The pure calendar of a stored one (its JSON was validated when saved)."""
    hours = {
        DAY_KEYS.index(key): tuple((_minute(a), _minute(b)) for a, b in spans)
        for key, spans in stored.hours.items()
        if spans
    }
    holidays = frozenset(date.fromisoformat(day) for day in stored.holidays)
    return Calendar(timezone=stored.timezone, hours=hours, holidays=holidays)


def organization_calendar(organization_id: int) -> Calendar:
    """The organization's calendar (its oldest); 24/7 in the organization's zone when none."""
    stored = BusinessCalendar.objects.filter(organization_id=organization_id).order_by("id").first()
    if stored is not None:
        return calendar_of(stored)
    tz = Organization.objects.filter(pk=organization_id).values_list("timezone", flat=True).first()
    return Calendar.always(tz or "UTC")


# --- Deadlines ---------------------------------------------------------------------------


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


# --- Policies and the ticket hook --------------------------------------------------------


def sla_policy_match(
    *, organization_id: int, priority: str, category_id: int | None
) -> SlaPolicy | None:
    """The first active policy by (position, id) matching; null priority/category match all."""
    return (
        SlaPolicy.objects.filter(organization_id=organization_id, active=True)
        .filter(Q(priority__isnull=True) | Q(priority=priority))
        .filter(Q(category__isnull=True) | Q(category_id=category_id))
        .select_related("calendar")
        .order_by("position", "id")
        .first()
    )


SLA_FIELDS = (
    "sla_policy",
    "first_response_due_at",
    "resolution_due_at",
    "first_response_warn_at",
    "resolution_warn_at",
    "sla_paused",
    "resolution_breached",
)


def ticket_sla_sync(
    *, ticket: Ticket, rematch: bool = False, now: datetime | None = None
) -> Ticket:
    """Recompute the ticket's due times, warn times, pause flag and timer rows.

    `rematch` picks the policy again (creation, priority or category change). Must
    run inside the caller's transaction with the ticket row locked. Writes with
    UPDATE (no extra history row) and mirrors the values on `ticket`.
    """
    now = now or timezone.now()
    policy: SlaPolicy | None
    if rematch:
        policy = sla_policy_match(
            organization_id=ticket.organization_id,
            priority=ticket.priority,
            category_id=ticket.category_id,
        )
    elif ticket.sla_policy_id is None:
        policy = None
    elif (
        Ticket.sla_policy.is_cached(ticket)
        and ticket.sla_policy is not None
        and SlaPolicy.calendar.is_cached(ticket.sla_policy)
    ):
        policy = ticket.sla_policy
    else:
        policy = (
            SlaPolicy.objects.select_related("calendar").filter(pk=ticket.sla_policy_id).first()
        )
    if ticket.resolution_breached and _new_cycle(ticket):
        ticket.resolution_breached = False
    result = _apply_plan(ticket, policy, now)
    _write(ticket)
    if result is None:
        SlaTimer.objects.filter(ticket=ticket, fired_at__isnull=True).delete()
    else:
        _write_timers(ticket, result, now)
    return ticket


def ticket_sla_prepare(*, ticket: Ticket, now: datetime) -> Plan | None:
    """Creation, before the INSERT: match the policy and set the clocks on the unsaved ticket.

    The INSERT then writes them (no UPDATE of the new row); `ticket_sla_start` adds the
    timers once the row exists. Same values as `ticket_sla_sync(rematch=True)` right after
    the insert: a new ticket has no transitions, no reopen and no breach.
    """
    policy = sla_policy_match(
        organization_id=ticket.organization_id,
        priority=ticket.priority,
        category_id=ticket.category_id,
    )
    return _apply_plan(ticket, policy, now)


def ticket_sla_start(*, ticket: Ticket, result: Plan | None, now: datetime) -> None:
    """Creation, after the INSERT: the timers of `ticket_sla_prepare`'s plan."""
    if result is not None:
        _write_timers(ticket, result, now, existing={})


def _apply_plan(ticket: Ticket, policy: SlaPolicy | None, now: datetime) -> Plan | None:
    """Set the policy, due and warn times and pause flag on `ticket` (not saved)."""
    ticket.sla_policy = policy
    if policy is None:
        ticket.first_response_due_at = ticket.resolution_due_at = None
        ticket.first_response_warn_at = ticket.resolution_warn_at = None
        ticket.sla_paused = ticket.status == Status.WAITING_ON_REQUESTER
        return None
    transitions = (
        list(StatusTransition.objects.filter(ticket=ticket).order_by("created_at", "id"))
        if ticket.pk is not None and (ticket.status != Status.NEW or ticket.reopen_count)
        else []
    )
    result = plan(
        cal=calendar_of(policy.calendar),
        targets=Targets(
            policy.first_response_minutes, policy.resolution_minutes, policy.reminder_percent
        ),
        created_at=ticket.created_at,
        first_responded_at=ticket.first_responded_at,
        transitions=transitions,
        status=ticket.status,
        reopen_count=ticket.reopen_count,
        now=now,
    )
    ticket.first_response_due_at = result.first_response_due_at
    ticket.resolution_due_at = result.resolution_due_at
    ticket.first_response_warn_at = result.first_response_warn_at
    ticket.resolution_warn_at = result.resolution_warn_at
    ticket.sla_paused = result.paused
    return result


def _new_cycle(ticket: Ticket) -> bool:
    """A reopen started a resolution cycle whose breach has not fired."""
    return (
        ticket.reopen_count > 0
        and not SlaTimer.objects.filter(
            ticket=ticket,
            target=SlaTarget.RESOLUTION,
            kind=SlaTimerKind.BREACH,
            cycle=ticket.reopen_count,
            fired_at__isnull=False,
        ).exists()
    )


def _write(ticket: Ticket) -> None:
    Ticket.objects.filter(pk=ticket.pk).update(
        **{
            ("sla_policy_id" if name == "sla_policy" else name): (
                ticket.sla_policy_id if name == "sla_policy" else getattr(ticket, name)
            )
            for name in SLA_FIELDS
        }
    )


def _write_timers(
    ticket: Ticket,
    result: Plan,
    now: datetime,
    existing: dict[tuple[str, str, int], SlaTimer] | None = None,
) -> None:
    """Upsert the unfired timers the plan wants; drop the ones it no longer wants.

    `existing`: the ticket's timers when the caller knows them (none for a new ticket).
    """
    wanted: dict[tuple[str, str, int], tuple[datetime, datetime]] = {}
    if not result.paused:
        if result.first_response_running and result.first_response_due_at:
            due = result.first_response_due_at
            warn = result.first_response_warn_at or due
            wanted[(SlaTarget.FIRST_RESPONSE, SlaTimerKind.WARNING, 0)] = (warn, due)
            wanted[(SlaTarget.FIRST_RESPONSE, SlaTimerKind.BREACH, 0)] = (due, due)
        if result.resolution_running and result.resolution_due_at:
            due = result.resolution_due_at
            warn = result.resolution_warn_at or due
            wanted[(SlaTarget.RESOLUTION, SlaTimerKind.WARNING, result.cycle)] = (warn, due)
            wanted[(SlaTarget.RESOLUTION, SlaTimerKind.BREACH, result.cycle)] = (due, due)
    if existing is None:
        existing = {(t.target, t.kind, t.cycle): t for t in SlaTimer.objects.filter(ticket=ticket)}
    stale: list[int] = []
    for key, timer in existing.items():
        if timer.fired_at is not None or key in wanted:
            continue
        # A pause keeps what was already due (the sweep fires it); the rest waits.
        if result.paused and timer.fire_at <= now and _target_running(result, timer.target):
            continue
        stale.append(timer.pk)
    if stale:
        SlaTimer.objects.filter(pk__in=stale, fired_at__isnull=True).delete()
    create: list[SlaTimer] = []
    for (target, kind, cycle), (fire_at, due_at) in wanted.items():
        current = existing.get((target, kind, cycle))
        if current is None:
            create.append(
                SlaTimer(
                    organization_id=ticket.organization_id,
                    ticket=ticket,
                    target=target,
                    kind=kind,
                    cycle=cycle,
                    fire_at=fire_at,
                    due_at=due_at,
                )
            )
        elif current.fired_at is None and (current.fire_at, current.due_at) != (fire_at, due_at):
            SlaTimer.objects.filter(pk=current.pk, fired_at__isnull=True).update(
                fire_at=fire_at, due_at=due_at
            )
    if create:
        SlaTimer.objects.bulk_create(create)


def _target_running(result: Plan, target: str) -> bool:
    if target == SlaTarget.FIRST_RESPONSE:
        return result.first_response_running
    return result.resolution_running


def sla_policy_apply(*, actor: User, ticket: Ticket, policy_id: int, depth: int = 0) -> Ticket:
    """Put `ticket` under policy `policy_id` (the rule action apply_sla_policy).

    Emits `ticket.updated` with changes {"sla_policy": [old_id, new_id]} when it changes.
    A later priority or category change picks the matching policy again.
    """
    access.require(actor, "ticket.update", ticket)
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        chosen = (
            SlaPolicy.objects.filter(organization_id=ticket.organization_id, pk=policy_id)
            .select_related("calendar")
            .first()
        )
        if chosen is None:
            raise errors.ValidationFailed.on("policy", "No such SLA policy.", "does_not_exist")
        before = ticket.sla_policy_id
        if before == chosen.pk:
            return ticket
        ticket.sla_policy = chosen
        ticket_sla_sync(ticket=ticket)
        emit(
            organization_id=ticket.organization_id,
            type="ticket.updated",
            actor_id=actor.pk,
            ticket_id=ticket.pk,
            changes={"sla_policy": [before, chosen.pk]},
            depth=depth,
        )
    return ticket


# --- State -------------------------------------------------------------------------------


def sla_state(ticket: Ticket, now: datetime | None = None) -> str:
    """ "breached", "at_risk", "ok" or "none" (no policy, or every target stopped)."""
    now = now or timezone.now()
    if ticket.first_response_breached or ticket.resolution_breached:
        return "breached"
    if ticket.sla_policy_id is None or ticket.status in DONE:
        return "none"
    warns = [ticket.resolution_warn_at]
    if ticket.first_responded_at is None:
        warns.append(ticket.first_response_warn_at)
    if any(warn is not None and warn <= now for warn in warns):
        return "at_risk"
    return "ok"
