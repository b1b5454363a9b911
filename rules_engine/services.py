"""Every write of the rules engine: rule CRUD, event processing, schedules, defaults.

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
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from ruledesk import errors
from ruledesk.access import policy
from ruledesk.audit import services as audit
from ruledesk.events.models import DomainEvent
from ruledesk.tenancy.models import User
from ruledesk.tenancy.services import system_actor
from rules_engine import defaults, planned, records, snapshot, validation
from rules_engine import vocabulary as v
from rules_engine.actions import ActionContext
from rules_engine.apply import Run, run_matched
from rules_engine.evaluate import (
    LazyValues,
    Matcher,
    Snapshot,
    TraceEntry,
    evaluate,
    matcher,
    matches,
)
from rules_engine.models import Rule, RuleEventSnapshot, RuleExecution, ScheduleRuleState
from rules_engine.planned import Verdict
from rules_engine.references import DbReferences
from workflows.models import Status, Ticket

logger = logging.getLogger(__name__)

# Events caused by rules carry depth (the triggering event's + 1); past this the run stops.
MAX_EVENT_DEPTH = 3
DEPTH_LIMIT = "depth_limit"
TICKET_GONE = "ticket_not_found"
SCHEDULE_STATUSES = (Status.NEW, Status.OPEN, Status.WAITING_ON_REQUESTER, Status.RESOLVED)
ORGANIZATION_CREATED = "organization.created"

EDITABLE = ("name", "description", "position", "active", "stop_processing")
DEFINITION = ("event", "schedule", "conditions", "actions")


# --- Rule CRUD ----------------------------------------------------------------------


def rule_create(*, actor: User, data: Mapping[str, Any]) -> Rule:
    """Create a rule from a validated-shape body; the definition is checked here (400 with paths)."""
    policy.require(actor, "rules.manage")
    org_id = _org_id(actor)
    definition = {
        "event": data.get("event"),
        "schedule": data.get("schedule"),
        "conditions": data.get("conditions", {"all": []}),
        "actions": data.get("actions", []),
    }
    _check(org_id, definition)
    now = timezone.now()
    with transaction.atomic():
        rule = Rule(
            organization_id=org_id,
            created_by=actor,
            created_at=now,
            updated_at=now,
            **_columns(definition),
            **{k: data[k] for k in EDITABLE if k in data},
        )
        rule.save()
        audit.record(
            actor=actor,
            action="rule.create",
            obj_type="rule",
            obj_id=rule.pk,
            changes={"name": rule.name, "event": rule.event},
        )
    return rule


def rule_update(*, actor: User, rule: Rule, data: Mapping[str, Any]) -> Rule:
    """Change the given fields; the whole resulting definition is validated again."""
    policy.require(actor, "rules.manage", rule)
    with transaction.atomic():
        rule = Rule.objects.select_for_update().get(pk=rule.pk)
        definition = rule_definition(rule)
        definition.update({k: data[k] for k in DEFINITION if k in data})
        if "event" in data and data["event"] != v.SCHEDULE and "schedule" not in data:
            definition["schedule"] = None  # leaving schedule drops its interval
        _check(rule.organization_id, definition)
        changes: dict[str, Any] = {}
        updates = {**_columns(definition), **{k: data[k] for k in EDITABLE if k in data}}
        for field, value in updates.items():
            if getattr(rule, field) != value:
                changes[field] = [getattr(rule, field), value]
                setattr(rule, field, value)
        if changes:
            rule.updated_at = timezone.now()
            if "schedule_every_minutes" in changes or "event" in changes:
                rule.last_run_at = None
            rule.save()
            if "conditions" in changes or "event" in changes:
                ScheduleRuleState.objects.filter(rule=rule).delete()
            audit.record(
                actor=actor,
                action="rule.update",
                obj_type="rule",
                obj_id=rule.pk,
                changes={k: _brief(vals) for k, vals in changes.items()},
            )
    return rule


def rule_delete(*, actor: User, rule: Rule) -> None:
    policy.require(actor, "rules.manage", rule)
    with transaction.atomic():
        audit.record(
            actor=actor,
            action="rule.delete",
            obj_type="rule",
            obj_id=rule.pk,
            changes={"name": rule.name},
        )
        rule.delete()


def rule_definition(rule: Rule) -> dict[str, Any]:
    schedule = (
        {"every_minutes": rule.schedule_every_minutes}
        if rule.schedule_every_minutes is not None
        else None
    )
    return {
        "event": rule.event,
        "schedule": schedule,
        "conditions": rule.conditions,
        "actions": rule.actions,
    }


def _columns(definition: Mapping[str, Any]) -> dict[str, Any]:
    schedule = definition.get("schedule")
    every = schedule.get("every_minutes") if isinstance(schedule, Mapping) else None
    return {
        "event": definition["event"],
        "schedule_every_minutes": every,
        "conditions": definition["conditions"],
        "actions": definition["actions"],
    }


def _check(organization_id: int, definition: Mapping[str, Any]) -> None:
    problems = validation.validate_definition(
        event=definition.get("event"),
        schedule=definition.get("schedule"),
        conditions=definition.get("conditions"),
        actions=definition.get("actions"),
        refs=DbReferences(organization_id),
    )
    if problems:
        raise errors.ValidationFailed("The rule is invalid.", errors=problems)


def _brief(values: list[Any]) -> list[Any]:
    return [value if not isinstance(value, dict | list) else "…" for value in values]


def _org_id(actor: User) -> int:
    if actor.organization_id is None:
        raise errors.PermissionDenied()
    return actor.organization_id


# --- Dry run ------------------------------------------------------------------------


def rule_dry_run(*, actor: User, definition: Mapping[str, Any], ticket: Ticket) -> dict[str, Any]:
    """Evaluate a (saved or draft) rule against a ticket as it stands; changes nothing.

    Change operators see no changes (there is no event); on `comment.created`
    rules, `comment.*` fields read the ticket's latest comment.
    """
    policy.require(actor, "rules.manage")
    policy.require(actor, "ticket.view_all", ticket)
    _check(ticket.organization_id, definition)
    comment = None
    if definition.get("event") == "comment.created":
        comment = ticket.comments.select_related("author").order_by("-created_at", "-id").first()
    snap = snapshot.snapshot_build(ticket, comment=comment)
    matched, trace = evaluate(definition["conditions"], snap)
    return {"matched": matched, "trace": trace, "actions": definition["actions"] if matched else []}


# --- Event processing ---------------------------------------------------------------


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


# --- Retention -----------------------------------------------------------------------

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


# --- Time-based (schedule) rules ----------------------------------------------------


def rules_schedule_run(*, now: datetime | None = None) -> int:
    """Run every due schedule rule over a capped batch of candidate tickets; returns firings.

    A rule is due `every_minutes` after its last full pass. Tickets are visited in
    id order from a per-rule cursor, at most RULEDESK_RULES_SCHEDULE_CAP per run,
    so a large backlog is covered over consecutive runs. Each rule runs in its
    own transaction with its row locked (SKIP LOCKED: two workers never run the
    same rule at once).
    """
    moment = now or timezone.now()
    fired = 0
    candidates = Rule.objects.filter(event=v.SCHEDULE, active=True).order_by(
        "organization_id", "position", "id"
    )
    for rule_id, every, last_run in candidates.values_list(
        "pk", "schedule_every_minutes", "last_run_at"
    ):
        if last_run is not None and last_run + timedelta(minutes=every or 1) > moment:
            continue
        fired += _schedule_rule_run(rule_id, moment)
    return fired


def _schedule_rule_run(rule_id: int, now: datetime) -> int:
    cap = settings.RULEDESK_RULES_SCHEDULE_CAP
    with transaction.atomic():
        rule = (
            Rule.objects.select_for_update(skip_locked=True)
            .filter(pk=rule_id, active=True, event=v.SCHEDULE)
            .first()
        )
        if rule is None:
            return 0
        batch = list(
            Ticket.objects.select_related("requester", "assignee", "team", "organization")
            .prefetch_related("tags")
            .filter(
                organization_id=rule.organization_id,
                status__in=SCHEDULE_STATUSES,
                pk__gt=rule.schedule_cursor or 0,
            )
            .order_by("pk")[:cap]
        )
        fired = _schedule_batch(rule, batch, now)
        if len(batch) == cap:
            rule.schedule_cursor = batch[-1].pk  # more to visit: continue on the next run
        else:
            rule.schedule_cursor = None
            rule.last_run_at = now
        Rule.objects.filter(pk=rule.pk).update(
            schedule_cursor=rule.schedule_cursor, last_run_at=rule.last_run_at
        )
    return fired


def _schedule_batch(rule: Rule, batch: list[Ticket], now: datetime) -> int:
    states = dict(
        ScheduleRuleState.objects.filter(rule=rule, ticket__in=batch).values_list("ticket_id", "pk")
    )
    cleared: list[int] = []
    executions: list[records.ExecutionRow] = []
    actor: User | None = None
    calendars: dict[int, Any] = {}
    for ticket in batch:
        started = time.perf_counter()
        snap = snapshot.snapshot_build(ticket, now=now, calendars=calendars)
        matched, trace, error = _evaluate_safely(rule, snap)
        if not matched:
            if ticket.pk in states:
                cleared.append(states[ticket.pk])
            continue
        if ticket.pk in states:
            continue  # fired already; waits until its conditions clear
        state = ScheduleRuleState.objects.create(
            organization_id=rule.organization_id, rule=rule, ticket=ticket, matched_at=now
        )
        actor = actor or system_actor(rule.organization_id)
        ctx = ActionContext(
            rule=rule,
            actor=actor,
            ticket_id=ticket.pk,
            event_type=v.SCHEDULE,
            event_id=None,
            event_actor_id=None,
            event_payload={},
            event_changes={},
            depth=1,
            dedup_prefix=f"sch{state.pk}:r{rule.pk}",
        )
        decided_at = timezone.now()
        run = Run(ctx=ctx, actions=list(rule.actions))
        run_matched([run])
        executions.append(
            records.execution_row(
                organization_id=rule.organization_id,
                rule_id=rule.pk,
                rule_name=rule.name,
                event_id=None,
                event_type=v.SCHEDULE,
                ticket_id=ticket.pk,
                matched=True,
                trace=trace,
                results=run.results,
                error=error,
                seconds=time.perf_counter() - started,
                created_at=decided_at,
            )
        )
    if cleared:
        ScheduleRuleState.objects.filter(pk__in=cleared).delete()
    records.executions_write(executions)
    return len(executions)


# --- Default rule set ---------------------------------------------------------------


def rules_install_defaults(*, organization_id: int) -> int:
    """Install the default rule set in an organization; idempotent. Returns rules created."""
    created = 0
    with transaction.atomic():
        have = set(
            Rule.objects.filter(organization_id=organization_id)
            .exclude(default_key="")
            .values_list("default_key", flat=True)
        )
        for spec in defaults.DEFAULT_RULES:
            if spec.key in have:
                continue
            try:
                with transaction.atomic():  # a concurrent install of the same rule wins
                    Rule.objects.create(
                        organization_id=organization_id,
                        name=spec.name,
                        description=spec.description,
                        event=spec.event,
                        conditions=spec.conditions,
                        actions=spec.actions,
                        position=spec.position,
                        default_key=spec.key,
                    )
            except IntegrityError:
                continue
            created += 1
    return created
