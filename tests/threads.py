"""Threads in tests that cannot hang CI.

Every wait has a deadline, a thread still running at its join fails the test
instead of leaking into the next one, and threads are daemons so a stuck one
never keeps the worker process alive. pytest-timeout (pyproject.toml) is the
outer net; these make the failure say which wait it was.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

import pytest
from django.db import connection

DEADLINE = 30.0


def started(target: Callable[..., Any], *args: Any) -> threading.Thread:
    thread = threading.Thread(target=target, args=args, daemon=True)
    thread.start()
    return thread


def join_all(threads: Iterable[threading.Thread], timeout: float = DEADLINE) -> None:
    """Join within one shared deadline; fail naming the threads that did not finish."""
    deadline = time.monotonic() + timeout
    threads = list(threads)
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    alive = [thread.name for thread in threads if thread.is_alive()]
    if alive:
        pytest.fail(f"threads still running after {timeout:.0f} s: {alive}")


def wait_until(check: Callable[[], bool], what: str, timeout: float = DEADLINE) -> None:
    """Poll `check` until true; fail with `what` (the race could not be set up) otherwise."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up after {timeout:.0f} s waiting for {what}")
        time.sleep(0.02)


def backend_pid() -> int:
    """This thread's PostgreSQL backend, so a test can watch its own connections' locks."""
    connection.ensure_connection()
    return int(connection.connection.info.backend_pid)


def waiting_on_locks(pids: Iterable[int]) -> int:
    """How many of these backends wait for a lock now (pg_locks is not frozen by a transaction)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(DISTINCT pid) FROM pg_locks WHERE NOT granted AND pid = ANY(%s)",
            [list(pids)],
        )
        return int(cursor.fetchone()[0])
