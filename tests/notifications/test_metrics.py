"""The e-mail outbox on /metrics: counts by status and the age of the oldest unsent message."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import time_machine
from django.test import Client
from django.utils import timezone

from ruledesk.notifications.models import EmailMessage
from ruledesk.tenancy.models import User

TOKEN = "metrics-token-for-tests-0123456789"


def _email(user: User, n: int, status: str, created_at: datetime) -> None:
    assert user.organization_id is not None
    EmailMessage.objects.create(
        organization_id=user.organization_id,
        recipient=user,
        to_email=user.email,
        subject="s",
        body_text="b",
        audience="agent",
        event="ticket.updated",
        kind="ticket.assigned",
        status=status,
        dedup_key=f"m:{n}",
        created_at=created_at,
    )


def test_metrics_expose_the_email_outbox(client: Client, settings: Any, agent: User) -> None:
    settings.RULEDESK_METRICS_TOKEN = TOKEN
    now = timezone.now()
    _email(agent, 1, "queued", now - timedelta(seconds=90))
    _email(agent, 2, "failed", now - timedelta(seconds=30))
    _email(agent, 3, "sent", now - timedelta(hours=2))
    _email(agent, 4, "dead", now - timedelta(hours=3))

    with time_machine.travel(now, tick=False):
        body = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").content.decode()

    lines = set(body.splitlines())
    for status, count in [
        ("queued", 1),
        ("sending", 0),
        ("sent", 1),
        ("failed", 1),
        ("dead", 1),
        ("cancelled", 0),
    ]:
        assert f'ruledesk_email_outbox{{status="{status}"}} {count}.0' in lines
    assert "ruledesk_email_outbox_oldest_queued_seconds 90.0" in lines
