"""Reads about the outbox's health, shared by /metrics and /readyz."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Min
from django.utils import timezone

from ruledesk.events.models import DomainEvent, EventStatus


@dataclass(frozen=True)
class Backlog:
    by_status: dict[str, int]
    oldest_pending_seconds: float

    def as_dict(self) -> dict[str, float | int]:
        return {
            "pending": self.by_status[EventStatus.PENDING],
            "failed": self.by_status[EventStatus.FAILED],
            "dead": self.by_status[EventStatus.DEAD],
            "oldest_pending_seconds": round(self.oldest_pending_seconds),
        }


def events_backlog() -> Backlog:
    counted = dict(
        DomainEvent.objects.values_list("status").annotate(n=Count("id")).values_list("status", "n")
    )
    by_status = {status: counted.get(status, 0) for status in EventStatus.values}
    oldest = DomainEvent.objects.filter(
        status__in=[EventStatus.PENDING, EventStatus.FAILED]
    ).aggregate(oldest=Min("created_at"))["oldest"]
    age = (timezone.now() - oldest).total_seconds() if oldest else 0.0
    return Backlog(by_status=by_status, oldest_pending_seconds=max(age, 0.0))
