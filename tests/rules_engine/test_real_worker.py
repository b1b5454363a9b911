"""The whole path through real processes: a change, its event, the worker, the rule, the e-mail.

`manage.py worker` runs as a separate process group on this test's database,
exactly as in production; the SMTP server is a real one on loopback.
"""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from pathlib import Path
from subprocess import Popen
from typing import Any

import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session
from django.conf import settings as django_settings
from django.db import transaction
from django.utils import timezone
from django_q.models import OrmQ

from ruledesk.events.models import DomainEvent, EventStatus
from ruledesk.notifications.models import EmailMessage
from ruledesk.notifications.services import email_outbox_sweep
from ruledesk.tenancy.models import Organization, Role, User
from rules_engine import services as rules
from rules_engine.models import RuleExecution
from tests import factories, processes
from tests.notifications.conftest import Inbox, SmtpServer
from workflows import services as tickets
from workflows.models import Ticket

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
TICKETS = 200


def _q_retry() -> int:
    retry = django_settings.Q_CLUSTER["retry"]
    assert isinstance(retry, int)
    return retry


Q_RETRY = _q_retry()


class SlowInbox(Inbox):
    """A mail server that takes a moment per message, so deliveries are in flight at the kill."""

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        await asyncio.sleep(0.1)
        return await super().handle_DATA(server, session, envelope)


def _as_after_retry_period(settings: Any) -> None:
    """What a restart finds once django-q2's retry period is over: the killed
    cluster's claimed tasks are free again, and the outbox sweep has settled
    deliveries whose lease ran out (parked for review, never resent blindly)."""
    OrmQ.objects.update(lock=timezone.now() - timedelta(seconds=Q_RETRY + 1))
    settings.RULEDESK_EMAIL_SENDING_LEASE_SECONDS = 1
    time.sleep(1.5)
    email_outbox_sweep()


def _tag_urgent_titles(admin: User) -> None:
    rules.rule_create(
        actor=admin,
        data={
            "name": "Urgent titles are critical",
            "event": "ticket.created",
            "conditions": {
                "all": [{"field": "ticket.title", "operator": "contains", "value": "urgent"}]
            },
            "actions": [
                {"type": "set_priority", "priority": "critical"},
                {"type": "add_tags", "tags": ["urgent"]},
            ],
            "position": 1,
        },
    )


def test_a_matching_rule_fires_within_ten_seconds_through_a_real_worker(
    cluster: Popen[bytes], admin: User, requester: User
) -> None:
    _tag_urgent_titles(admin)
    with transaction.atomic():
        calm = tickets.ticket_create(actor=requester, title="Printer is slow")
        urgent = tickets.ticket_create(actor=requester, title="URGENT: server room is flooding")

    took = processes.wait_for(
        lambda: Ticket.objects.filter(pk=urgent.pk, priority="critical").exists(),
        cluster,
        seconds=10,
    )

    urgent = Ticket.objects.get(pk=urgent.pk)  # status is protected: load afresh
    calm = Ticket.objects.get(pk=calm.pk)
    assert took < 10
    assert urgent.priority == "critical"
    assert list(urgent.tags.values_list("name", flat=True)) == ["urgent"]
    assert calm.priority == "medium"
    processes.wait_for(
        lambda: RuleExecution.objects.filter(ticket=calm, rule_name__startswith="Urgent").exists(),
        cluster,
        seconds=10,
    )
    execution = RuleExecution.objects.get(ticket=urgent, rule_name__startswith="Urgent")
    assert execution.matched is True
    assert [a["ok"] for a in execution.actions] == [True, True]
    assert RuleExecution.objects.get(ticket=calm, rule_name__startswith="Urgent").matched is False


def test_sigkill_mid_batch_loses_no_event_and_sends_no_email_twice(
    smtp: SmtpServer, acme: Organization, admin: User, tmp_path: Path, settings: Any
) -> None:
    """Kill the whole cluster while it works through the events, restart it, and count."""
    assert smtp.controller is not None
    smtp.inbox = SlowInbox()
    smtp.controller.handler = smtp.inbox  # used for every new SMTP connection
    filers = [
        factories.user(acme, Role.REQUESTER, email=f"filer{i}@acme.test", name=f"Filer {i}")
        for i in range(3)
    ]
    rules.rule_create(
        actor=admin,
        data={
            "name": "Confirm every new ticket to its requester",
            "event": "ticket.created",
            "conditions": {"all": []},
            "actions": [
                {
                    "type": "notify",
                    "recipients": ["requester"],
                    "channel": "email",
                }
            ],
            "position": 1,
        },
    )
    with transaction.atomic():
        created = [
            tickets.ticket_create(actor=filers[n % 3], title=f"Ticket {n}") for n in range(TICKETS)
        ]
    env = {
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp.port),
        "DEFAULT_FROM_EMAIL": "Ruledesk <desk@ruledesk.test>",
        "RULEDESK_Q_WORKERS": "2",
        "RULEDESK_EMAIL_SENDING_LEASE_SECONDS": "1",
    }

    dispatched = DomainEvent.objects.filter(type="ticket.created", status="dispatched")

    # Crash 1: in the middle of the events (their e-mails queue up behind them).
    worker = processes.start_worker(tmp_path / "worker-1.log", **env)
    try:
        processes.wait_for(lambda: dispatched.count() >= 10, worker, seconds=60)
    finally:
        processes.kill(worker)  # SIGKILL: no cleanup runs
    assert dispatched.count() < TICKETS, "the worker finished before the kill; nothing proven"
    _as_after_retry_period(settings)

    # Crash 2: in the middle of the e-mails (the slow server holds some in flight).
    worker = processes.start_worker(tmp_path / "worker-2.log", **env)
    try:
        processes.wait_for(lambda: len(smtp.inbox.messages) >= 3, worker, seconds=60)
    finally:
        processes.kill(worker)
    assert EmailMessage.objects.exclude(status="sent").exists(), "nothing left to prove"
    _as_after_retry_period(settings)

    worker = processes.start_worker(tmp_path / "worker-3.log", **env)
    try:
        processes.wait_for(
            lambda: (
                not DomainEvent.objects.exclude(status=EventStatus.DISPATCHED).exists()
                and not EmailMessage.objects.filter(
                    status__in=["queued", "sending", "failed"]
                ).exists()
            ),
            worker,
            seconds=120,
        )
    finally:
        processes.stop(worker)

    ticket_events = DomainEvent.objects.filter(type="ticket.created")
    assert ticket_events.count() == TICKETS
    assert set(ticket_events.values_list("ticket_id", flat=True)) == {t.pk for t in created}
    assert RuleExecution.objects.filter(matched=True).count() == TICKETS  # once per event
    assert EmailMessage.objects.count() == TICKETS
    received = [(m.rcpt_tos[0], m.subject) for m in smtp.inbox.messages]
    assert len(received) == len(set(received)), "an e-mail was sent twice"
    sent = EmailMessage.objects.filter(status="sent").count()
    parked = EmailMessage.objects.filter(status="dead").count()
    # At most the messages in flight at the kill are parked for review (never resent).
    assert sent + parked == TICKETS
    assert parked <= 2
    assert len(received) >= sent
