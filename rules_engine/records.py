"""Writing the execution log: one `RuleExecution` row per rule run, with COPY.

Shared by an event's decision, recorded after its actions ran (`planned`), the
runs stopped before deciding (`services`) and time-based rules.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import connection

from rules_engine.context import ActionResult
from rules_engine.evaluate import TraceEntry
from rules_engine.models import RuleExecution

# One RuleExecution row, in COLUMNS order.
ExecutionRow = tuple[
    int,
    int | None,
    str,
    int | None,
    int | None,
    str,
    int | None,
    bool,
    str | None,
    str,
    str,
    float,
    datetime,
]
COLUMNS = (
    "organization_id",
    "rule_id",
    "rule_name",
    "rule_version",
    "event_id",
    "event_type",
    "ticket_id",
    "matched",
    "trace",
    "actions",
    "error",
    "duration_ms",
    "created_at",
)


def execution_row(
    *,
    organization_id: int,
    rule_id: int | None,
    rule_name: str,
    event_id: int | None,
    event_type: str,
    ticket_id: int | None,
    matched: bool,
    trace: Sequence[TraceEntry] | None,
    results: Sequence[ActionResult],
    error: str,
    seconds: float,
    created_at: datetime,
    version: int | None = None,
) -> ExecutionRow:
    """A record; `trace=None` with the rule's history row in `version`: computed on read."""
    return (
        organization_id,
        rule_id,
        rule_name,
        version,
        event_id,
        event_type,
        ticket_id,
        matched,
        None if trace is None else to_json(trace),
        to_json(results) if results else "[]",  # most runs: nothing matched, nothing ran
        error,
        round(seconds * 1000, 3),
        created_at,
    )


def to_json(value: Any) -> str:
    # PostgreSQL's jsonb cannot hold NUL; a comment body quoted in a trace might carry one.
    return json.dumps(value, default=str).replace("\\u0000", "")


def executions_write(rows: Sequence[ExecutionRow]) -> None:
    """Insert execution records with COPY: one round trip, cheap per row even for 1,000 rules."""
    if not rows:
        return
    table = RuleExecution._meta.db_table
    statement = f"COPY {table} ({', '.join(COLUMNS)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)
