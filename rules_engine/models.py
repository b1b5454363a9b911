"""Rules, their recorded runs, and the small bits of state actions and schedules keep."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.contrib.postgres.indexes import BrinIndex
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from ruledesk.tenancy.models import Organization, Team


def _all_conditions() -> dict[str, Any]:
    return {"all": []}


class Rule(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=200)
    description = models.TextField(max_length=2000, blank=True)
    event = models.CharField(max_length=32)
    # Only for event "schedule": how often the rule runs over open tickets.
    schedule_every_minutes = models.PositiveIntegerField(null=True, blank=True)
    conditions = models.JSONField(default=_all_conditions)
    actions = models.JSONField(default=list)
    position = models.PositiveIntegerField(default=0)
    active = models.BooleanField(default=True)
    stop_processing = models.BooleanField(default=False)
    # Set for rules of the default set (stable key, so installing them again is a no-op).
    default_key = models.CharField(max_length=64, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # When the schedule last ran this rule (schedule rules only).
    last_run_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Where an unfinished pass over the tickets continues (schedule rules only).
    schedule_cursor = models.BigIntegerField(null=True, blank=True, editable=False)

    history = HistoricalRecords(excluded_fields=["last_run_at", "schedule_cursor"])

    class Meta:
        indexes: ClassVar[list[Any]] = [
            models.Index(
                fields=["organization", "event", "active", "position", "id"],
                name="rule_org_event_active_pos",
            ),
        ]
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(
                fields=["organization", "default_key"],
                condition=~models.Q(default_key=""),
                name="rule_default_key_unique",
            ),
            models.CheckConstraint(
                name="rule_schedule_only_for_schedule_event",
                condition=(
                    models.Q(event="schedule", schedule_every_minutes__gte=1)
                    | (~models.Q(event="schedule") & models.Q(schedule_every_minutes__isnull=True))
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class RuleExecution(models.Model):
    """One evaluation of one rule for one event (or one scheduled check of one ticket).

    Most runs do not match, and most of an event's records are such runs: they
    store no trace but `rule_version` (the rule's history row whose conditions
    ran) and the event's `RuleEventSnapshot`; `evaluate` is a pure function of
    the two, so `selectors.traces_fill` computes the very same trace on read.
    """

    # A log written ~1,000 rows per event: its references are kept by Django's on_delete
    # (CASCADE / SET_NULL), without database constraints that check every row written,
    # and indexed by the composite indexes below (their first columns), not on their own.
    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    rule = models.ForeignKey(
        Rule,
        null=True,
        on_delete=models.SET_NULL,
        related_name="executions",
        db_index=False,
        db_constraint=False,
    )
    rule_name = models.CharField(max_length=200)  # kept when the rule is deleted
    rule_version = models.BigIntegerField(null=True, blank=True)  # HistoricalRule.history_id
    event_id = models.BigIntegerField(null=True, blank=True)
    event_type = models.CharField(max_length=32)
    ticket = models.ForeignKey(
        "workflows.Ticket",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    matched = models.BooleanField(default=False)
    trace = models.JSONField(null=True, blank=True)  # None: computed on read (see above)
    actions = models.JSONField(default=list)
    error = models.CharField(max_length=500, blank=True)
    duration_ms = models.FloatField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar[list[Any]] = [
            # A redelivered event never runs a rule twice; the redelivery check reads one
            # event's executions through the same index.
            models.UniqueConstraint(fields=["event_id", "rule"], name="rule_execution_once"),
        ]
        indexes: ClassVar[list[Any]] = [
            models.Index(fields=["rule", "-created_at", "-id"], name="rule_exec_rule_newest"),
            models.Index(
                fields=["organization", "ticket", "-created_at", "-id"],
                name="rule_exec_ticket_newest",
            ),
            # Retention: old records are found by age (BRIN: next to nothing per insert).
            BrinIndex(fields=["created_at"], name="rule_exec_age"),
        ]

    def __str__(self) -> str:
        return f"{self.rule_name} @ {self.event_type}#{self.event_id}"


class RuleEventSnapshot(models.Model):
    """What the rules of one event read: the snapshot's values and the event's changes."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    event_id = models.BigIntegerField(unique=True)
    values = models.JSONField(default=dict)
    changes = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes: ClassVar[list[Any]] = [
            BrinIndex(fields=["created_at"], name="rule_snapshot_age"),
        ]

    def __str__(self) -> str:
        return f"snapshot of event {self.event_id}"


class ScheduleRuleState(models.Model):
    """A schedule rule fired for a ticket; it fires again only after its conditions clear."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey("workflows.Ticket", on_delete=models.CASCADE, related_name="+")
    matched_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(fields=["rule", "ticket"], name="schedule_state_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.rule_id}:{self.ticket_id}"


class RoundRobinCursor(models.Model):
    """The last agent `round_robin` picked in a team; advanced under a row lock."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="+")
    last_user_id = models.BigIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.team_id} -> {self.last_user_id}"


class CsatRequestIntent(models.Model):
    """A `request_csat` action's request; the CSAT feature turns it into a survey."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey("workflows.Ticket", on_delete=models.CASCADE, related_name="+")
    rule = models.ForeignKey(Rule, null=True, on_delete=models.SET_NULL, related_name="+")
    event_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    fulfilled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(
                fields=["ticket", "rule", "event_id"], name="csat_intent_once_per_event"
            ),
        ]
        indexes: ClassVar[list[Any]] = [
            models.Index(
                fields=["organization", "created_at"],
                name="csat_intent_pending",
                condition=models.Q(fulfilled_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"csat {self.ticket_id}"


class RuleSetVersion(models.Model):
    """A counter per (organization, event type), raised by a database trigger on every
    statement that writes that type's rules (migration 0008), by any path.

    The rules engine's per-process cache compares it on each event, in the ticket-facts
    query, instead of aggregating the rules' row versions: one index probe instead of a
    pass over the type's rules (2 ms per event with 1,000 rules on one type).
    """

    organization_id = models.BigIntegerField()
    event = models.CharField(max_length=32)
    version = models.BigIntegerField(default=0)

    class Meta:
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(
                fields=["organization_id", "event"], name="rule_set_version_key"
            )
        ]

    def __str__(self) -> str:
        return f"rules of {self.organization_id}/{self.event} v{self.version}"
