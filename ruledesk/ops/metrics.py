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


class EmailOutboxCollector(Collector):
    def collect(self) -> Iterator[GaugeMetricFamily]:
        from django.db.models import Count, Min
        from django.utils import timezone

        from ruledesk.notifications.models import EmailMessage, EmailStatus

        by_status = dict(
            EmailMessage.objects.values_list("status")
            .annotate(n=Count("id"))
            .values_list("status", "n")
        )
        emails = GaugeMetricFamily(
            "ruledesk_email_outbox", "Notification e-mails by status", labels=["status"]
        )
        for status in EmailStatus.values:
            emails.add_metric([status], by_status.get(status, 0))
        yield emails
        oldest = EmailMessage.objects.filter(
            status__in=[EmailStatus.QUEUED, EmailStatus.FAILED]
        ).aggregate(oldest=Min("created_at"))["oldest"]
        yield GaugeMetricFamily(
            "ruledesk_email_outbox_oldest_queued_seconds",
            "Age of the oldest e-mail not yet sent (queued or failed)",
            value=(timezone.now() - oldest).total_seconds() if oldest else 0.0,
        )


def registry() -> CollectorRegistry:
    reg = CollectorRegistry(auto_describe=False)
    reg.register(OutboxCollector())
    reg.register(EmailOutboxCollector())
    return reg
