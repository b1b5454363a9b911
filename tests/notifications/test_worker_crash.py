"""A real worker killed with SIGKILL mid-batch: no e-mail is lost silently, none is sent twice.

The SMTP server holds the third message in DATA (it has the whole message) while
the test kills the whole cluster, so that message's row is left `sending` with an
unknown outcome from the worker's point of view: exactly the classic double-send
window. After the restart, the sweep parks it for review instead of resending it
(at-most-once), and every other message is delivered exactly once, even though
the broker redelivers the orphaned tasks and the sweep enqueues them again.
"""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from aiosmtpd.smtp import SMTP, Envelope, Session
from django.db import transaction
from django.utils import timezone
from django_q.models import OrmQ

from ruledesk.notifications import services
from ruledesk.notifications.models import EmailMessage
from ruledesk.tenancy.models import Organization, Role, User
from tests import factories, processes
from tests.notifications.conftest import Inbox, SmtpServer
from tests.notifications.helpers import both

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


class HoldThird(Inbox):
    """Accepts every message, but holds the reply to the third one until released."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0
        self.holding = threading.Event()
        self.release = threading.Event()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        self.calls += 1
        reply = await super().handle_DATA(server, session, envelope)
        if self.calls == 3:
            # The worst case: the server has the message, but its "250" never reaches
            # the worker (killed now), so the worker cannot know it was delivered.
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
        return reply


def test_sigkill_mid_batch_loses_nothing_silently_and_sends_nothing_twice(
    smtp: SmtpServer, acme: Organization, tmp_path: Path, settings: Any
) -> None:
    inbox = HoldThird()
    assert smtp.controller is not None
    smtp.controller.handler = inbox  # used for every new SMTP connection
    smtp.inbox = inbox
    recipients = [
        factories.user(acme, Role.AGENT, email=f"agent{i}@acme.test", name=f"Agent {i}")
        for i in range(1, 6)
    ]
    with transaction.atomic():
        created = services.notify(
            organization_id=acme.pk,
            event="ticket.updated",
            kind="ticket.assigned",
            recipients=recipients,
            messages=both(),
            channel="email",
            dedup_key="event:crash",
        )
    assert created == 5
    env = {
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp.port),
        "DEFAULT_FROM_EMAIL": "Ruledesk <desk@ruledesk.test>",
        "RULEDESK_EMAIL_SENDING_LEASE_SECONDS": "1",
    }

    worker = processes.start_worker(tmp_path / "worker-1.log", **env)
    try:
        assert inbox.holding.wait(60), "the worker never reached the third message"
        processes.kill(worker)  # SIGKILL the whole cluster while message 3 is in flight
    finally:
        processes.kill(worker)
        inbox.release.set()

    statuses = dict(EmailMessage.objects.values_list("to_email", "status"))
    assert list(statuses.values()).count("sent") == 2
    assert list(statuses.values()).count("sending") == 1
    assert list(statuses.values()).count("queued") == 2
    in_flight = EmailMessage.objects.get(status="sending")

    # After the restart: the broker's lock on orphaned tasks has expired, and the
    # periodic sweep has run once the lease of the interrupted delivery is over.
    settings.RULEDESK_EMAIL_SENDING_LEASE_SECONDS = 1
    with time_machine.travel(timezone.now() + timedelta(seconds=60), tick=False):
        assert services.email_outbox_sweep() == {"enqueued": 2, "interrupted": 1}
    OrmQ.objects.update(lock=timezone.now() - timedelta(seconds=1))
    assert OrmQ.objects.count() >= 2

    worker = processes.start_worker(tmp_path / "worker-2.log", **env)
    try:
        processes.wait_for(
            lambda: (
                not EmailMessage.objects.filter(status__in=["queued", "sending"]).exists()
                and not OrmQ.objects.exists()
            ),
            worker,
            seconds=60,
        )
    finally:
        processes.stop(worker)

    received = sorted(m.rcpt_tos[0] for m in inbox.messages)
    assert received == sorted(u.email for u in recipients)  # each exactly once
    final = dict(EmailMessage.objects.values_list("to_email", "status"))
    assert final == {
        **{u.email: "sent" for u in recipients if u.email != in_flight.to_email},
        in_flight.to_email: "dead",
    }
    in_flight.refresh_from_db()
    assert in_flight.last_error.startswith("interrupted:")
    assert in_flight.attempts == 1
    assert User.objects.filter(pk__in=[u.pk for u in recipients]).count() == 5
