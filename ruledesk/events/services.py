"""Recording and dispatching domain events.

`emit()` and `emit_many()` must run inside the caller's transaction: the event
rows and the django-q2 tasks that will dispatch them commit or roll back with the
change. Both enqueue through `_enqueue_dispatch`, which builds each task exactly
as `django_q.tasks.async_task` would and COPYs the ORM broker's rows.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db import InterfaceError, OperationalError, connection, connections, transaction
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.brokers.orm import ORM
from django_q.conf import Conf
from django_q.humanhash import uuid
from django_q.models import OrmQ
from django_q.signals import pre_enqueue
from django_q.signing import SignedPackage
from django_q.tasks import async_task

from ruledesk.events import registry
from ruledesk.events.models import DomainEvent, EventStatus

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
# Dispatch tasks keep no django-q2 result row when they succeed: the event row records the
# outcome, and saving one costs the monitor a locked read of every saved result
# (django-q2 prunes to `save_limit` that way), per task. Failures are still saved.
TASK_OPTIONS = {"save": False}
# A task that keeps reappearing without ever finishing (its worker dies each
# time, so django-q2 never counts a failure) is parked after this many starts.
MAX_DELIVERIES = 10
DISPATCH_TASK = "ruledesk.events.tasks.dispatch_event"


@dataclass(frozen=True)
class EventDraft:
    """One event for `emit_many()`: the same fields as `emit()`'s keyword arguments."""

    organization_id: int
    type: str
    actor_id: int | None = None
    ticket_id: int | None = None
    payload: dict[str, Any] | None = field(default=None, hash=False)
    changes: dict[str, Any] | None = field(default=None, hash=False)
    depth: int = 0


def emit(
    *,
    organization_id: int,
    type: str,  # noqa: A002 - the event's type is its public name
    actor_id: int | None = None,
    ticket_id: int | None = None,
    payload: dict[str, Any] | None = None,
    changes: dict[str, Any] | None = None,
    depth: int = 0,
) -> DomainEvent:
    """Record an event in the current transaction and enqueue its dispatch with it."""
    if not connection.in_atomic_block:
        raise RuntimeError("emit() must be called inside transaction.atomic()")
    draft = EventDraft(
        organization_id=organization_id,
        type=type,
        actor_id=actor_id,
        ticket_id=ticket_id,
        payload=payload,
        changes=changes,
        depth=depth,
    )
    now = timezone.now()
    event = DomainEvent(**_event_fields(draft), next_attempt_at=now, created_at=now)
    # Plain SQL: every service call and every rules decision emits, and the ORM's
    # INSERT cost as much again in Python as the statement in PostgreSQL.
    with connection.cursor() as cursor:
        cursor.execute(_INSERT, _row(event)[1:])
        event.pk = int(cursor.fetchone()[0])
    _enqueue_dispatch([_stored(event).pk])
    return event


