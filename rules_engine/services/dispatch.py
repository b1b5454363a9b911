"""Event processing: the "rules" events consumer decides every rule of an event.

Processing an event (`event_process`, the "rules" events consumer) runs inside
the dispatch transaction: active rules of the event's organization and type are
loaded in one query in (position, id) order, the ticket snapshot is built once,
each rule is decided, and the decision is queued as one `rules.decided` event,
whose own dispatch (`planned`) carries out the matched rules' actions as the
system actor and records every run.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.utils import timezone

from ruledesk.events.models import DomainEvent
from rules_engine import planned, records, snapshot
from rules_engine import vocabulary as v
from rules_engine.evaluate import (
    LazyValues,
    Matcher,
    Snapshot,
    TraceEntry,
    evaluate,
    matcher,
    matches,
)
from rules_engine.models import Rule, RuleExecution
from rules_engine.planned import Verdict
from rules_engine.services.defaults import rules_install_defaults
from workflows.models import Ticket

logger = logging.getLogger(__name__)

# Events caused by rules carry depth (the triggering event's + 1); past this the run stops.
MAX_EVENT_DEPTH = 3
DEPTH_LIMIT = "depth_limit"
TICKET_GONE = "ticket_not_found"
ORGANIZATION_CREATED = "organization.created"


def event_process(event: DomainEvent) -> None:
    """The "rules" events consumer: run the organization's rules for one event, once."""
    if event.type == ORGANIZATION_CREATED:
        rules_install_defaults(organization_id=event.organization_id)
        return
    if event.type not in v.EVENTS or event.type == v.SCHEDULE:
        return
    facts = (
        snapshot.ticket_facts(
            organization_id=event.organization_id, ticket_id=event.ticket_id, rules_of=event.type
        )
        if event.ticket_id is not None
        else None
    )
    compiled = _compiled_rules(
        event.organization_id, event.type, facts.rules_version if facts else None
    )
    rules = compiled.rules
    if not rules:
        return
    pending = _not_yet_run(event, rules)
    if not pending:
        return
    if event.depth > MAX_EVENT_DEPTH:
        _record_all(event, pending, DEPTH_LIMIT)
        return
    if facts is None:
        _record_all(event, pending, TICKET_GONE)
        return
    _commit_without_flush()
    comment = snapshot.event_comment(event)
    snap = snapshot.snapshot_for_event(event, facts, comment)
    _prefetch(snap, pending, compiled)
    verdicts = _decide_all(pending, snap, compiled)
    decided_at = timezone.now()
    untraced = any(verdict.trace is None for verdict in verdicts)
    planned.decision_emit(event, verdicts, decided_at, _snapshot_values(snap) if untraced else None)


@dataclass(frozen=True)
class CompiledRules:
    """One organization's active rules for one event type, as of `version`."""

    version: tuple[Any, ...]
    rules: list[Rule]
    fields: dict[int, frozenset[str]]  # rule id -> the snapshot fields its conditions read
    all_fields: tuple[str, ...]  # the union, sorted
    # rule id -> its newest history row, when that row holds the conditions that run now
    # (a record of a run that did not match then keeps no trace: see RuleExecution).
    history: dict[int, int]
    # rule id -> its conditions as an `evaluate.matcher` (absent: `matches` fails on them)
    matchers: dict[int, Matcher]


# Per process: (organization id, event type) -> the rules last loaded for it.
_COMPILED: dict[tuple[int, str], CompiledRules] = {}


def _commit_without_flush() -> None:
    """Let this dispatch commit without waiting for its WAL flush.

    The decision changes nothing outside the database, and whatever acts on it commits
    synchronously later (which flushes this commit first, the WAL being one sequence).
    So only a crash of PostgreSQL itself can lose it, and then with it the event's
    dispatched state: the event is pending again and is decided again.
    """
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit TO OFF")


