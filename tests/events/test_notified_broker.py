"""The worker is woken by NOTIFY when tasks are queued, not by its poll.

With the poll set to 20 s, only the notification can explain an event dispatched
within two seconds of its commit; without it, each would wait for the poll.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone
from django_q.conf import Conf
from django_q.models import OrmQ

from ruledesk.events.broker import QUEUE_CHANNEL, NotifiedORM
from ruledesk.events.models import DomainEvent, EventStatus
from ruledesk.events.services import emit
from ruledesk.tenancy.models import Organization
from tests import processes

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_queued_tasks_notify_the_listeners_at_commit_not_before(acme: Organization) -> None:
    listening = connection.get_new_connection(connection.get_connection_params())
    listening.autocommit = True
    with listening:
        listening.execute(f"LISTEN {QUEUE_CHANNEL}")
        with transaction.atomic():
            emit(organization_id=acme.pk, type="test.ping")
            emit(organization_id=acme.pk, type="test.ping")
            assert list(listening.notifies(timeout=0.3)) == []  # not before the commit
        received = list(listening.notifies(timeout=2, stop_after=1))
        received += list(listening.notifies(timeout=0.3))
    assert [n.channel for n in received] == [QUEUE_CHANNEL]  # folded: one per transaction


def test_an_idle_worker_dispatches_within_seconds_however_long_its_poll(
    acme: Organization, tmp_path: Path
) -> None:
    worker = processes.start_worker(tmp_path / "worker.log", RULEDESK_Q_POLL_MS="20000")
    try:
        # Warm up: the first event also waits for the cluster to start.
        with transaction.atomic():
            first = emit(organization_id=acme.pk, type="test.ping")
        processes.wait_for(
            lambda: DomainEvent.objects.filter(pk=first.pk, status=EventStatus.DISPATCHED).exists(),
            worker,
            seconds=30,
        )
        lags = []
        for _ in range(5):
            with transaction.atomic():
                event = emit(organization_id=acme.pk, type="test.ping")
            dispatched = DomainEvent.objects.filter(pk=event.pk, status=EventStatus.DISPATCHED)
            processes.wait_for(dispatched.exists, worker, seconds=25)
            stored = DomainEvent.objects.get(pk=event.pk)
            assert stored.dispatched_at is not None
            lags.append((stored.dispatched_at - stored.created_at).total_seconds())
    finally:
        processes.stop(worker)
    assert max(lags) < 2.0, lags  # the poll alone: 10 s on average, each


def test_a_broken_listening_connection_is_replaced_on_the_next_wait(
    acme: Organization,
) -> None:
    OrmQ.objects.all().delete()  # the organization's own set-up task
    broker = NotifiedORM(list_key=Conf.CLUSTER_NAME)
    first = broker._listen()
    assert first is not None
    pid = first.info.backend_pid
    with connection.cursor() as cursor:  # the server drops it, as in a restart
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])

    assert broker.dequeue() is None  # the wait fails, is logged, sleeps the poll
    assert broker._listener is None or broker._listener.closed

    with transaction.atomic():
        emit(organization_id=acme.pk, type="test.ping")
    claimed = broker.dequeue()  # LISTENs again, then finds the task
    assert claimed is not None and len(claimed) == 1
    assert broker._listener is not None and broker._listener.info.backend_pid != pid
    broker._close_listener()


def _queue(n: int, acme: Organization) -> list[int]:
    OrmQ.objects.all().delete()
    with transaction.atomic():
        for _ in range(n):
            emit(organization_id=acme.pk, type="test.ping")
    return list(OrmQ.objects.order_by("id").values_list("id", flat=True))


def test_the_claim_takes_the_oldest_due_tasks_and_locks_them_for_the_retry_period(
    acme: Organization,
) -> None:
    queued = _queue(3, acme)
    broker = NotifiedORM(list_key=Conf.CLUSTER_NAME)
    first = broker._claim()
    assert [pk for pk, _payload in first] == queued[: Conf.BULK]
    assert first[0][1] == OrmQ.objects.get(pk=queued[0]).payload
    lock = OrmQ.objects.get(pk=queued[0]).lock
    assert lock is not None and (lock - timezone.now()).total_seconds() > Conf.RETRY - 5
    # A second broker (another cluster) skips what the first holds, however long it asks.
    other = NotifiedORM(list_key=Conf.CLUSTER_NAME)
    rest = [pk for _ in range(len(queued)) for pk, _payload in other._claim()]
    assert rest == queued[Conf.BULK :]
    assert other._claim() == []


def test_a_task_whose_lock_expired_is_claimed_again(acme: Organization) -> None:
    (task,) = _queue(1, acme)
    broker = NotifiedORM(list_key=Conf.CLUSTER_NAME)
    assert [pk for pk, _payload in broker._claim()] == [task]
    assert broker._claim() == []
    OrmQ.objects.filter(pk=task).update(lock=timezone.now() - timedelta(seconds=1))
    assert [pk for pk, _payload in broker._claim()] == [task]  # its worker died: again


def test_the_claim_and_the_acknowledgement_survive_a_dropped_connection(
    acme: Organization,
) -> None:
    (task,) = _queue(1, acme)
    broker = NotifiedORM(list_key=Conf.CLUSTER_NAME)
    _drop(connection)
    assert [pk for pk, _payload in broker._claim()] == [task]
    _drop(connection)
    broker.acknowledge(task)
    assert not OrmQ.objects.filter(pk=task).exists()


def _drop(conn: Any) -> None:
    """Have the server end this connection's backend, as a restart would."""
    conn.ensure_connection()
    pid = conn.connection.info.backend_pid
    killer = conn.get_new_connection(conn.get_connection_params())
    killer.autocommit = True
    with killer:
        killer.execute("SELECT pg_terminate_backend(%s)", [pid])
