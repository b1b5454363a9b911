"""Careful reads of the rules engine."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from rules_engine.evaluate import Snapshot, evaluate
from rules_engine.models import Rule, RuleEventSnapshot, RuleExecution

logger = logging.getLogger(__name__)


def traces_fill(executions: Sequence[RuleExecution]) -> None:
    """Compute the traces the records of unmatched runs do not store (two queries a page).

    `evaluate` is a pure function of the conditions (the rule's history row that
    ran) and the event's stored snapshot, so this is the trace the run had. A
    record whose history row or snapshot is gone shows an empty trace.
    """
    missing = [e for e in executions if e.trace is None]
    if not missing:
        return
    conditions = dict(
        Rule.history.model.objects.filter(
            history_id__in={e.rule_version for e in missing if e.rule_version is not None}
        ).values_list("history_id", "conditions")
    )
    snapshots = {
        row.event_id: Snapshot(values=row.values, changes=row.changes)
        for row in RuleEventSnapshot.objects.filter(
            organization_id__in={e.organization_id for e in missing},
            event_id__in={e.event_id for e in missing if e.event_id is not None},
        )
    }
    for execution in missing:
        execution.trace = []
        if execution.rule_version is None or execution.event_id is None:
            continue
        tree = conditions.get(execution.rule_version)
        snap = snapshots.get(execution.event_id)
        if tree is None or snap is None:
            continue
        try:
            execution.trace = evaluate(tree, snap)[1]
        except (KeyError, TypeError, ValueError, AttributeError):
            logger.warning("trace of rule execution %s could not be computed", execution.pk)
