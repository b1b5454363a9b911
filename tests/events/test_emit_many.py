"""emit_many(): one COPY for the events, one for their tasks, each task as emit() makes it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django_q.models import OrmQ
from django_q.signing import SignedPackage
from django_q.tasks import async_task

from ruledesk.events import registry
from ruledesk.events.models import DomainEvent, EventStatus
from ruledesk.events.services import (
    DISPATCH_TASK,
    EventDraft,
    emit,
    emit_many,
    event_dispatch,
)
from ruledesk.tenancy.models import Organization

# Fields of a task that differ from one enqueue to the next.
VOLATILE = {"id", "started"}


def _task(row: OrmQ) -> dict[str, Any]:
    loaded: dict[str, Any] = SignedPackage.loads(row.payload)
    return loaded


def _stable(task: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in task.items() if k not in VOLATILE}


def _drafts(org: Organization, count: int) -> list[EventDraft]:
    return [
        EventDraft(organization_id=org.pk, type="test.many", payload={"n": n}, depth=1)
        for n in range(count)
    ]


class Recorder:
    def __init__(self) -> None:
        self.seen: list[tuple[int, str, dict[str, Any]]] = []

    def __call__(self, event: DomainEvent) -> None:
        self.seen.append((event.pk, event.type, event.payload))


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    consumer = Recorder()
    registry.register("test-emit-many", consumer)
    yield consumer
    registry.unregister("test-emit-many")


def test_emit_many_writes_events_and_tasks_with_one_query_and_two_copies(
    acme: Organization,
) -> None:
    events_before, tasks_before = DomainEvent.objects.count(), OrmQ.objects.count()
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        events = emit_many(_drafts(acme, 5))
    # The ids from the sequence; the rows go in by COPY, which Django does not log.
    assert [q["sql"][:15] for q in queries.captured_queries] == ["SELECT nextval("]
    assert [e.payload for e in events] == [{"n": n} for n in range(5)]
    assert [
        (e.pk, e.created_at, e.next_attempt_at, e.payload, e.status, e.deliveries) for e in events
    ] == [
        (e.pk, e.created_at, e.next_attempt_at, e.payload, e.status, e.deliveries)
        for e in DomainEvent.objects.filter(pk__in=[e.pk for e in events]).order_by("pk")
    ]
    assert all(e.pk is not None for e in events)
    assert DomainEvent.objects.count() == events_before + 5
    assert OrmQ.objects.count() == tasks_before + 5
    stored = DomainEvent.objects.filter(pk__in=[e.pk for e in events]).order_by("pk")
    assert [(e.organization_id, e.type, e.depth, e.status, e.changes) for e in stored] == [
        (acme.pk, "test.many", 1, EventStatus.PENDING, {})
    ] * 5
    tasks = [_task(row) for row in OrmQ.objects.order_by("id")][-5:]
    assert [(t["func"], t["args"], t["name"]) for t in tasks] == [
        (DISPATCH_TASK, (e.pk,), f"event-{e.pk}") for e in events
    ]
    assert len({t["id"] for t in tasks}) == 5


def test_each_task_is_what_async_task_and_emit_would_enqueue(acme: Organization) -> None:
    with transaction.atomic():
        [many] = emit_many(_drafts(acme, 1))
        many_row = OrmQ.objects.latest("id")
        single = emit(organization_id=acme.pk, type="test.single")
        single_row = OrmQ.objects.latest("id")
        async_task(DISPATCH_TASK, many.pk, task_name=f"event-{many.pk}", save=False)
        reference_row = OrmQ.objects.latest("id")
    many_task, single_task, reference = _task(many_row), _task(single_row), _task(reference_row)
    assert _stable(many_task) == _stable(reference)
    assert set(many_task) == set(reference)
    assert _stable(single_task) == {
        **_stable(reference),
        "args": (single.pk,),
        "name": f"event-{single.pk}",
    }
    assert many_task.get("group") is None
    assert (many_row.key, single_row.key) == (reference_row.key, reference_row.key)
    assert many_row.lock is not None


def test_a_rollback_leaves_no_events_and_no_tasks(acme: Organization) -> None:
    events_before, tasks_before = DomainEvent.objects.count(), OrmQ.objects.count()
    with pytest.raises(RuntimeError, match="boom"), transaction.atomic():
        emit_many(_drafts(acme, 3))
        raise RuntimeError("boom")
    assert DomainEvent.objects.count() == events_before
    assert OrmQ.objects.count() == tasks_before


def test_emit_many_needs_a_transaction() -> None:
    # No database access at all: it refuses before writing anything.
    with pytest.raises(RuntimeError, match="inside transaction.atomic"):
        emit_many([EventDraft(organization_id=1, type="test.many")])


def test_emit_many_of_nothing_writes_nothing(acme: Organization) -> None:
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        assert emit_many([]) == []
    assert queries.captured_queries == []


def test_an_event_from_emit_many_is_dispatched(acme: Organization, recorder: Recorder) -> None:
    with transaction.atomic():
        first, second = emit_many(_drafts(acme, 2))

    assert event_dispatch(event_id=second.pk) is True
    assert event_dispatch(event_id=second.pk) is False

    second.refresh_from_db()
    first.refresh_from_db()
    assert recorder.seen == [(second.pk, "test.many", {"n": 1})]
    assert (second.status, second.attempts) == (EventStatus.DISPATCHED, 1)
    assert (first.status, first.attempts) == (EventStatus.PENDING, 0)


def test_a_single_event_and_its_task_are_two_inserts(acme: Organization) -> None:
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        event = emit(organization_id=acme.pk, type="test.single")
    assert [q["sql"].split()[:3] for q in queries.captured_queries] == [
        ["INSERT", "INTO", "events_domainevent"],
        ["INSERT", "INTO", "django_q_ormq"],
    ]
    assert _task(OrmQ.objects.latest("id"))["args"] == (event.pk,)
    stored = DomainEvent.objects.get(pk=event.pk)
    assert (stored.type, stored.status, stored.payload, stored.created_at) == (
        "test.single",
        EventStatus.PENDING,
        {},
        event.created_at,
    )
