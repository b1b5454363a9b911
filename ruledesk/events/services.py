"""Recording and dispatching domain events.

`emit()` must run inside the caller's transaction: the event row and the
django-q2 task that will dispatch it commit or roll back with the change.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django_q.tasks import async_task

from ruledesk.events import registry
from ruledesk.events.models import DomainEvent, EventStatus

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
# A task that keeps reappearing without ever finishing (its worker dies each
# time, so django-q2 never counts a failure) is parked after this many starts.
MAX_DELIVERIES = 10
DISPATCH_TASK = "ruledesk.events.tasks.dispatch_event"


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
    event = DomainEvent.objects.create(
        organization_id=organization_id,
        type=type,
        actor_id=actor_id,
        ticket_id=ticket_id,
        payload=payload or {},
        changes=changes or {},
        depth=depth,
    )
    async_task(DISPATCH_TASK, event.pk, task_name=f"event-{event.pk}")
    return event


def event_dispatch(*, event_id: int) -> bool:
    """Run every consumer for one event; True when it is dispatched now or was already.

    The row is claimed with FOR UPDATE SKIP LOCKED so two workers never run
    the same event at once; a consumer failure schedules a retry with backoff
    and parks the event as a dead letter after MAX_ATTEMPTS.
    """
    if not _note_delivery(event_id):
        return False
    with transaction.atomic():
        event = (
            DomainEvent.objects.select_for_update(skip_locked=True)
            .filter(pk=event_id, status__in=[EventStatus.PENDING, EventStatus.FAILED])
            .first()
        )
        if event is None:
            return False
        try:
            with transaction.atomic():
                for _name, consumer in registry.consumers():
                    consumer(event)
        except Exception as exc:
            _record_failure(event, exc)
            return False
        event.status = EventStatus.DISPATCHED
        event.dispatched_at = timezone.now()
        event.attempts += 1
        event.save(update_fields=["status", "dispatched_at", "attempts"])
        return True


def _note_delivery(event_id: int) -> bool:
    """Count this start in its own commit; park the event when it keeps coming back."""
    with transaction.atomic():
        counted = DomainEvent.objects.filter(
            pk=event_id, status__in=[EventStatus.PENDING, EventStatus.FAILED]
        ).update(deliveries=F("deliveries") + 1)
    if not counted:
        return False
    parked = DomainEvent.objects.filter(
        pk=event_id,
        status__in=[EventStatus.PENDING, EventStatus.FAILED],
        deliveries__gt=MAX_DELIVERIES,
    ).update(
        status=EventStatus.DEAD,
        last_error=f"watchdog: started {MAX_DELIVERIES} times without finishing",
    )
    if parked:
        logger.error("event %s parked by the watchdog", event_id)
    return not parked


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
        async_task(DISPATCH_TASK, event_id, task_name=f"event-{event_id}-retry")
    return len(due)
