"""Execution records and event snapshots are kept RULEDESK_RULE_EXECUTIONS_DAYS, then pruned."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from ruledesk.ops import schedules
from ruledesk.tenancy.models import Organization, Role, User
from rules_engine import services
from rules_engine.models import RuleEventSnapshot, RuleExecution
from rules_engine.services import retention
from tests import factories
from tests.rules_engine.conftest import dispatch_all, make_rule, ticket

NEVER = {"all": [{"field": "ticket.priority", "operator": "is", "value": "low"}]}


def _runs(admin: User, requester: User, count: int) -> None:
    make_rule(admin, name=f"Never {admin.organization_id}", conditions=NEVER)
    for n in range(count):
        ticket(requester, title=f"Ticket {n}")
    dispatch_all()


def test_records_older_than_the_retention_go_in_every_organization_and_the_rest_stay(
    admin: User,
    requester: User,
    globex: Organization,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings.RULEDESK_RULE_EXECUTIONS_DAYS = 30
    monkeypatch.setattr(retention, "PRUNE_BATCH", 2)  # several batches
    their_admin = factories.user(globex, Role.ADMIN, email="admin@globex.test")
    their_requester = factories.user(globex, Role.REQUESTER, email="req@globex.test")
    _runs(admin, requester, 3)
    _runs(their_admin, their_requester, 2)
    now = timezone.now()
    old_ids = sorted(RuleExecution.objects.values_list("pk", flat=True))[:4]
    RuleExecution.objects.filter(pk__in=old_ids).update(created_at=now - timedelta(days=31))
    RuleExecution.objects.exclude(pk__in=old_ids).update(created_at=now - timedelta(days=29))
    old_events = {
        event_id
        for event_id in RuleExecution.objects.filter(pk__in=old_ids).values_list(
            "event_id", flat=True
        )
        if event_id is not None
    }
    RuleEventSnapshot.objects.filter(event_id__in=old_events).update(
        created_at=now - timedelta(days=31)
    )
    kept = set(RuleExecution.objects.exclude(pk__in=old_ids).values_list("pk", flat=True))
    kept_snapshots = set(
        RuleEventSnapshot.objects.exclude(event_id__in=old_events).values_list("pk", flat=True)
    )

    assert services.rule_executions_prune(now=now) == 4

    assert set(RuleExecution.objects.values_list("pk", flat=True)) == kept
    assert set(RuleEventSnapshot.objects.values_list("pk", flat=True)) == kept_snapshots
    assert len(kept) == 1 and len(kept_snapshots) == 1
    assert services.rule_executions_prune(now=now) == 0


def test_pruning_is_an_hourly_job() -> None:
    jobs = {job.name: job for job in schedules.jobs()}
    assert jobs["rule-executions-prune"].func == "rules_engine.tasks.rule_executions_prune"
    assert jobs["rule-executions-prune"].every_seconds == 3600
