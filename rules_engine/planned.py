"""An event's decision, carried out and recorded after the event is dispatched.

`services.event_process` decides every rule of an event on one snapshot and
commits only the decision: one internal `rules.decided` event (DECIDED_EVENT)
that holds, in decision order, each rule's verdict (with the trace of a matched
run, or of a rule without a history row), the actions of each matched rule's
version, and the snapshot the untraced runs are recomputed from. The event is
dispatched at that commit. `rules.decided` is dispatched like any other event
(claimed once, retried with backoff, dead-lettered, redelivered after a crash);
its consumer here carries the matched rules' actions out through
`apply.run_matched` and writes every run's record, all in its dispatch
transaction.

Why: the records (one per evaluated rule, about 220 per event with 1,000 rules)
and the actions (ticket updates, notifications: 7–10 ms each through the
services) took two thirds of a dispatch, and the events queued behind one
waited for them (docs/performance.md, rules dispatch). The actions act on the
ticket as it is when they run, as they did before right after the decision.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import DEFAULT_DB_ALIAS

from ruledesk.events.models import DomainEvent
from ruledesk.events.services import emit
from ruledesk.tenancy.services import system_actor
from rules_engine.apply import Run, run_matched
from rules_engine.context import ActionContext, TicketState
from rules_engine.evaluate import TraceEntry
from rules_engine.models import Rule, RuleEventSnapshot, RuleExecution
from rules_engine.records import ExecutionRow, execution_row, executions_write, to_json

DECIDED_EVENT = "rules.decided"
# Recorded on a matched run whose rule was deleted before its actions could run.
RULE_GONE = "rule_deleted"
_RULE_FIELDS = ["id", "organization_id", "name", "event", "actions", "stop_processing"]


@dataclass(frozen=True)
class Verdict:
    """One rule decided on one event's snapshot; `trace` None: computed on read from
    the rule's history row `version` and the event's snapshot."""

    rule: Rule
    matched: bool
    trace: list[TraceEntry] | None
    error: str
    seconds: float
    version: int | None = None


def decision_emit(
    event: DomainEvent,
    verdicts: Sequence[Verdict],
    decided_at: datetime,
    snapshot: Mapping[str, Any] | None,
) -> None:
    """Queue the decision in the event's dispatch transaction (`snapshot`: values, changes)."""
    emit(
        organization_id=event.organization_id,
        type=DECIDED_EVENT,
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
            "snapshot": snapshot,
            **_runs(verdicts),
        },
    )


def _runs(verdicts: Sequence[Verdict]) -> dict[str, Any]:
    """The verdicts, in decision order, compactly: with 1,000 rules on an event type the
    payload is written on the dispatch path, and most runs are a rule id, its history
    row (which also names the rule) and a duration. The rest only where it applies,
    keyed by position: names of runs without a history row, traces, errors, actions."""
    named: dict[str, str] = {}
    traced: dict[str, Any] = {}
    errors: dict[str, str] = {}
    actions: dict[str, list[Any]] = {}
    for index, verdict in enumerate(verdicts):
        key = str(index)
        if verdict.version is None:
            named[key] = verdict.rule.name
        if verdict.trace is not None:
            # As the record will hold it (values a trace quotes, as JSON).
            traced[key] = json.loads(to_json(verdict.trace))
        if verdict.error:
            errors[key] = verdict.error
        if verdict.matched:
            actions[key] = list(verdict.rule.actions)
    return {
        "rules": _joined(verdict.rule.pk for verdict in verdicts),
        "versions": _joined(verdict.version for verdict in verdicts),
        "micros": _joined(round(verdict.seconds * 1_000_000) for verdict in verdicts),
        "named": named,
        "traced": traced,
        "errors": errors,
        "matched": actions,
    }


def _joined(numbers: Iterable[int | None]) -> str:
    """Numbers as one comma-separated string (None as nothing). As JSON arrays, jsonb
    parses each into a numeric: 5 ms to store 3,000 of them, 1.8 ms as strings."""
    return ",".join("" if number is None else str(number) for number in numbers)


def _ints(text: str) -> list[int]:
    return [int(item) for item in text.split(",")] if text else []


