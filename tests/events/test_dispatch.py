"""Dispatch of domain events: once per event, retries with backoff, dead letters, the watchdog."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone
from django_q.models import OrmQ

from ruledesk.events import registry
from ruledesk.events.models import DomainEvent, EventStatus
from ruledesk.events.services import (
    MAX_ATTEMPTS,
    MAX_DELIVERIES,
    emit,
    event_dispatch,
    events_redispatch,
)
from ruledesk.tenancy.models import Organization


class Recorder:
    """A consumer that remembers what it saw and fails on events marked poison."""

    def __init__(self) -> None:
        self.seen: list[int] = []

    def __call__(self, event: DomainEvent) -> None:
        if event.payload.get("poison"):
            raise RuntimeError("cannot digest this")
        self.seen.append(event.pk)


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    consumer = Recorder()
    registry.register("test-recorder", consumer)
    yield consumer
    registry.unregister("test-recorder")


def _emit(org: Organization, **payload: object) -> DomainEvent:
    with transaction.atomic():
        return emit(organization_id=org.pk, type="test.happened", payload=dict(payload))


def test_an_event_is_dispatched_once_even_when_its_task_runs_twice(
    acme: Organization, recorder: Recorder
) -> None:
    event = _emit(acme)

    assert event_dispatch(event_id=event.pk) is True
    assert event_dispatch(event_id=event.pk) is False

    event.refresh_from_db()
    assert recorder.seen == [event.pk]
    assert event.status == EventStatus.DISPATCHED
    assert event.attempts == 1
    assert event.deliveries == 1


def test_a_failing_consumer_schedules_a_retry_with_growing_backoff(
    acme: Organization, recorder: Recorder
) -> None:
    event = _emit(acme, poison=True)
    with time_machine.travel("2026-11-25 10:00:00Z", tick=False):
        event_dispatch(event_id=event.pk)
        event.refresh_from_db()
        first_delay = event.next_attempt_at - timezone.now()
        event_dispatch(event_id=event.pk)
        event.refresh_from_db()
        second_delay = event.next_attempt_at - timezone.now()

    assert event.status == EventStatus.FAILED
    assert event.attempts == 2
    assert event.last_error == "RuntimeError: cannot digest this"
    assert first_delay == timedelta(seconds=10)
    assert second_delay == timedelta(seconds=20)


def test_a_poison_event_lands_in_dead_letters_while_other_events_flow(
    acme: Organization, recorder: Recorder
) -> None:
    poison = _emit(acme, poison=True)
    healthy = [_emit(acme, n=i) for i in range(3)]

    for _ in range(MAX_ATTEMPTS):
        event_dispatch(event_id=poison.pk)
    for event in healthy:
        event_dispatch(event_id=event.pk)
    poison.refresh_from_db()

    assert poison.status == EventStatus.DEAD
    assert poison.attempts == MAX_ATTEMPTS
    assert recorder.seen == [e.pk for e in healthy]
    assert event_dispatch(event_id=poison.pk) is False  # a dead letter is not retried
    assert set(
        DomainEvent.objects.filter(pk__in=[e.pk for e in healthy]).values_list("status", flat=True)
    ) == {EventStatus.DISPATCHED}


def test_the_watchdog_parks_an_event_whose_worker_keeps_dying(
    acme: Organization, recorder: Recorder
) -> None:
    event = _emit(acme)
    # Each start that never finished (a killed worker) left only its delivery count.
    DomainEvent.objects.filter(pk=event.pk).update(deliveries=MAX_DELIVERIES)

    assert event_dispatch(event_id=event.pk) is False

    event.refresh_from_db()
    assert event.status == EventStatus.DEAD
    assert event.last_error.startswith("watchdog:")
    assert recorder.seen == []


def test_consumer_changes_roll_back_with_a_failed_dispatch(
    acme: Organization, recorder: Recorder
) -> None:
    def half_done(event: DomainEvent) -> None:
        Organization.objects.filter(pk=event.organization_id).update(name="changed")
        raise RuntimeError("halfway")

    registry.register("test-half-done", half_done)
    try:
        event = _emit(acme)
        event_dispatch(event_id=event.pk)
    finally:
        registry.unregister("test-half-done")

    acme.refresh_from_db()
    event.refresh_from_db()
    assert acme.name == "Acme"
    assert event.status == EventStatus.FAILED  # every consumer runs again on the retry


def test_redispatch_enqueues_only_events_left_behind(acme: Organization) -> None:
    with time_machine.travel("2026-11-25 10:00:00Z", tick=False):
        stale = _emit(acme)
        done = _emit(acme)
        DomainEvent.objects.filter(pk=done.pk).update(status=EventStatus.DISPATCHED)
    with time_machine.travel("2026-11-25 10:00:20Z", tick=False):
        fresh = _emit(acme)
    OrmQ.objects.all().delete()

    with time_machine.travel("2026-11-25 10:00:45Z", tick=False):
        count = events_redispatch()

    assert count == 1
    assert OrmQ.objects.count() == 1
    assert fresh.pk != stale.pk
    assert OrmQ.objects.get().task["args"] == (stale.pk,)


@pytest.mark.django_db(transaction=True)
def test_a_failure_at_commit_is_recorded_as_a_failed_attempt(acme: Organization) -> None:
    from ruledesk.tenancy.models import Team

    def dangling(event: DomainEvent) -> None:
        # A foreign key PostgreSQL checks only at COMMIT (Django's are deferred).
        Team.objects.create(organization_id=10**9, name="Nobody's")

    registry.register("test-dangling", dangling)
    try:
        event = _emit(acme)
        assert event_dispatch(event_id=event.pk) is False
    finally:
        registry.unregister("test-dangling")

    event.refresh_from_db()
    assert (event.status, event.attempts) == (EventStatus.FAILED, 1)
    assert event.last_error.startswith("IntegrityError")
    assert not Team.objects.filter(name="Nobody's").exists()