def emit_many(events: Sequence[EventDraft]) -> list[DomainEvent]:
    """Record many events in the current transaction and enqueue one dispatch task per
    event, exactly as `emit()` would for each: three round trips however many.

    Ids come from the table's sequence first, so both tables are written with COPY:
    `bulk_create`'s per-field preparation was three quarters of the SLA sweep's time.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("emit_many() must be called inside transaction.atomic()")
    if not events:
        return []
    now = timezone.now()
    table = DomainEvent._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, len(events)],
        )
        ids = [int(row[0]) for row in cursor.fetchall()]
        created = [
            _stored(DomainEvent(id=pk, **_event_fields(draft), next_attempt_at=now, created_at=now))
            for pk, draft in zip(ids, events, strict=True)
        ]
        with cursor.cursor.copy(f"COPY {table} ({', '.join(EVENT_COLUMNS)}) FROM STDIN") as copy:
            for event in created:
                copy.write_row(_row(event))
    _enqueue_dispatch(ids)
    return created


# The columns `emit_many` writes, in the order of `_row`.
EVENT_COLUMNS = (
    "id",
    "organization_id",
    "type",
    "ticket_id",
    "actor_id",
    "payload",
    "changes",
    "depth",
    "status",
    "attempts",
    "deliveries",
    "next_attempt_at",
    "last_error",
    "created_at",
)


_INSERT = (
    f"INSERT INTO {DomainEvent._meta.db_table} ({', '.join(EVENT_COLUMNS[1:])})"  # noqa: S608
    f" VALUES ({', '.join(['%s'] * (len(EVENT_COLUMNS) - 1))}) RETURNING id"
)


def _stored(event: DomainEvent) -> DomainEvent:
    """Mark an instance as the row just written (so a save() updates, not inserts)."""
    event._state.adding = False
    event._state.db = connection.alias
    return event


def _row(event: DomainEvent) -> tuple[Any, ...]:
    values = {name: getattr(event, name) for name in EVENT_COLUMNS}
    values["payload"] = json.dumps(values["payload"])
    values["changes"] = json.dumps(values["changes"])
    return tuple(values[name] for name in EVENT_COLUMNS)


def _event_fields(draft: EventDraft) -> dict[str, Any]:
    return {
        "organization_id": draft.organization_id,
        "type": draft.type,
        "actor_id": draft.actor_id,
        "ticket_id": draft.ticket_id,
        "payload": draft.payload or {},
        "changes": draft.changes or {},
        "depth": draft.depth,
    }


def _dispatch_task(event_id: int) -> dict[str, Any]:
    """The task dict `async_task(DISPATCH_TASK, event_id, task_name=f"event-{event_id}",
    save=False)` builds (django-q2 1.x `django_q.tasks.async_task`), signal included."""
    tag = uuid()
    task: dict[str, Any] = {
        "id": tag[1],
        "name": f"event-{event_id}",
        "func": DISPATCH_TASK,
        "args": (event_id,),
        **TASK_OPTIONS,
    }
    if Conf.CACHED:
        task["cached"] = Conf.CACHED
    if Conf.SYNC:
        task["sync"] = Conf.SYNC
    if Conf.ACK_FAILURES:
        task["ack_failure"] = Conf.ACK_FAILURES
    task["kwargs"] = {}
    task["started"] = timezone.now()
    pre_enqueue.send(sender="django_q", task=task)
    return task


def _enqueue_dispatch(event_ids: Sequence[int]) -> None:
    """Enqueue one dispatch task per event into the ORM broker: one INSERT for one, a COPY
    for more (one INSERT is one round trip, a COPY two, but each row after costs little)."""
    broker = get_broker()
    if Conf.SYNC or not isinstance(broker, ORM):
        # Sync mode runs the task inline and other brokers have their own queues:
        # let django-q2 do it, one task at a time.
        for event_id in event_ids:
            async_task(DISPATCH_TASK, event_id, task_name=f"event-{event_id}", **TASK_OPTIONS)
        return
    key = broker.list_key or Conf.CLUSTER_NAME
    lock = timezone.now()
    table = OrmQ._meta.db_table
    if len(event_ids) == 1:
        with connections[Conf.ORM].cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (key, payload, lock) VALUES (%s, %s, %s)",  # noqa: S608
                [key, SignedPackage.dumps(_dispatch_task(event_ids[0])), lock],
            )
        return
    with (
        connections[Conf.ORM].cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} (key, payload, lock) FROM STDIN") as copy,
    ):
        for event_id in event_ids:
            copy.write_row((key, SignedPackage.dumps(_dispatch_task(event_id)), lock))


def event_dispatch(*, event_id: int) -> bool:
    """Run every consumer for one event; True when it is dispatched now or was already.

    The row is claimed with FOR UPDATE SKIP LOCKED so two workers never run
    the same event at once; a consumer failure schedules a retry with backoff
    and parks the event as a dead letter after MAX_ATTEMPTS.

    A failure rolls the whole transaction back (the consumers' work with it) and is
    recorded in a second one that claims the row again, rather than keeping the
    lock through a savepoint around the consumers: two round trips less on every
    dispatch that succeeds, and a failure at commit is recorded too.
    """
    if not _note_delivery(event_id):
        return False
    try:
        with transaction.atomic():
            event = _claim(event_id)
            if event is None:
                return False
            for _name, consumer in registry.consumers():
                consumer(event)
            _mark_dispatched(event)
            return True
    except Exception as exc:
        with transaction.atomic():
            failed = _claim(event_id)
            if failed is not None:  # else another worker has it now
                _record_failure(failed, exc)
        return False


# The claim and the final mark are plain SQL: through the ORM they took 2 of the
# 3 ms a dispatch costs before any consumer runs (docs/performance.md, rules).
_FIELDS = list(DomainEvent._meta.concrete_fields)
_CLAIM = (
    f"SELECT {', '.join(str(f.column) for f in _FIELDS)} FROM {DomainEvent._meta.db_table}"  # noqa: S608
    " WHERE id = %s AND status IN (%s, %s) FOR UPDATE SKIP LOCKED"
)


def _claim(event_id: int) -> DomainEvent | None:
    """The event, row-locked, if it is still to dispatch and no other worker holds it."""
    with connection.cursor() as cursor:
        cursor.execute(_CLAIM, [event_id, EventStatus.PENDING.value, EventStatus.FAILED.value])
        row = cursor.fetchone()
    if row is None:
        return None
    values = [
        field.from_db_value(value, None, connection) if hasattr(field, "from_db_value") else value
        for field, value in zip(_FIELDS, row, strict=True)
    ]
    return DomainEvent.from_db(connection.alias, [f.attname for f in _FIELDS], values)


def _mark_dispatched(event: DomainEvent) -> None:
    event.status = EventStatus.DISPATCHED
    event.dispatched_at = timezone.now()
    event.attempts += 1
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {DomainEvent._meta.db_table} SET status = %s, dispatched_at = %s,"  # noqa: S608
            " attempts = %s WHERE id = %s",
            [event.status.value, event.dispatched_at, event.attempts, event.pk],
        )


_NOTE = (
    f"UPDATE {DomainEvent._meta.db_table} SET deliveries = deliveries + 1,"  # noqa: S608
    " status = CASE WHEN deliveries >= %(max)s THEN %(dead)s ELSE status END,"
    " last_error = CASE WHEN deliveries >= %(max)s THEN %(why)s ELSE last_error END"
    " WHERE id = %(id)s AND status IN (%(pending)s, %(failed)s)"
    " RETURNING status, set_config('synchronous_commit', 'off', true)"
)


def _note_delivery(event_id: int) -> bool:
    """Count this start in its own commit; park the event when it keeps coming back.

    One statement, committed on its own (autocommit): the count and, past
    MAX_DELIVERIES, the dead-letter state. It is the task's first statement, so it
    also stands in for Django's health check (a `SELECT 1` after django-q2's
    `close_old_connections()`): a connection the server dropped is replaced and the
    statement run again. Its commit does not wait for the WAL flush
    (`synchronous_commit` off for this statement): only a crash of PostgreSQL itself
    can lose it, and then the dispatch it announces is lost with it; the watchdog
    is for workers that die, whose counts PostgreSQL keeps.
    """
    params: dict[str, int | str] = {
        "id": event_id,
        "max": MAX_DELIVERIES,
        "dead": EventStatus.DEAD.value,
        "why": f"watchdog: started {MAX_DELIVERIES} times without finishing",
        "pending": EventStatus.PENDING.value,
        "failed": EventStatus.FAILED.value,
    }
    for attempt in (1, 2):
        connection.health_check_done = True  # type: ignore[attr-defined]  # this is the check
        try:
            with connection.cursor() as cursor:
                cursor.execute(_NOTE, params)
                row = cursor.fetchone()
            break
        except (InterfaceError, OperationalError):
            if attempt == 2 or connection.in_atomic_block:
                raise
            connection.close()
    if row is None:
        return False
    if row[0] == EventStatus.DEAD:
        logger.error("event %s parked by the watchdog", event_id)
        return False
    return True


def _record_failure(event: DomainEvent, exc: Exception) -> None:
    event.attempts += 1
    event.last_error = f"{type(exc).__name__}: {exc}"[:2000]
    if event.attempts >= MAX_ATTEMPTS:
        event.status = EventStatus.DEAD
        logger.error("event %s dead-lettered after %s attempts", event.pk, event.attempts)
    else:
        event.status = EventStatus.FAILED
        event.next_attempt_at = timezone.now() + timedelta(seconds=2**event.attempts * 5)
        logger.warning("event %s failed (attempt %s)", event.pk, event.attempts)
    event.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])


def events_redispatch(*, limit: int = 500) -> int:
    """Re-enqueue events left undispatched (lost task, failed attempt due again)."""
    due = list(
        DomainEvent.objects.filter(
            status__in=[EventStatus.PENDING, EventStatus.FAILED],
            next_attempt_at__lte=timezone.now() - timedelta(seconds=30),
        )
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    for event_id in due:
        async_task(DISPATCH_TASK, event_id, task_name=f"event-{event_id}-retry", **TASK_OPTIONS)
    return len(due)
