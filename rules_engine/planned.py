"""The actions of matched rules, carried out after the decision, as an event of their own.

`services.event_process` decides every rule of an event on one snapshot and commits
the decision: the records of the runs that did not match and, when some matched, one
internal `rules.actions` event (ACTIONS_EVENT) holding what was decided: each matched
rule's trace and the actions of the version that matched. That event is dispatched
like any other (claimed once, retried with backoff, dead-lettered, redelivered after
a crash), and its consumer here carries the actions out through `apply.run_matched`
and records those runs, all in its dispatch transaction.

So an event is dispatched once its rules are decided: neither it nor the events
queued behind it wait for the ticket updates and notifications of the rules that
matched (docs/performance.md, rules dispatch). The actions act on the ticket as it
is when they run, as they did before when run right after the decision.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import DEFAULT_DB_ALIAS

from ruledesk.events.models import DomainEvent
from ruledesk.events.services import emit
from ruledesk.tenancy.services import system_actor
from rules_engine.actions import ActionContext, TicketState
from rules_engine.apply import Run, run_matched
from rules_engine.evaluate import TraceEntry
from rules_engine.models import Rule, RuleExecution
from rules_engine.records import ExecutionRow, execution_row, executions_write, to_json

ACTIONS_EVENT = "rules.actions"
# Recorded on a matched run whose rule was deleted before its actions could run.
RULE_GONE = "rule_deleted"
_RULE_FIELDS = ["id", "organization_id", "name", "event", "actions", "stop_processing"]


@dataclass(frozen=True)
class Verdict:
    """One rule decided on one event's snapshot; `trace` None: computed on read."""

    rule: Rule
    matched: bool
    trace: list[TraceEntry] | None
    error: str
    seconds: float


def plan_emit(
    event: DomainEvent, matched: Sequence[tuple[int, Verdict]], decided_at: datetime
) -> None:
    """Queue the matched rules' actions in the decision's transaction: (record id, verdict)."""
    emit(
        organization_id=event.organization_id,
        type=ACTIONS_EVENT,
        ticket_id=event.ticket_id,
        depth=event.depth,
        payload={
            "event": {
                "id": event.pk,
                "type": event.type,
                "actor_id": event.actor_id,
                "payload": event.payload or {},
                "changes": event.changes or {},
                "depth": event.depth,
            },
            "decided_at": decided_at.isoformat(),
            "runs": [
                {
                    "rule": verdict.rule.pk,
                    "record": record_id,
                    "name": verdict.rule.name,
                    # As the record will hold it (values a trace quotes, as JSON).
                    "trace": json.loads(to_json(verdict.trace or [])),
                    "error": verdict.error,
                    "seconds": verdict.seconds,
                    "actions": list(verdict.rule.actions),
                }
                for record_id, verdict in matched
            ],
        },
    )


def planned_process(event: DomainEvent) -> None:
    """The "rules-actions" events consumer: carry out and record one event's decided actions."""
    if event.type != ACTIONS_EVENT:
        return
    plan: dict[str, Any] = event.payload
    source: dict[str, Any] = plan["event"]
    decided_at = datetime.fromisoformat(plan["decided_at"])
    ticket_id = int(event.ticket_id or 0)
    rule_ids = [item["rule"] for item in plan["runs"]]
    live = set(Rule.objects.filter(pk__in=rule_ids).values_list("pk", flat=True))
    # A plan queued twice (its event redelivered before the first was carried out) acts
    # once: a rule already recorded for the event is done. Two at once cannot both
    # commit: the records are unique per (event, rule), so the later one is retried.
    done = set(
        RuleExecution.objects.filter(event_id=source["id"], rule_id__in=rule_ids).values_list(
            "rule_id", flat=True
        )
    )
    todo = [item for item in plan["runs"] if item["rule"] not in done]
    if not todo:
        return
    actor = system_actor(event.organization_id)
    state = TicketState(event.organization_id, ticket_id)
    runs: list[tuple[dict[str, Any], Run | None]] = []
    for item in todo:
        if item["rule"] not in live:
            runs.append((item, None))
            continue
        rule = Rule.from_db(
            DEFAULT_DB_ALIAS,
            _RULE_FIELDS,
            (
                item["rule"],
                event.organization_id,
                item["name"],
                source["type"],
                item["actions"],
                False,
            ),
        )
        context = ActionContext(
            rule=rule,
            actor=actor,
            ticket_id=ticket_id,
            event_type=source["type"],
            event_id=source["id"],
            event_actor_id=source["actor_id"],
            event_payload=source["payload"],
            event_changes=source["changes"],
            depth=source["depth"] + 1,
            dedup_prefix=f"ev{source['id']}:r{rule.pk}",
            state=state,
        )
        runs.append((item, Run(ctx=context, actions=list(item["actions"]))))
    run_matched([run for _item, run in runs if run is not None])
    executions_write(
        [_record(event, source, item, run, decided_at) for item, run in runs],
        ids=[item["record"] for item, _run in runs],
    )


def _record(
    event: DomainEvent,
    source: dict[str, Any],
    item: dict[str, Any],
    run: Run | None,
    decided_at: datetime,
) -> ExecutionRow:
    return execution_row(
        organization_id=event.organization_id,
        rule_id=item["rule"] if run is not None else None,
        rule_name=item["name"],
        event_id=source["id"],
        event_type=source["type"],
        ticket_id=event.ticket_id,
        matched=True,
        trace=item["trace"],
        results=run.results if run is not None else [],
        error=item["error"] or ("" if run is not None else RULE_GONE),
        seconds=item["seconds"] + (run.seconds if run is not None else 0.0),
        created_at=decided_at,
    )
