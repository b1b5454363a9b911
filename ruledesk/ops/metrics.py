"""Prometheus metrics read from the database at scrape time, so every process agrees."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector


class OutboxCollector(Collector):
    def collect(self) -> Iterator[GaugeMetricFamily]:
        from django_q.models import OrmQ

        from ruledesk.events.selectors import events_backlog

        backlog = events_backlog()
        events = GaugeMetricFamily("ruledesk_events", "Domain events by status", labels=["status"])
        for status, count in backlog.by_status.items():
            events.add_metric([status], count)
        yield events
        yield GaugeMetricFamily(
            "ruledesk_events_oldest_pending_seconds",
            "Age of the oldest undispatched event",
            value=backlog.oldest_pending_seconds,
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
