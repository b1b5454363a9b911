"""A real django-q2 cluster, started as `manage.py worker`, consumes our queue.

The cluster is pointed at this test run's database, so everything the test
commits is what the worker sees, and everything it does is visible here.
"""

from __future__ import annotations

import subprocess

import pytest
from django.db import connection, transaction
from django_q.models import OrmQ, Task
from django_q.tasks import async_task

from ruledesk.events.models import DomainEvent, EventStatus
from ruledesk.events.services import emit
from ruledesk.tenancy.models import Organization
from tests.processes import database_url, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_database_url_reaches_the_test_database() -> None:
    import dj_database_url

    parsed = dj_database_url.parse(database_url())

    assert parsed["NAME"] == connection.settings_dict["NAME"]
    assert parsed["HOST"] == connection.get_connection_params()["host"]


def test_worker_runs_a_queued_heartbeat_and_stores_its_result(
    cluster: subprocess.Popen[bytes],
) -> None:
    task_id = async_task("ruledesk.ops.tasks.heartbeat", "from-the-test")

    wait_for(lambda: Task.objects.filter(id=task_id).exists(), cluster)

    task = Task.objects.get(id=task_id)
    assert task.success is True
    assert task.func == "ruledesk.ops.tasks.heartbeat"
    assert task.result.startswith("alive at ")
    assert task.result.endswith(" from-the-test")
    # django-q2's monitor saves the result, then acknowledges (deletes) the queued row.
    wait_for(lambda: not OrmQ.objects.exists(), cluster)


def test_worker_dispatches_an_event_emitted_in_a_committed_transaction(
    cluster: subprocess.Popen[bytes], acme: Organization
) -> None:
    with transaction.atomic():
        event = emit(organization_id=acme.pk, type="ops.probe", payload={"n": 1})

    wait_for(
        lambda: DomainEvent.objects.filter(pk=event.pk, status=EventStatus.DISPATCHED).exists(),
        cluster,
    )
    wait_for(lambda: not OrmQ.objects.exists(), cluster)  # acknowledged

    event.refresh_from_db()
    assert event.attempts == 1
    assert event.dispatched_at is not None
    # The event row is the record: a successful dispatch keeps no django-q2 result row.
    assert not Task.objects.filter(name=f"event-{event.pk}").exists()


def test_event_emitted_in_a_rolled_back_transaction_leaves_no_event_and_no_task(
    acme: Organization,
) -> None:
    class Abort(Exception):
        pass

    events, tasks = DomainEvent.objects.count(), OrmQ.objects.count()  # organization.created
    with pytest.raises(Abort), transaction.atomic():
        emit(organization_id=acme.pk, type="ops.probe")
        assert DomainEvent.objects.count() == events + 1
        assert OrmQ.objects.count() == tasks + 1
        raise Abort

    assert DomainEvent.objects.count() == events
    assert OrmQ.objects.count() == tasks
    assert not DomainEvent.objects.filter(type="ops.probe").exists()