def _compiled_rules(
    organization_id: int, event_type: str, version: tuple[Any, ...] | None = None
) -> CompiledRules:
    """The cached rules of (organization, event type), reloaded when their version
    (`snapshot.RULES_VERSION`, read here unless the caller has it) changed."""
    key = (organization_id, event_type)
    if version is None:
        version = snapshot.rule_set_version(organization_id, event_type)
    cached = _COMPILED.get(key)
    if cached is not None and cached.version == version:
        return cached
    rules = _rules_for(organization_id, event_type)
    fields = {rule.pk: frozenset(_fields(rule.conditions)) for rule in rules}
    compiled = CompiledRules(
        version=version,
        rules=rules,
        fields=fields,
        all_fields=tuple(sorted(set().union(*fields.values()))),
        history=_history_rows(rules),
        matchers=_matchers(rules),
    )
    _COMPILED[key] = compiled
    return compiled


def _matchers(rules: list[Rule]) -> dict[int, Matcher]:
    built: dict[int, Matcher] = {}
    for rule in rules:
        try:
            built[rule.pk] = matcher(rule.conditions)
        except (KeyError, TypeError, ValueError, AttributeError):
            continue  # `matches` fails on them too, on every event, and the run says so
    return built


def rules_cache_warm() -> int:
    """Parse every organization's active event rules into this process's cache.

    Run by the worker command before django-q2 forks its workers, so each starts
    warm (a first event would otherwise parse ~1,000 rules, about 100 ms); the
    fingerprint check still applies on every event. Returns the sets loaded.
    """
    pairs = (
        Rule.objects.filter(active=True)
        .exclude(event=v.SCHEDULE)
        .values_list("organization_id", "event")
        .distinct()
        .order_by("organization_id", "event")
    )
    loaded = 0
    for organization_id, event_type in pairs:
        _compiled_rules(organization_id, event_type)
        loaded += 1
    return loaded


def _rules_for(organization_id: int, event_type: str) -> list[Rule]:
    """Active rules for one event type in (position, id) order, in one query.

    Built from plain values (no model machinery per row): with a thousand rules
    per organization, instantiating models would cost more than evaluating them.
    """
    rows = (
        Rule.objects.filter(organization_id=organization_id, event=event_type, active=True)
        .order_by("position", "id")
        .values_list("pk", "name", "conditions", "actions", "stop_processing")
    )
    return [
        Rule.from_db(
            "default",
            ["id", "organization_id", "name", "event", "conditions", "actions", "stop_processing"],
            (pk, organization_id, name, event_type, conditions, actions, stop),
        )
        for pk, name, conditions, actions, stop in rows
    ]


def _history_rows(rules: list[Rule]) -> dict[int, int]:
    """Each rule's newest history row id, if its conditions are the ones the rule has now.

    Edits through the services always write one; a rule changed some other way
    (a bulk UPDATE) has none that matches and keeps full traces in its records.
    """
    by_id = {rule.pk: rule for rule in rules}
    newest = (
        Rule.history.model.objects.filter(id__in=list(by_id))
        .order_by("id", "-history_id")
        .distinct("id")
        .values_list("id", "history_id", "conditions")
    )
    return {
        rule_id: history_id
        for rule_id, history_id, conditions in newest
        if conditions == by_id[rule_id].conditions
    }


def _not_yet_run(event: DomainEvent, rules: list[Rule]) -> list[Rule]:
    """Rules still to run for this event (a redelivery skips those already recorded).

    On the dispatcher's first start of an event there is nothing to look up: records
    commit with the event's dispatched state, so none exist before a first success.
    """
    if event.deliveries == 1 and event.attempts == 0:
        return rules
    done = dict(
        RuleExecution.objects.filter(event_id=event.pk, rule__isnull=False).values_list(
            "rule_id", "matched"
        )
    )
    if not done:
        return rules
    pending: list[Rule] = []
    for rule in rules:
        if rule.pk in done:
            if done[rule.pk] and rule.stop_processing:
                break
            continue
        pending.append(rule)
    return pending


