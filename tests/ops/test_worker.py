"""A real django-q2 cluster, started as `manage.py worker`, consumes our queue.

The cluster is pointed at this test run's database, so everything the test
commits is what the worker sees, and everything it does is visible here.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection, transaction
from django_q.models import OrmQ, Task
from django_q.tasks import async_task

from ruledesk.events.models import DomainEvent, EventStatus
from ruledesk.events.services import emit
from ruledesk.tenancy.models import Organization

ROOT = Path(__file__).resolve().parents[2]
WAIT_SECONDS = 30.0

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def database_url() -> str:
    """A DATABASE_URL for the test database, including the embedded server's socket directory."""
    params = connection.get_connection_params()
    user = quote(params.get("user") or "postgres", safe="")
    password = params.get("password") or ""
    credentials = f"{user}:{quote(password, safe='')}" if password else user
    host = quote(str(params.get("host") or ""), safe="")
    port = f":{params['port']}" if params.get("port") else ""
    return f"postgresql://{credentials}@{host}{port}/{quote(params['dbname'], safe='')}"


def wait_for(condition: Callable[[], bool], cluster: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return
        assert cluster.poll() is None, "the cluster exited early"
        time.sleep(0.2)
    raise AssertionError(f"not done within {WAIT_SECONDS:.0f} s")


@pytest.fixture
def cluster(transactional_db: None, tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    env = {**os.environ, "DATABASE_URL": database_url(), "RULEDESK_Q_WORKERS": "1"}
    log = (tmp_path / "qcluster.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "manage.py", "worker"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        yield process
    finally:
        stop(process)
        log.close()


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the cluster (its sentinel stops the children), then kill whatever is left."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # its own session: only the cluster's processes


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
    assert OrmQ.objects.count() == 0


def test_worker_dispatches_an_event_emitted_in_a_committed_transaction(
    cluster: subprocess.Popen[bytes], acme: Organization
) -> None:
    with transaction.atomic():
        event = emit(organization_id=acme.pk, type="ops.probe", payload={"n": 1})

    wait_for(lambda: Task.objects.filter(name=f"event-{event.pk}").exists(), cluster)

    event.refresh_from_db()
    assert event.status == EventStatus.DISPATCHED
    assert event.attempts == 1
    assert event.dispatched_at is not None
    task = Task.objects.get(name=f"event-{event.pk}")
    assert task.success is True
    assert task.result is True


def test_event_emitted_in_a_rolled_back_transaction_leaves_no_event_and_no_task(
    acme: Organization,
) -> None:
    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        emit(organization_id=acme.pk, type="ops.probe")
        assert DomainEvent.objects.count() == 1
        assert OrmQ.objects.count() == 1
        raise Abort

    assert DomainEvent.objects.count() == 0
    assert OrmQ.objects.count() == 0
