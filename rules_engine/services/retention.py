"""Retention of execution records and event snapshots."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from rules_engine.models import RuleEventSnapshot, RuleExecution

PRUNE_BATCH = 5000


PRUNE_BATCH = 5000


def rule_executions_prune(*, now: datetime | None = None, budget_seconds: float = 60.0) -> int:
    """Delete execution records and event snapshots older than RULEDESK_RULE_EXECUTIONS_DAYS.

    Every evaluated rule leaves a record (about 1,000 per event with 1,000 rules), so
    the log is kept for a number of days, not for ever. Deleted in batches of
    PRUNE_BATCH, each its own transaction, found through the BRIN indexes on
    `created_at`, for at most `budget_seconds`; the next hourly run goes on.
    Returns the records deleted.
    """
    cutoff = (now or timezone.now()) - timedelta(days=settings.RULEDESK_RULE_EXECUTIONS_DAYS)
    deadline = time.monotonic() + budget_seconds
    deleted = 0
    for model in (RuleExecution, RuleEventSnapshot):
        table = model._meta.db_table
        while time.monotonic() < deadline:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    f"DELETE FROM {table} WHERE id IN (SELECT id FROM {table}"  # noqa: S608
                    " WHERE created_at < %s LIMIT %s)",
                    [cutoff, PRUNE_BATCH],
                )
                count = cursor.rowcount
            if model is RuleExecution:
                deleted += count
            if count < PRUNE_BATCH:
                break
    return deleted
