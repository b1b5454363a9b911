"""SLA writes and computations: calendars, policies, preview, simulate and the timer sweep.

The per-ticket clocks live in `workflows.sla.clocks` (imported by the ticket services);
the names other apps use are re-exported here (INTERFACES: organization_calendar,
sla_policy_apply, sla_state).
"""

from __future__ import annotations

import functools
import re
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from time import monotonic
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from ruledesk import errors
from ruledesk.access import policy as access
from ruledesk.audit import services as audit
from ruledesk.errors import FieldError
from ruledesk.events.services import EventDraft, emit_many
from ruledesk.tenancy.models import User
from workflows.models import Priority, Status, StatusTransition, Ticket
from workflows.services import _refs
from workflows.sla import clocks, recompute
from workflows.sla.business_time import Calendar
from workflows.sla.clocks import (
    DAY_KEYS,
    FIRST_RESPONSE_INACTIVE,
    calendar_of,
    deadline,
    organization_calendar,
    sla_policy_apply,
    sla_policy_match,
    sla_state,
    status_spans,
)
from workflows.sla.models import BusinessCalendar, SlaPolicy, SlaTarget, SlaTimer, SlaTimerKind

__all__ = [
    "business_calendar_create",
    "business_calendar_delete",
    "business_calendar_update",
    "organization_calendar",
    "sla_policy_apply",
    "sla_policy_create",
    "sla_policy_delete",
    "sla_policy_preview",
    "sla_policy_simulate",
    "sla_policy_update",
    "sla_state",
    "sla_sweep",
]

UNSET: Any = object()
_START = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_END = re.compile(r"^(([01]\d|2[0-3]):[0-5]\d|24:00)$")
MAX_HOLIDAYS = 1000
SIMULATE_MAX_TICKETS = 10_000
SWEEP_BATCH = 500  # timers per sweep transaction (docs/performance.md, SLA sweep)


# --- Validation ---------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def _timezone(name: str) -> str:
    if name not in _zones():
        raise errors.ValidationFailed.on("timezone", "Unknown time zone.", "invalid_choice")
    return name


def hours_parse(raw: Any, field: str = "hours") -> dict[str, list[list[str]]]:
    """Validate {"mon": [["09:00", "17:00"]], ...}: HH:MM 24h, 24:00 may end a day,
    intervals of a day must not overlap, at least one business minute a week."""
    if not isinstance(raw, dict):
        raise errors.ValidationFailed.on(field, "Must be an object keyed by weekday.", "invalid")
    problems: list[FieldError] = []

    def problem(path: str, message: str, code: str = "invalid") -> None:
        problems.append(FieldError(field=path, code=code, message=message))

    normalized: dict[str, list[list[str]]] = {}
    for key, spans in raw.items():
        path = f"{field}.{key}"
        if key not in DAY_KEYS:
            problem(path, f"Unknown weekday; use {', '.join(DAY_KEYS)}.", "invalid_choice")
            continue
        if not isinstance(spans, list):
            problem(path, "Must be a list of [start, end] pairs.")
            continue
        parsed: list[tuple[int, int, int]] = []
        for index, span in enumerate(spans):
            item = f"{path}[{index}]"
            if (
                not isinstance(span, list | tuple)
                or len(span) != 2
                or not all(isinstance(v, str) for v in span)
            ):
                problem(item, 'Must be a ["HH:MM", "HH:MM"] pair.')
                continue
            start, end = span
            if not _START.match(start):
                problem(f"{item}[0]", "Must be a time HH:MM (00:00-23:59).")
                continue
            if not _END.match(end):
                problem(f"{item}[1]", "Must be a time HH:MM (00:01-24:00).")
                continue
            start_minute, end_minute = clocks._minute(start), clocks._minute(end)
            if end_minute <= start_minute:
                problem(item, "An interval must end after it starts.")
                continue
            parsed.append((start_minute, end_minute, index))
        ordered = sorted(parsed)
        for before, after in zip(ordered, ordered[1:], strict=False):
            if after[0] < before[1]:
                later = max(before[2], after[2])
                problem(f"{path}[{later}]", "Overlaps another interval of the same day.", "overlap")
        normalized[key] = [[_hhmm(a), _hhmm(b)] for a, b, _ in ordered]
    if not problems and not any(normalized.values()):
        problem(field, "A calendar needs at least one business hour a week.", "empty")
    if problems:
        raise errors.ValidationFailed("The business hours are invalid.", errors=problems)
    return {key: normalized[key] for key in DAY_KEYS if normalized.get(key)}


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _holidays(days: Iterable[date]) -> list[str]:
    return sorted({day.isoformat() for day in days})


