"""Time-based (schedule) rules: due rules run over capped batches of tickets."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ruledesk.tenancy.models import User
from ruledesk.tenancy.services import system_actor
from rules_engine import records, snapshot
from rules_engine import vocabulary as v
from rules_engine.apply import Run, run_matched
from rules_engine.context import ActionContext
from rules_engine.models import Rule, ScheduleRuleState
from rules_engine.services.dispatch import _evaluate_safely
from workflows.models import Status, Ticket

SCHEDULE_STATUSES = (Status.NEW, Status.OPEN, Status.WAITING_ON_REQUESTER, Status.RESOLVED)


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
