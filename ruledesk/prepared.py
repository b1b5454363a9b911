"""Running a hot, fixed query as a server-side prepared statement.

Django's psycopg cursors bind parameters on the client, so PostgreSQL plans every
execution again. For a wide query run on every event (the rules engine's ticket
facts: 0.65 ms to plan, 0.2 ms to run) a prepared statement plans once per
connection. psycopg keeps the prepared statements per connection (a reconnect
prepares again); the query is still logged where Django logs queries, so
`CaptureQueriesContext` and DEBUG see it.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import psycopg
from django.db import connection

# Django connects with `prepare_threshold=None`, which turns preparing off altogether,
# even when asked for. A threshold no query reaches turns only the automatic kind off
# (Django's own cursors bind on the client and never prepare anyway).
_NEVER_AUTOMATIC = 2**31 - 1


def fetchone(sql: str, params: Sequence[Any]) -> tuple[Any, ...] | None:
    """The first row of `sql` (with `%s` placeholders), prepared on this connection."""
    connection.ensure_connection()
    raw = connection.connection
    if raw.prepare_threshold is None:
        raw.prepare_threshold = _NEVER_AUTOMATIC
    started = time.monotonic()
    with psycopg.Cursor(raw) as cursor:
        cursor.execute(sql, params, prepare=True)
        row = cursor.fetchone()
    if connection.queries_logged:
        connection.queries_log.append(
            {"sql": f"EXECUTE {sql}", "time": f"{time.monotonic() - started:.3f}"}
        )
    return row