def _org(actor: User, obj: Any = None) -> int:
    access.require(actor, "sla.manage", obj)
    if actor.organization_id is None:
        raise errors.PermissionDenied()
    return actor.organization_id


def _unique_name(
    model: type[BusinessCalendar] | type[SlaPolicy], org_id: int, name: str, pk: int | None = None
) -> None:
    clash = model.objects.filter(organization_id=org_id, name__iexact=name)
    if pk is not None:
        clash = clash.exclude(pk=pk)
    if clash.exists():
        raise errors.Conflict(f"A {model._meta.verbose_name} with this name already exists.")


def _save_unique(obj: BusinessCalendar | SlaPolicy) -> None:
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError:
        raise errors.Conflict(
            f"A {obj._meta.verbose_name} with this name already exists."
        ) from None


# --- Calendars ----------------------------------------------------------------------------


def business_calendar_create(
    *, actor: User, name: str, timezone: str, hours: Any, holidays: Iterable[date] = ()
) -> BusinessCalendar:
    """A new calendar is no policy's yet, so no running ticket's clocks change."""
    org_id = _org(actor)
    stored = BusinessCalendar(
        organization_id=org_id,
        name=name,
        timezone=_timezone(timezone),
        hours=hours_parse(hours),
        holidays=_holidays(holidays),
    )
    _check(stored)
    with transaction.atomic():
        _unique_name(BusinessCalendar, org_id, name)
        _save_unique(stored)
        _audit(actor, "business_calendar.create", stored, {"name": name})
    return stored


def business_calendar_update(
    *,
    actor: User,
    calendar: BusinessCalendar,
    name: Any = UNSET,
    timezone: Any = UNSET,
    hours: Any = UNSET,
    holidays: Any = UNSET,
) -> BusinessCalendar:
    """Edits to hours, holidays or the time zone also recompute, in the background, the
    due times of running tickets whose policy uses this calendar (`recompute.py`)."""
    org_id = _org(actor, calendar)
    with transaction.atomic():
        stored = BusinessCalendar.objects.select_for_update().get(pk=calendar.pk)
        changes: dict[str, list[Any]] = {}
        if name is not UNSET and name != stored.name:
            _unique_name(BusinessCalendar, org_id, name, stored.pk)
            changes["name"] = [stored.name, name]
            stored.name = name
        if timezone is not UNSET and timezone != stored.timezone:
            changes["timezone"] = [stored.timezone, _timezone(timezone)]
            stored.timezone = timezone
        if hours is not UNSET:
            parsed = hours_parse(hours)
            if parsed != stored.hours:
                changes["hours"] = [stored.hours, parsed]
                stored.hours = parsed
        if holidays is not UNSET:
            days = _holidays(holidays)
            if days != stored.holidays:
                changes["holidays"] = [stored.holidays, days]
                stored.holidays = days
        if changes:
            _check(stored)
            _save_unique(stored)
            _audit(actor, "business_calendar.update", stored, changes)
            if changes.keys() - {"name"}:
                recompute.sla_recompute_enqueue(
                    organization_id=org_id, change=recompute.SlaChange(calendar_id=stored.pk)
                )
    return stored


