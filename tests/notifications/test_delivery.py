"""notify() and e-mail delivery over a real SMTP server (aiosmtpd on loopback)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.db import transaction
from django.utils import timezone
from django_q.models import OrmQ

from ruledesk.notifications import services
from ruledesk.notifications.models import EmailMessage, Notification, NotificationPreference
from ruledesk.notifications.services import Message
from ruledesk.tenancy.models import Organization, Role, User
from tests import factories
from tests.notifications.conftest import Inbox, SmtpServer
from tests.notifications.helpers import (
    both,
    context,
    queued_email_ids,
    run_email_tasks,
    send,
)

BOB_ASSIGNED_EN = (
    "Hello Bob Agent,\n\n"
    "Alice Admin assigned this ticket to you.\n\n"
    "ACME-42 · Printer jams\n"
    "Priority: high · Status: open\n"
    "Requester: Carol Requester\n\n"
    "https://desk.test/tickets/42\n\n"
    "— Acme"
)
DAWID_ASSIGNED_PL = (
    "Dzień dobry Dawid Agent,\n\n"
    "Alice Admin przypisał(a) Ci to zgłoszenie.\n\n"
    "ACME-42 · Printer jams\n"
    "Priorytet: WYSOKI · Status: otwarte\n"
    "Zgłaszający: Carol Requester\n\n"
    "https://desk.test/tickets/42\n\n"
    "— Acme"
)


@pytest.fixture
def polish_agent(acme: Organization) -> User:
    user = factories.user(acme, Role.AGENT, email="dawid@acme.test", name="Dawid Agent")
    user.locale = "pl"
    user.save(update_fields=["locale"])
    return user


def test_notify_queues_and_smtp_delivers_in_each_recipients_locale(
    smtp: SmtpServer, agent: User, polish_agent: User
) -> None:
    created = send([agent, polish_agent], kind="ticket.assigned", channel="both")

    assert created == 4
    assert len(queued_email_ids()) == 2
    assert run_email_tasks() == ["sent", "sent"]
    by_rcpt = {m.rcpt_tos[0]: m for m in smtp.inbox.messages}
    assert set(by_rcpt) == {"agent@acme.test", "dawid@acme.test"}
    en, pl = by_rcpt["agent@acme.test"], by_rcpt["dawid@acme.test"]
    assert en.subject == "[ACME-42] Assigned to you: Printer jams"
    assert en.text.rstrip("\n") == BOB_ASSIGNED_EN
    assert en.message["Content-Language"] == "en"
    assert en.message["Auto-Submitted"] == "auto-generated"
    assert en.mail_from == "desk@ruledesk.test"
    assert pl.subject == "[ACME-42] Przypisano do Ciebie: Printer jams"
    assert pl.text.rstrip("\n") == DAWID_ASSIGNED_PL
    assert pl.message["Content-Language"] == "pl"
    assert "<p>Dzień dobry Dawid Agent,</p>" in pl.html
    rows = {e.to_email: e for e in EmailMessage.objects.all()}
    assert {e.status for e in rows.values()} == {"sent"}
    assert all(e.attempts == 1 and e.sent_at is not None for e in rows.values())
    assert en.message["Message-ID"] == services.message_id_header(rows["agent@acme.test"])
    feed = {n.recipient_id: n for n in Notification.objects.all()}
    assert feed[agent.pk].title == "Assigned to you: ACME-42"
    assert feed[agent.pk].body == "Printer jams"
    assert feed[polish_agent.pk].title == "Przypisano do Ciebie: ACME-42"
    assert (feed[agent.pk].ticket_id, feed[agent.pk].ticket_number) == (42, "ACME-42")
    assert feed[agent.pk].event == "ticket.updated"
    assert feed[agent.pk].kind == "ticket.assigned"


def test_html_part_escapes_context_values(smtp: SmtpServer, agent: User) -> None:
    hostile = context()
    hostile["ticket"]["title"] = "<script>alert(1)</script>"
    send([agent], channel="email", messages={"agent": Message("agent", hostile)})

    run_email_tasks()

    (received,) = smtp.inbox.messages
    assert "<script>" not in received.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in received.html
    assert "<script>alert(1)</script>" in received.text


def test_redelivered_event_creates_and_sends_nothing_twice(smtp: SmtpServer, agent: User) -> None:
    assert send([agent], dedup_key="rule:7:event:99") == 2
    assert send([agent], dedup_key="rule:7:event:99") == 0

    assert Notification.objects.count() == 1
    assert EmailMessage.objects.count() == 1
    (message_id,) = queued_email_ids()
    assert services.email_deliver(message_id=message_id) == "sent"
    assert services.email_deliver(message_id=message_id) == "skipped"
    assert run_email_tasks() == ["skipped"]
    assert len(smtp.inbox.messages) == 1
    assert Notification.objects.get().dedup_key == f"rule:7:event:99:{agent.pk}:in_app"
    assert EmailMessage.objects.get().dedup_key == f"rule:7:event:99:{agent.pk}:email"


def test_rolled_back_caller_leaves_no_rows_and_no_task(smtp: SmtpServer, agent: User) -> None:
    tasks_before = OrmQ.objects.count()  # the organization's own setup event
    with pytest.raises(RuntimeError, match="boom"), transaction.atomic():
        services.notify(
            organization_id=agent.organization_id or 0,
            event="ticket.updated",
            kind="ticket.assigned",
            recipients=[agent],
            messages=both(),
            channel="both",
            dedup_key="event:5",
        )
        raise RuntimeError("boom")

    assert Notification.objects.count() == 0
    assert EmailMessage.objects.count() == 0
    assert OrmQ.objects.count() == tasks_before


@pytest.mark.django_db(transaction=True)
def test_notify_outside_a_transaction_is_refused(agent: User) -> None:
    with pytest.raises(RuntimeError, match="inside transaction.atomic"):
        services.notify(
            organization_id=agent.organization_id or 0,
            event="ticket.updated",
            kind="ticket.assigned",
            recipients=[agent],
            messages=both(),
            channel="in_app",
            dedup_key="x",
        )


def test_unknown_kind_or_channel_is_a_programming_error(agent: User) -> None:
    with pytest.raises(ValueError, match="unknown notification kind"):
        send([agent], kind="ticket.exploded")
    with pytest.raises(ValueError, match="unknown channel"):
        send([agent], channel="pigeon")


def test_transient_failures_retry_with_backoff_then_dead_letter(
    smtp: SmtpServer, agent: User, settings: Any
) -> None:
    settings.RULEDESK_EMAIL_MAX_ATTEMPTS = 3
    smtp.stop()  # nothing listens: connection refused
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        send([agent], channel="email")
        (message_id,) = queued_email_ids()
        assert services.email_deliver(message_id=message_id) == "failed"
    row = EmailMessage.objects.get()
    assert (row.status, row.attempts) == ("failed", 1)
    assert row.next_attempt_at == start + timedelta(seconds=30)
    assert row.last_error.startswith("ConnectionRefusedError")

    with time_machine.travel(start + timedelta(seconds=29), tick=False):
        assert services.email_deliver(message_id=message_id) == "skipped"  # not due yet
    with time_machine.travel(start + timedelta(seconds=31), tick=False):
        assert services.email_deliver(message_id=message_id) == "failed"
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("failed", 2)
    assert row.next_attempt_at == start + timedelta(seconds=31 + 60)
    with time_machine.travel(start + timedelta(seconds=92), tick=False):
        assert services.email_deliver(message_id=message_id) == "dead"
    row.refresh_from_db()
    assert (row.status, row.attempts, row.sent_at) == ("dead", 3, None)
    with time_machine.travel(start + timedelta(days=1), tick=False):
        assert services.email_deliver(message_id=message_id) == "skipped"
        assert services.email_outbox_sweep() == {"enqueued": 0, "interrupted": 0}


def test_a_failed_message_is_sent_once_the_server_is_back(
    smtp: SmtpServer, agent: User, settings: Any
) -> None:
    port = smtp.port
    smtp.stop()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        send([agent], channel="email")
        assert run_email_tasks() == ["failed"]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with time_machine.travel(start + timedelta(seconds=31), tick=False):
            assert services.email_outbox_sweep() == {"enqueued": 1, "interrupted": 0}
            assert run_email_tasks() == ["sent"]
    finally:
        controller.stop()
    assert [m.rcpt_tos for m in inbox.messages] == [["agent@acme.test"]]
    row = EmailMessage.objects.get()
    assert (row.status, row.attempts, row.last_error) == ("sent", 2, "")


def test_permanent_smtp_rejection_is_dead_at_once(smtp: SmtpServer, agent: User) -> None:
    smtp.inbox.reject_with = "550 5.1.1 Mailbox unavailable"
    send([agent], channel="email")

    assert run_email_tasks() == ["dead"]

    row = EmailMessage.objects.get()
    assert (row.status, row.attempts) == ("dead", 1)
    assert "550" in row.last_error and "Mailbox unavailable" in row.last_error
    assert smtp.inbox.messages == []


def test_a_stale_sending_row_is_parked_not_resent(
    smtp: SmtpServer, agent: User, settings: Any
) -> None:
    """A worker killed between the claim and `sent`: outcome unknown, so at-most-once."""
    settings.RULEDESK_EMAIL_SENDING_LEASE_SECONDS = 600
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        send([agent], channel="email")
        (message_id,) = queued_email_ids()
        # What a killed worker leaves behind: claimed, never confirmed.
        EmailMessage.objects.filter(pk=message_id).update(
            status="sending", claimed_at=start, attempts=1
        )
        OrmQ.objects.all().delete()
    with time_machine.travel(start + timedelta(seconds=599), tick=False):
        assert services.email_outbox_sweep() == {"enqueued": 0, "interrupted": 0}
        assert services.email_deliver(message_id=message_id) == "skipped"
    with time_machine.travel(start + timedelta(seconds=601), tick=False):
        assert services.email_outbox_sweep() == {"enqueued": 0, "interrupted": 1}
        assert services.email_deliver(message_id=message_id) == "skipped"
    row = EmailMessage.objects.get()
    assert row.status == "dead"
    assert row.last_error.startswith("interrupted:")
    assert smtp.inbox.messages == []

    assert services.email_requeue(message_id=message_id) is True
    assert run_email_tasks() == ["sent"]
    assert len(smtp.inbox.messages) == 1


def test_sweep_reenqueues_a_queued_row_whose_task_was_lost(smtp: SmtpServer, agent: User) -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        send([agent], channel="email")
        OrmQ.objects.all().delete()
        assert services.email_outbox_sweep() == {"enqueued": 0, "interrupted": 0}
    with time_machine.travel(start + timedelta(seconds=31), tick=False):
        assert services.email_outbox_sweep() == {"enqueued": 1, "interrupted": 0}
        assert run_email_tasks() == ["sent"]
    assert len(smtp.inbox.messages) == 1


# --- Preferences ------------------------------------------------------------------------


def _prefer(user: User, kind: str, channel: str, enabled: bool) -> None:
    assert user.organization_id is not None
    NotificationPreference.objects.create(
        organization_id=user.organization_id, user=user, kind=kind, channel=channel, enabled=enabled
    )


def test_preferences_are_honoured_at_creation(smtp: SmtpServer, agent: User, admin: User) -> None:
    _prefer(agent, "ticket.assigned", "in_app", False)
    _prefer(admin, "ticket.assigned", "email", False)

    assert send([agent, admin], kind="ticket.assigned") == 2

    assert list(Notification.objects.values_list("recipient_id", flat=True)) == [admin.pk]
    assert list(EmailMessage.objects.values_list("recipient_id", flat=True)) == [agent.pk]


def test_defaults_mail_new_tickets_to_the_requester_only(
    smtp: SmtpServer, agent: User, requester: User
) -> None:
    assert send([agent, requester], kind="ticket.created") == 3

    assert set(Notification.objects.values_list("recipient_id", flat=True)) == {
        agent.pk,
        requester.pk,
    }
    assert list(EmailMessage.objects.values_list("recipient_id", flat=True)) == [requester.pk]
    run_email_tasks()
    (received,) = smtp.inbox.messages
    assert received.subject == "[ACME-42] We received your request: Printer jams"


def test_email_turned_off_after_queueing_is_not_sent(smtp: SmtpServer, agent: User) -> None:
    send([agent], channel="email")
    _prefer(agent, "ticket.assigned", "email", False)

    assert run_email_tasks() == ["cancelled"]

    row = EmailMessage.objects.get()
    assert (row.status, row.last_error) == ("cancelled", "preference_disabled")
    assert smtp.inbox.messages == []


def test_a_deactivated_recipient_gets_nothing(smtp: SmtpServer, agent: User) -> None:
    send([agent], channel="email")
    User.objects.filter(pk=agent.pk).update(is_active=False)

    assert run_email_tasks() == ["cancelled"]
    assert EmailMessage.objects.get().last_error == "recipient_inactive"
    assert smtp.inbox.messages == []


# --- Recipients and confidentiality -------------------------------------------------------


def test_only_live_members_of_the_organization_are_recipients(
    acme: Organization, agent: User, outsider: User
) -> None:
    gone = factories.user(acme, Role.AGENT)
    User.objects.filter(pk=gone.pk).update(deleted_at=timezone.now())
    inactive = factories.user(acme, Role.AGENT)
    User.objects.filter(pk=inactive.pk).update(is_active=False)

    with transaction.atomic():
        created = services.notify(
            organization_id=acme.pk,
            event="ticket.updated",
            kind="ticket.assigned",
            recipients=[agent, outsider, gone, inactive],
            messages=both(),
            channel="in_app",
            dedup_key="e:1",
        )

    assert created == 1
    assert list(Notification.objects.values_list("recipient_id", flat=True)) == [agent.pk]


def test_requesters_get_the_requester_message_and_staff_the_agent_message(
    agent: User, requester: User
) -> None:
    messages = {
        "requester": Message("requester", context(comment=None)),
        "agent": Message(
            "agent",
            context(
                comment={"body": "Check warranty", "author_name": "Bob", "visibility": "internal"}
            ),
        ),
    }

    send([agent, requester], kind="ticket.replied", channel="in_app", messages=messages)

    feed = {n.recipient_id: n for n in Notification.objects.all()}
    assert feed[agent.pk].body == "Bob: Check warranty"
    assert feed[agent.pk].audience == "agent"
    assert feed[requester.pk].body == "Someone:"
    assert feed[requester.pk].audience == "requester"


def test_an_agent_only_message_never_reaches_a_requester(
    smtp: SmtpServer, agent: User, requester: User
) -> None:
    only_agents = {"agent": Message("agent", context(internal_note="VIP, be careful"))}

    assert send([agent, requester], messages=only_agents) == 2

    assert set(Notification.objects.values_list("recipient_id", flat=True)) == {agent.pk}
    assert set(EmailMessage.objects.values_list("recipient_id", flat=True)) == {agent.pk}


def test_agent_content_mislabelled_for_requesters_is_refused(requester: User) -> None:
    mislabelled = {"requester": Message("agent", context())}
    leaking_note = {"requester": Message("requester", context(internal_note="secret"))}
    leaking_comment = {
        "requester": Message(
            "requester",
            context(comment={"body": "secret", "author_name": "Bob", "visibility": "internal"}),
        )
    }

    for i, messages in enumerate((mislabelled, leaking_note, leaking_comment)):
        assert send([requester], messages=messages, dedup_key=f"e:{i}") == 0

    assert Notification.objects.count() == 0
    assert EmailMessage.objects.count() == 0


def test_a_recipient_demoted_to_requester_before_delivery_gets_no_agent_mail(
    smtp: SmtpServer, agent: User
) -> None:
    send([agent], channel="email", messages={"agent": Message("agent", context(internal_note="x"))})
    User.objects.filter(pk=agent.pk).update(role=Role.REQUESTER)

    assert run_email_tasks() == ["dead"]

    row = EmailMessage.objects.get()
    assert (row.status, row.last_error) == ("dead", "confidentiality")
    assert smtp.inbox.messages == []


def test_system_users_receive_nothing(acme: Organization, agent: User) -> None:
    robot = factories.user(acme, Role.AGENT)
    User.objects.filter(pk=robot.pk).update(is_system=True)

    assert send([agent, robot], channel="in_app") == 1
