"""Real worker processes for tests: `manage.py worker` pointed at this test run's database.

The cluster gets a DATABASE_URL for the test database, so everything a test
commits is what the worker sees, and everything it does is visible to the test.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from django.db import connection

ROOT = Path(__file__).resolve().parents[1]
WAIT_SECONDS = 30.0


def database_url() -> str:
    """A DATABASE_URL for the test database, including the embedded server's socket directory."""
    params = connection.get_connection_params()
    user = quote(params.get("user") or "postgres", safe="")
    password = params.get("password") or ""
    credentials = f"{user}:{quote(password, safe='')}" if password else user
    host = quote(str(params.get("host") or ""), safe="")
    port = f":{params['port']}" if params.get("port") else ""
    return f"postgresql://{credentials}@{host}{port}/{quote(params['dbname'], safe='')}"


def start_worker(log_path: Path, **env: str) -> subprocess.Popen[bytes]:
    """Start `manage.py worker` in its own session (so the whole cluster can be killed)."""
    full_env = {**os.environ, "DATABASE_URL": database_url(), "RULEDESK_Q_WORKERS": "1", **env}
    with log_path.open("ab") as log:
        return subprocess.Popen(
            [sys.executable, "manage.py", "worker"],
            cwd=ROOT,
            env=full_env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the cluster (its sentinel stops the children), then kill whatever is left."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
    kill(process)


def kill(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL every process of the cluster at once: no cleanup, as in a crash."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # its own session: only the cluster's processes
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=5)


def wait_for(
    condition: Callable[[], bool],
    cluster: subprocess.Popen[bytes] | None = None,
    seconds: float = WAIT_SECONDS,
) -> float:
    """Poll until `condition()` holds; returns the seconds it took."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if condition():
            return time.monotonic() - started
        assert cluster is None or cluster.poll() is None, "the cluster exited early"
        time.sleep(0.1)
    raise AssertionError(f"not done within {seconds:.0f} s")


def wait_ready(cluster: subprocess.Popen[bytes], seconds: float = 60.0) -> None:
    """Block until the cluster has run a task end to end, so timed assertions after this
    measure the work, not the cluster's start-up. The probe leaves no rows behind."""
    from django_q.models import OrmQ, Task
    from django_q.tasks import async_task

    task_id = async_task("ruledesk.ops.tasks.heartbeat", "ready")
    wait_for(lambda: Task.objects.filter(id=task_id).exists(), cluster, seconds)
    wait_for(lambda: not OrmQ.objects.exists(), cluster, seconds)  # acknowledged too
    Task.objects.filter(id=task_id).delete()