def business_calendar_delete(*, actor: User, calendar: BusinessCalendar) -> None:
    """Refused (409) while policies use it, so no running ticket's clocks change."""
    _org(actor, calendar)
    with transaction.atomic():
        _audit(actor, "business_calendar.delete", calendar, {"name": calendar.name})
        try:
            with transaction.atomic():
                calendar.delete()
        except ProtectedError:
            raise errors.Conflict("SLA policies use this calendar.") from None


def _check(stored: BusinessCalendar) -> Calendar:
    try:
        return calendar_of(stored)
    except ValueError as exc:
        raise errors.ValidationFailed.on("hours", str(exc), "invalid") from None


# --- Policies -----------------------------------------------------------------------------


def _calendar_ref(org_id: int, calendar_id: int, field: str = "calendar") -> BusinessCalendar:
    found = BusinessCalendar.objects.filter(organization_id=org_id, pk=calendar_id).first()
    if found is None:
        raise errors.ValidationFailed.on(field, "No such business calendar.", "does_not_exist")
    return found


def sla_policy_create(
    *,
    actor: User,
    name: str,
    calendar_id: int,
    first_response_minutes: int,
    resolution_minutes: int,
    priority: str | None = None,
    category_id: int | None = None,
    reminder_percent: int = 80,
    position: int = 0,
    active: bool = True,
) -> SlaPolicy:
    """An active new policy also re-matches, in the background, the running tickets whose
    policy was their match until now (`recompute.py`): it may come first for them."""
    org_id = _org(actor)
    with transaction.atomic():
        _unique_name(SlaPolicy, org_id, name)
        matchers_before = recompute.policy_matchers(org_id)
        stored = SlaPolicy(
            organization_id=org_id,
            name=name,
            priority=priority,
            category=_refs.category(org_id, category_id),
            calendar=_calendar_ref(org_id, calendar_id),
            first_response_minutes=first_response_minutes,
            resolution_minutes=resolution_minutes,
            reminder_percent=reminder_percent,
            position=position,
            active=active,
        )
        _save_unique(stored)
        _audit(actor, "sla_policy.create", stored, {"name": name})
        if active:
            recompute.sla_recompute_enqueue(
                organization_id=org_id,
                change=recompute.SlaChange(matchers_before=matchers_before),
            )
    return stored


POLICY_FIELDS = (
    "name",
    "priority",
    "first_response_minutes",
    "resolution_minutes",
    "reminder_percent",
    "position",
    "active",
)
# Changes to whom a policy matches, and to what it measures (see recompute.py).
MATCH_FIELDS = frozenset({"priority", "category", "position", "active"})
TARGET_FIELDS = frozenset(
    {"first_response_minutes", "resolution_minutes", "reminder_percent", "calendar"}
)


def sla_policy_update(*, actor: User, sla_policy: SlaPolicy, **fields: Any) -> SlaPolicy:
    """Change the given fields (POLICY_FIELDS, `category_id`, `calendar_id`).

    Running (not resolved/closed) tickets follow the edit in the background
    (`recompute.py`): a change to whom the policy matches (priority, category, position,
    active) re-matches the tickets whose policy was their match until now, and a change
    to what it measures (minutes, reminder percent, calendar) recomputes the due times
    of the tickets under it. Warnings and breaches that already fired stay.
    """
    org_id = _org(actor, sla_policy)
    with transaction.atomic():
        stored = SlaPolicy.objects.select_for_update().get(pk=sla_policy.pk)
        matchers_before, was_active = recompute.policy_matchers(org_id), stored.active
        changes: dict[str, list[Any]] = {}
        for field in POLICY_FIELDS:
            value = fields.get(field, UNSET)
            if value is UNSET or value == getattr(stored, field):
                continue
            if field == "name":
                _unique_name(SlaPolicy, org_id, value, stored.pk)
            changes[field] = [getattr(stored, field), value]
            setattr(stored, field, value)
        category_id = fields.get("category_id", UNSET)
        if category_id is not UNSET and category_id != stored.category_id:
            changes["category"] = [stored.category_id, category_id]
            stored.category = _refs.category(org_id, category_id)
        calendar_id = fields.get("calendar_id", UNSET)
        if calendar_id is not UNSET and calendar_id != stored.calendar_id:
            changes["calendar"] = [stored.calendar_id, calendar_id]
            stored.calendar = _calendar_ref(org_id, calendar_id)
        if changes:
            _save_unique(stored)
            _audit(actor, "sla_policy.update", stored, changes)
            matching = bool(changes.keys() & MATCH_FIELDS) and (was_active or stored.active)
            recompute.sla_recompute_enqueue(
                organization_id=org_id,
                change=recompute.SlaChange(
                    policy_id=stored.pk if changes.keys() & TARGET_FIELDS else None,
                    matchers_before=matchers_before if matching else None,
                ),
            )
    return stored


