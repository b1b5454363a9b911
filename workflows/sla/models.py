"""Business calendars, SLA policies and the timer rows the sweep fires.

Imported at the bottom of workflows/models.py, so they belong to the workflows app.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ruledesk.tenancy.models import Organization, validate_timezone

MAX_TARGET_MINUTES = 525_600


class BusinessCalendar(models.Model):
    """Weekly hours ({"mon": [["09:00", "17:00"]], ...}) and holidays read in `timezone`.

    The organization's calendar (for rules' business-hours conditions) is its
    oldest calendar, i.e. the one with the lowest id.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=100)
    timezone = models.CharField(max_length=64, validators=[validate_timezone])
    hours = models.JSONField(default=dict)
    holidays = models.JSONField(default=list)  # ISO dates, sorted, unique
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        app_label = "workflows"
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(
                "organization", Lower("name"), name="business_calendar_name_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class SlaPolicy(models.Model):
    """Targets for tickets matching priority and category (null matches every value)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=100)
    priority = models.CharField(max_length=10, null=True, blank=True)  # noqa: DJ001 - null = any
    category = models.ForeignKey(
        "workflows.Category", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.PROTECT, related_name="+")
    first_response_minutes = models.PositiveIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(MAX_TARGET_MINUTES)]
    )
    resolution_minutes = models.PositiveIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(MAX_TARGET_MINUTES)]
    )
    reminder_percent = models.PositiveSmallIntegerField(
        default=80, validators=[MinValueValidator(1), MaxValueValidator(99)]
    )
    position = models.PositiveIntegerField(default=0)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        app_label = "workflows"
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint("organization", Lower("name"), name="sla_policy_name_unique"),
        ]
        indexes: ClassVar[list[Any]] = [
            models.Index(
                fields=["organization", "active", "position", "id"], name="sla_policy_match"
            ),
        ]
        verbose_name_plural = "SLA policies"

    def __str__(self) -> str:
        return self.name


class SlaTarget(models.TextChoices):
    FIRST_RESPONSE = "first_response", _("First response")
    RESOLUTION = "resolution", _("Resolution")


class SlaTimerKind(models.TextChoices):
    WARNING = "warning", _("Warning")
    BREACH = "breach", _("Breach")


class SlaTimer(models.Model):
    """One warning or breach of one target of one ticket, in one resolution cycle.

    At most one row per (ticket, target, kind, cycle) ever exists, and a fired row
    is never rewritten, so each event fires at most once per cycle. `cycle` is the
    ticket's reopen count for resolution (a reopen starts a new cycle) and 0 for
    first response. Unfired rows are moved when due times change and deleted when
    their target stops.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey("workflows.Ticket", on_delete=models.CASCADE, related_name="+")
    target = models.CharField(max_length=16, choices=SlaTarget.choices)
    kind = models.CharField(max_length=8, choices=SlaTimerKind.choices)
    cycle = models.PositiveIntegerField(default=0)
    due_at = models.DateTimeField()
    fire_at = models.DateTimeField()
    fired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        app_label = "workflows"
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(
                fields=["ticket", "target", "kind", "cycle"], name="sla_timer_unique"
            ),
        ]
        indexes: ClassVar[list[Any]] = [
            models.Index(
                fields=["fire_at", "id"],
                condition=models.Q(fired_at__isnull=True),
                name="sla_timer_unfired",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.target} {self.kind} @ {self.fire_at}"
