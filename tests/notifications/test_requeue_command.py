"""`manage.py email_requeue` on real outbox rows, delivered over a real SMTP server."""

from __future__ import annotations

from datetime import datetime
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command

from ruledesk.notifications.models import EmailMessage
from ruledesk.tenancy.models import User
from tests.notifications.conftest import SmtpServer
from tests.notifications.helpers import queued_email_ids, run_email_tasks, send

pytestmark = pytest.mark.django_db

REFUSED = "550 5.1.1 Mailbox unavailable"
ERROR = "SMTPDataError: (550, b'5.1.1 Mailbox unavailable')"
MONDAY = datetime.fromisoformat("2026-11-23T10:00:00+00:00")
TUESDAY = datetime.fromisoformat("2026-11-24T10:00:00+00:00")


def dead(smtp: SmtpServer, user: User, key: str, when: datetime = MONDAY) -> EmailMessage:
    """An e-mail the SMTP server refused for good (5xx), tried at `when`."""
    smtp.inbox.reject_with = REFUSED
    with time_machine.travel(when, tick=False):
        send([user], channel="email", dedup_key=key)
        assert run_email_tasks() == ["dead"]
    smtp.inbox.reject_with = None
    return EmailMessage.objects.get(dedup_key=f"{key}:{user.pk}:email")


def requeue(*args: str) -> str:
    out = StringIO()
    call_command("email_requeue", *args, stdout=out)
    return out.getvalue()


def refused(*args: str) -> str:
    with pytest.raises(CommandError) as caught:
        requeue(*args)
    assert caught.value.returncode == 2
    return str(caught.value)


def statuses() -> dict[int, tuple[str, int]]:
    return {row.pk: (row.status, row.attempts) for row in EmailMessage.objects.all()}


def test_requeues_the_given_ids_and_they_are_delivered(
    smtp: SmtpServer, agent: User, admin: User
) -> None:
    first, second = dead(smtp, agent, "event:1"), dead(smtp, admin, "event:2")
    assert first.last_error == ERROR

    output = requeue(str(second.pk), str(first.pk))

    assert output.splitlines() == [
        f"requeued {first.pk} org=acme to=agent@acme.test kind=ticket.assigned was=dead attempts=1 error={ERROR!r}",
        f"requeued {second.pk} org=acme to=admin@acme.test kind=ticket.assigned was=dead attempts=1 error={ERROR!r}",
        "2 e-mails requeued.",
    ]  # fmt: skip
    assert "Printer jams" not in output  # neither subject nor body
    assert statuses() == {first.pk: ("queued", 0), second.pk: ("queued", 0)}
    assert EmailMessage.objects.get(pk=first.pk).last_error == ""
    assert queued_email_ids() == [first.pk, second.pk]
    assert run_email_tasks() == ["sent", "sent"]
    assert sorted(m.rcpt_tos[0] for m in smtp.inbox.messages) == [
        "admin@acme.test",
        "agent@acme.test",
    ]


def test_all_dead_filters_by_organization_and_last_attempt(
    smtp: SmtpServer, agent: User, admin: User, outsider: User
) -> None:
    old = dead(smtp, agent, "event:1", MONDAY)
    recent = dead(smtp, admin, "event:2", TUESDAY)
    other = dead(smtp, outsider, "event:3", TUESDAY)
    with time_machine.travel(TUESDAY, tick=False):
        send([agent], channel="email", dedup_key="event:4")
    (waiting,) = queued_email_ids()

    output = requeue("--all-dead", "--organization", "acme", "--since", "2026-11-24")

    assert output.splitlines() == [
        f"requeued {recent.pk} org=acme to=admin@acme.test kind=ticket.assigned was=dead attempts=1 error={ERROR!r}",
        "1 e-mail requeued.",
    ]  # fmt: skip
    assert statuses() == {
        old.pk: ("dead", 1),
        recent.pk: ("queued", 0),
        other.pk: ("dead", 1),
        waiting: ("queued", 0),
    }
    assert requeue("--all-dead", "--since", "2026-11-24T09:59:59Z").splitlines()[-1] == (
        "1 e-mail requeued."  # globex's; acme's Tuesday one is queued now
    )
    assert requeue("--all-dead").splitlines() == [
        f"requeued {old.pk} org=acme to=agent@acme.test kind=ticket.assigned was=dead attempts=1 error={ERROR!r}",
        "1 e-mail requeued.",
    ]  # fmt: skip
    assert requeue("--all-dead") == "0 e-mails requeued.\n"


def test_dry_run_lists_and_changes_nothing(smtp: SmtpServer, agent: User) -> None:
    row = dead(smtp, agent, "event:1")

    assert requeue("--all-dead", "--dry-run").splitlines() == [
        f"would requeue {row.pk} org=acme to=agent@acme.test kind=ticket.assigned was=dead attempts=1 error={ERROR!r}",
        "1 e-mail would be requeued.",
    ]  # fmt: skip
    assert requeue(str(row.pk), "--dry-run").splitlines()[0].startswith(f"would requeue {row.pk} ")
    assert statuses() == {row.pk: ("dead", 1)}
    assert queued_email_ids() == []


def test_bad_input_exits_2_and_changes_nothing(smtp: SmtpServer, agent: User) -> None:
    row = dead(smtp, agent, "event:1")
    with time_machine.travel(MONDAY, tick=False):
        send([agent], channel="email", dedup_key="event:2")
        assert run_email_tasks() == ["sent"]
    sent = EmailMessage.objects.get(status="sent")
    before = statuses()

    assert refused(str(row.pk), "999999") == "No such e-mail: 999999. Nothing was requeued."
    assert refused(str(row.pk), "abc") == "Not an e-mail id: abc."
    assert refused(str(row.pk), str(sent.pk)) == (
        f"Only dead or cancelled e-mails can be requeued: {sent.pk} (sent). Nothing was requeued."
    )
    assert refused("--all-dead", "--since", "last tuesday") == (
        "--since: not an ISO 8601 date or timestamp: 'last tuesday'."
    )
    assert refused("--all-dead", "--since", "2026-02-30") == (
        "--since: not an ISO 8601 date or timestamp: '2026-02-30'."
    )
    assert refused("--all-dead", "--organization", "nope") == (
        "--organization: no organization with slug 'nope'."
    )
    assert refused() == "Give the ids of the e-mails to requeue, or --all-dead."
    assert refused(str(row.pk), "--all-dead") == "Give e-mail ids or --all-dead, not both."
    assert refused(str(row.pk), "--since", "2026-11-24") == (
        "--organization and --since only filter --all-dead."
    )
    assert statuses() == before
    assert queued_email_ids() == []


def test_a_row_already_requeued_is_refused_by_id_and_not_found_again(
    smtp: SmtpServer, agent: User
) -> None:
    row = dead(smtp, agent, "event:1")
    assert requeue(str(row.pk)).splitlines()[-1] == "1 e-mail requeued."

    # Queued now: asking again by id is refused; --all-dead no longer finds it.
    assert refused(str(row.pk)) == (
        f"Only dead or cancelled e-mails can be requeued: {row.pk} (queued). Nothing was requeued."
    )
    assert requeue("--all-dead") == "0 e-mails requeued.\n"
    assert queued_email_ids() == [row.pk]