def sla_policy_delete(*, actor: User, sla_policy: SlaPolicy) -> None:
    """Refused (409) while tickets use the policy: deactivate it instead.

    No running ticket's clocks change: a policy no ticket has was no ticket's match.
    """
    _org(actor, sla_policy)
    with transaction.atomic():
        if Ticket.objects.filter(sla_policy=sla_policy).exists():
            raise errors.Conflict("Tickets use this SLA policy: deactivate it instead.")
        _audit(actor, "sla_policy.delete", sla_policy, {"name": sla_policy.name})
        sla_policy.delete()


def _audit(
    actor: User, action: str, obj: BusinessCalendar | SlaPolicy, changes: dict[str, Any]
) -> None:
    kind = "business_calendar" if isinstance(obj, BusinessCalendar) else "sla_policy"
    audit.record(actor=actor, action=action, obj_type=kind, obj_id=obj.pk, changes=changes)


# --- Preview and simulate -----------------------------------------------------------------


def moment_parse(raw: str, *, field: str, timezone_name: str) -> datetime:
    """A timestamp, or a date meaning the start of that day in `timezone_name`."""
    value: datetime | None = None
    try:
        value = parse_datetime(raw) if len(raw) <= 40 else None
        if value is None:
            day = parse_date(raw) if len(raw) <= 10 else None
            if day is not None:
                value = datetime.combine(day, time(), tzinfo=zoneinfo.ZoneInfo(timezone_name))
    except ValueError:
        value = None
    if value is None:
        raise errors.ValidationFailed.on(field, "Must be an ISO 8601 date or timestamp.")
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
        raise errors.ValidationFailed.on(field, "No such category.", "does_not_exist")


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
        raise errors.ValidationFailed.on("to", "Must be after `from`.", "invalid")
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


# --- The sweep ----------------------------------------------------------------------------

# One statement claims a batch and marks it fired: the oldest due, unfired timers after the
# last (fire_at, id) this call has seen (a keyset: the scan never revisits the index
# entries of the timers fired earlier in the call, which stay in the partial index until
# vacuum), each locked together with its ticket; a row whose timer or ticket another
# transaction holds is skipped (SKIP LOCKED) and left for the next sweep.
_CLAIM = f"""
WITH claimed AS MATERIALIZED (
    SELECT t.id, k.status, k.first_responded_at, k.reopen_count
    FROM {SlaTimer._meta.db_table} t JOIN {Ticket._meta.db_table} k ON k.id = t.ticket_id
    WHERE t.fired_at IS NULL AND t.fire_at <= %(now)s
      AND (t.fire_at, t.id) > (%(after_at)s, %(after_id)s)
    ORDER BY t.fire_at, t.id
    LIMIT %(size)s
    FOR UPDATE OF t, k SKIP LOCKED
)
UPDATE {SlaTimer._meta.db_table} t SET fired_at = %(now)s FROM claimed c
WHERE t.id = ANY(ARRAY(SELECT id FROM claimed)) AND t.id = c.id
RETURNING t.fire_at, t.id, t.organization_id, t.ticket_id, t.target, t.kind, t.cycle,
    t.due_at, c.status, c.first_responded_at, c.reopen_count
"""  # noqa: S608 - table names from the models, values are parameters
# The breach flags of a batch's tickets (already locked by the claim), in one statement.
_FLAG_BREACHES = f"""
UPDATE {Ticket._meta.db_table} SET
    first_response_breached = first_response_breached OR id = ANY(%(first_response)s),
    resolution_breached = resolution_breached OR id = ANY(%(resolution)s)
WHERE id = ANY(%(ids)s)
"""  # noqa: S608
_START_OF_TIME = datetime(1, 1, 1, tzinfo=UTC)