def _optional_ints(text: str, count: int) -> list[int | None]:
    # `count` tells "" (no numbers) from "" (one None).
    return [int(item) if item else None for item in text.split(",")] if count else []


@dataclass(frozen=True)
class _Decided:
    rule: int
    name: str
    matched: bool
    version: int | None
    trace: list[Any] | None
    error: str
    seconds: float
    actions: list[Any] | None


def _decided(plan: Mapping[str, Any]) -> list[_Decided]:
    """The runs `_runs` packed, with the names of those that have a history row."""
    rules = _ints(plan["rules"])
    versions = _optional_ints(plan["versions"], len(rules))
    names = dict(
        Rule.history.model.objects.filter(
            history_id__in=[version for version in versions if version is not None]
        ).values_list("history_id", "name")
    )
    decided: list[_Decided] = []
    for index, (rule_id, version, micros) in enumerate(
        zip(rules, versions, _ints(plan["micros"]), strict=True)
    ):
        key = str(index)
        decided.append(
            _Decided(
                rule=rule_id,
                name=plan["named"].get(key) or names.get(version, ""),
                matched=key in plan["matched"],
                version=version,
                trace=plan["traced"].get(key),
                error=plan["errors"].get(key, ""),
                seconds=micros / 1_000_000,
                actions=plan["matched"].get(key),
            )
        )
    return decided


def decision_process(event: DomainEvent) -> None:
    """The "rules-decided" events consumer: carry out and record one event's decision."""
    if event.type != DECIDED_EVENT:
        return
    plan: dict[str, Any] = event.payload
    source: dict[str, Any] = plan["event"]
    # A decision queued twice (its event redelivered before the first was carried out)
    # acts once: a rule already recorded for the event is done. Two at once cannot both
    # commit: records are unique per (event, rule), so the later one fails and retries.
    done = set(
        RuleExecution.objects.filter(event_id=source["id"], rule__isnull=False).values_list(
            "rule_id", flat=True
        )
    )
    todo = [item for item in _decided(plan) if item.rule not in done]
    if not todo:
        return
    runs = _carry_out(event, source, [item for item in todo if item.matched])
    if plan["snapshot"] is not None and not done:
        RuleEventSnapshot.objects.create(
            organization_id=event.organization_id, event_id=source["id"], **plan["snapshot"]
        )
    decided_at = datetime.fromisoformat(plan["decided_at"])
    executions_write(
        [_record(event, source, item, runs.get(item.rule, False), decided_at) for item in todo]
    )


def _carry_out(
    event: DomainEvent, source: dict[str, Any], matched: list[_Decided]
) -> dict[int, Run | None]:
    """Run the matched rules' actions in order: rule id -> its run (None: rule deleted)."""
    if not matched:
        return {}
    live = set(
        Rule.objects.filter(pk__in=[item.rule for item in matched]).values_list("pk", flat=True)
    )
    actor = system_actor(event.organization_id)
    ticket_id = int(event.ticket_id or 0)
    state = TicketState(event.organization_id, ticket_id)
    runs: dict[int, Run | None] = {}
    for item in matched:
        if item.rule not in live:
            runs[item.rule] = None
            continue
        rule = Rule.from_db(
            DEFAULT_DB_ALIAS,
            _RULE_FIELDS,
            (item.rule, event.organization_id, item.name, source["type"], item.actions, False),
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
        runs[item.rule] = Run(ctx=context, actions=list(item.actions or []))
    run_matched([run for run in runs.values() if run is not None])
    return runs


def _record(
    event: DomainEvent,
    source: dict[str, Any],
    item: _Decided,
    run: Run | None | bool,
    decided_at: datetime,
) -> ExecutionRow:
    """`run`: the matched rule's run, None when its rule was deleted, False when unmatched."""
    gone = item.matched and run is None
    return execution_row(
        organization_id=event.organization_id,
        rule_id=None if gone else item.rule,
        rule_name=item.name,
        event_id=source["id"],
        event_type=source["type"],
        ticket_id=event.ticket_id,
        matched=item.matched,
        trace=item.trace,
        results=run.results if isinstance(run, Run) else [],
        error=item.error or (RULE_GONE if gone else ""),
        seconds=item.seconds + (run.seconds if isinstance(run, Run) else 0.0),
        created_at=decided_at,
        version=item.version,
    )
