from __future__ import annotations

from typing import Any, ClassVar

from django.db import models
from django.utils import timezone


class EventStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DISPATCHED = "dispatched", "Dispatched"
    FAILED = "failed", "Failed (will retry)"
    DEAD = "dead", "Dead letter"


class DomainEvent(models.Model):
    """The outbox: one row per domain change, written in the business transaction."""

    organization_id = models.BigIntegerField(db_index=True)
    type = models.CharField(max_length=64)
    ticket_id = models.BigIntegerField(null=True, blank=True)
    actor_id = models.BigIntegerField(null=True, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    depth = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(
        max_length=16, choices=EventStatus.choices, default=EventStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    # Times a worker started on it, committed before the work: a worker killed
    # mid-dispatch leaves no failed attempt behind, but it does leave this.
    deliveries = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    dispatched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes: ClassVar[list[Any]] = [
            models.Index(
                fields=["next_attempt_at", "id"],
                name="event_pending_idx",
                condition=models.Q(status__in=["pending", "failed"]),
            ),
            models.Index(fields=["organization_id", "ticket_id", "id"], name="event_ticket_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.type}#{self.pk}"