def sla_sweep(
    *, limit: int | None = 1000, now: datetime | None = None, budget: float | None = None
) -> int:
    """Fire due timers: mark each fired, flag breaches, emit sla.warning / sla.breached.

    Works in batches of SWEEP_BATCH, one transaction each, walking the due timers once in
    (fire_at, id) order; stops when none is left after the last one seen, after `limit`
    timers (None: no limit) or, once a batch is done, when `budget` seconds have passed.
    Timers and their tickets are locked with SKIP LOCKED (a ticket being edited is left to
    the next sweep, which also avoids lock-order deadlocks with the ticket services), and a
    timer is marked fired in the transaction that emits its event, so each event is emitted
    once even with many sweepers. `now` fixes the sweep's clock (default: each batch's own
    time, so a long sweep also fires what falls due while it runs). Returns the number of
    events emitted.
    """
    deadline = None if budget is None else monotonic() + budget
    after: tuple[datetime, int] = (_START_OF_TIME, 0)
    claimed = emitted = 0
    while limit is None or claimed < limit:
        size = SWEEP_BATCH if limit is None else min(SWEEP_BATCH, limit - claimed)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(
                    _CLAIM,
                    {
                        "now": now or timezone.now(),
                        "after_at": after[0],
                        "after_id": after[1],
                        "size": size,
                    },
                )
                rows = sorted(cursor.fetchall())  # RETURNING has no order: fire_at, id
            if not rows:
                break
            after = (rows[-1][0], rows[-1][1])
            first_response: list[int] = []
            resolution: list[int] = []
            drafts: list[EventDraft] = []
            for (
                _,
                _,
                organization_id,
                ticket_id,
                target,
                kind,
                cycle,
                due_at,
                status,
                first_responded_at,
                reopen_count,
            ) in rows:
                if not _still_running(target, cycle, status, first_responded_at, reopen_count):
                    continue
                breach = kind == SlaTimerKind.BREACH
                if breach:
                    (first_response if target == SlaTarget.FIRST_RESPONSE else resolution).append(
                        ticket_id
                    )
                drafts.append(
                    EventDraft(
                        organization_id=organization_id,
                        type="sla.breached" if breach else "sla.warning",
                        ticket_id=ticket_id,
                        actor_id=None,
                        depth=0,
                        payload={"target": target, "due_at": _iso(due_at)},
                    )
                )
            if first_response or resolution:
                with connection.cursor() as cursor:
                    cursor.execute(
                        _FLAG_BREACHES,
                        {
                            "first_response": first_response,
                            "resolution": resolution,
                            "ids": sorted({*first_response, *resolution}),
                        },
                    )
            emit_many(drafts)
        claimed += len(rows)
        emitted += len(drafts)
        if deadline is not None and monotonic() >= deadline:
            break
    return emitted


def _still_running(
    target: str,
    cycle: int,
    status: str,
    first_responded_at: datetime | None,
    reopen_count: int,
) -> bool:
    """Timers are deleted when their target stops; this guards against a stale row."""
    if status in (Status.RESOLVED, Status.CLOSED):
        return False
    if target == SlaTarget.FIRST_RESPONSE:
        return first_responded_at is None
    return cycle == reopen_count


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