def _prefetch(snap: Snapshot, rules: list[Rule], compiled: CompiledRules) -> None:
    """Read every field the rules use before any action runs, so all see the same state."""
    if rules is compiled.rules:
        names: Any = compiled.all_fields
    else:
        names = sorted({name for rule in rules for name in compiled.fields[rule.pk]})
    for name in names:
        snap.values.get(name)


def _fields(node: Any) -> set[str]:
    if not isinstance(node, Mapping):
        return set()
    if "not" in node:
        return _fields(node["not"])
    for key in ("all", "any"):
        if key in node and isinstance(node[key], list):
            return set().union(*(_fields(child) for child in node[key]))
    field = node.get("field")
    return {field} if isinstance(field, str) and field in v.FIELDS else set()


def _decide_all(rules: list[Rule], snap: Snapshot, compiled: CompiledRules) -> list[Verdict]:
    """Every rule's verdict on the snapshot, in order, up to the first match that stops.

    Deciding changes nothing (the rules read the snapshot, never the ticket): the
    matched rules' actions run afterwards, in an event of their own (`planned`).
    A run that does not match is decided without a trace; its record will point at
    the rule's history row and the event's snapshot instead.
    """
    history = compiled.history
    verdicts: list[Verdict] = []
    for rule in rules:
        started = time.perf_counter()
        matched, trace, error = _decide(
            rule, snap, traced=rule.pk not in history, compiled=compiled.matchers.get(rule.pk)
        )
        seconds = time.perf_counter() - started
        version = history.get(rule.pk) if trace is None else None
        verdicts.append(Verdict(rule, matched, trace, error, seconds, version))
        if matched and rule.stop_processing:
            break
    return verdicts


def _decide(
    rule: Rule, snap: Snapshot, *, traced: bool, compiled: Matcher | None = None
) -> tuple[bool, list[TraceEntry] | None, str]:
    """The verdict, with the trace when it matched (or `traced`); None: computed on read."""
    if traced:
        return _evaluate_safely(rule, snap)
    try:
        matched = compiled(snap) if compiled is not None else matches(rule.conditions, snap)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        logger.warning("rule %s could not be evaluated: %s", rule.pk, exc)
        return False, [], "invalid_conditions"
    if matched:
        return _evaluate_safely(rule, snap)
    return False, None, ""


def _snapshot_values(snap: Snapshot) -> dict[str, Any]:
    """What the rules read (a `RuleEventSnapshot`'s fields), as JSON will hold it."""
    values = snap.values
    return {
        "values": _jsonable(values.computed() if isinstance(values, LazyValues) else dict(values)),
        "changes": _jsonable(dict(snap.changes)),
    }


def _jsonable(value: Any) -> Any:
    """As the value reads back from a JSON column (what a stored trace would hold)."""
    return json.loads(records.to_json(value))


def _evaluate_safely(rule: Rule, snap: Snapshot) -> tuple[bool, list[TraceEntry], str]:
    try:
        matched, trace = evaluate(rule.conditions, snap)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        logger.warning("rule %s could not be evaluated: %s", rule.pk, exc)
        return False, [], "invalid_conditions"
    return matched, trace, ""


def _record_all(event: DomainEvent, rules: list[Rule], error: str) -> None:
    now = timezone.now()
    ticket_id = event.ticket_id
    if ticket_id is not None and not Ticket.objects.filter(pk=ticket_id).exists():
        ticket_id = None
    records.executions_write(
        [
            records.execution_row(
                organization_id=event.organization_id,
                rule_id=rule.pk,
                rule_name=rule.name,
                event_id=event.pk,
                event_type=event.type,
                ticket_id=ticket_id,
                matched=False,
                trace=[],
                results=[],
                error=error,
                seconds=0.0,
                created_at=now,
            )
            for rule in rules
        ]
    )
