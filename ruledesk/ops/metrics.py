"""Prometheus metrics read from the database at scrape time, so every process agrees."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Count, Min
from django.utils import timezone
from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector


class OutboxCollector(Collector):
    def collect(self) -> Iterator[GaugeMetricFamily]:
        from django_q.models import OrmQ

        from ruledesk.events.models import DomainEvent, EventStatus

        by_status = dict(
            DomainEvent.objects.values_list("status")
            .annotate(n=Count("id"))
            .values_list("status", "n")
        )
        events = GaugeMetricFamily("ruledesk_events", "Domain events by status", labels=["status"])
        for status in EventStatus.values:
            events.add_metric([status], by_status.get(status, 0))
        yield events
        oldest = DomainEvent.objects.filter(
            status__in=[EventStatus.PENDING, EventStatus.FAILED]
        ).aggregate(oldest=Min("created_at"))["oldest"]
        age = (timezone.now() - oldest).total_seconds() if oldest else 0.0
        yield GaugeMetricFamily(
            "ruledesk_events_oldest_pending_seconds",
            "Age of the oldest undispatched event",
            value=age,
        )
        yield GaugeMetricFamily(
            "ruledesk_task_queue_depth",
            "Tasks waiting in the django-q2 ORM broker",
            value=OrmQ.objects.count(),
        )


def registry() -> CollectorRegistry:
    reg = CollectorRegistry(auto_describe=False)
    reg.register(OutboxCollector())
    return reg
