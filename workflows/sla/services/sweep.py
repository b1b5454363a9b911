"""The timer sweep: due warnings and breaches fired once each, in batches."""

from __future__ import annotations

from datetime import UTC, datetime
from time import monotonic

from django.db import connection, transaction
from django.utils import timezone

from ruledesk.events.services import EventDraft, emit_many
from workflows.models import Status, Ticket
from workflows.sla.models import SlaTarget, SlaTimer, SlaTimerKind

SWEEP_BATCH = 500  # timers per sweep transaction (docs/performance.md, SLA sweep)


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
