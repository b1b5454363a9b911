"""Deleting a ticket or a comment deletes its objects (in the worker, audited); uploads that
never completed are swept."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from ruledesk.audit.models import AuditEvent
from ruledesk.tenancy.models import User
from tests.workflows.attachments.helpers import TEXT, multipart, run_queued, start
from workflows import services
from workflows.attachments import scanning
from workflows.attachments.models import Attachment
from workflows.models import Comment, Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(requester: User) -> Ticket:
    return services.ticket_create(actor=requester, title="Disk full")


@pytest.fixture(autouse=True)
def unscanned(settings: Any, local_files: Path) -> None:
    settings.RULEDESK_CLAMD = "off"


def _stored(
    api: Any, user: User, ticket: Ticket, name: str, comment: Comment | None = None
) -> Attachment:
    answer = multipart(api(user), ticket.pk, TEXT + name.encode(), name)
    assert answer.status_code == 201
    run_queued()
    row = Attachment.objects.get(pk=answer.json()["id"])
    if comment is not None:
        Attachment.objects.filter(pk=row.pk).update(comment=comment)
    return row


def test_deleting_a_ticket_purges_its_objects(
    api: Any, agent: User, ticket: Ticket, local_files: Path
) -> None:
    rows = [_stored(api, agent, ticket, f"{n}.log") for n in range(2)]
    assert all((local_files / row.key).exists() for row in rows)

    Ticket.objects.filter(pk=ticket.pk).delete()

    assert sorted(run_queued("purge_objects")) == [1, 1]
    assert not any((local_files / row.key).exists() for row in rows)
    purged = AuditEvent.objects.filter(action="attachment.purged")
    assert sorted(purged.values_list("object_id", flat=True)) == sorted(str(r.pk) for r in rows)


def test_deleting_a_comment_purges_its_objects(
    api: Any, agent: User, ticket: Ticket, local_files: Path
) -> None:
    comment = services.comment_create(actor=agent, ticket=ticket, body="See the log.")
    on_comment = _stored(api, agent, ticket, "on-comment.log", comment)
    on_ticket = _stored(api, agent, ticket, "on-ticket.log")

    comment.delete()

    assert run_queued("purge_objects") == [1]
    assert not (local_files / on_comment.key).exists()
    assert (local_files / on_ticket.key).exists()


def test_a_rolled_back_deletion_purges_nothing(
    api: Any, agent: User, ticket: Ticket, local_files: Path
) -> None:
    from django.db import transaction

    row = _stored(api, agent, ticket, "keep.log")
    with pytest.raises(RuntimeError), transaction.atomic():
        row.delete()
        raise RuntimeError

    assert run_queued("purge_objects") == []
    assert (local_files / row.key).exists()


def test_uploads_that_never_completed_are_swept(
    api: Any, requester: User, ticket: Ticket, local_files: Path
) -> None:
    abandoned = start(api(requester), ticket.pk, TEXT).json()
    uploaded_never_completed = start(api(requester), ticket.pk, TEXT + b"2").json()
    from django.test import Client

    Client().generic(
        "PUT", uploaded_never_completed["upload"]["url"], TEXT + b"2", content_type="text/plain"
    )
    fresh = start(api(requester), ticket.pk, TEXT + b"3").json()
    Attachment.objects.filter(pk__in=[abandoned["id"], uploaded_never_completed["id"]]).update(
        upload_expires_at=timezone.now() - timedelta(hours=2)
    )
    key = Attachment.objects.get(pk=uploaded_never_completed["id"]).key
    assert (local_files / key).exists()

    assert scanning.sweep()["orphans"] == 2
    run_queued("purge_objects")

    assert list(Attachment.objects.values_list("pk", flat=True)) == [fresh["id"]]
    assert not (local_files / key).exists()
    assert AuditEvent.objects.filter(action="attachment.expired").count() == 2


def test_the_sweep_is_scheduled() -> None:
    from ruledesk.ops import schedules

    assert "workflows.attachments.tasks.attachments_sweep" in {j.func for j in schedules.jobs()}
