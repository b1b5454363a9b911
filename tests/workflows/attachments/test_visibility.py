"""Requesters never see internal attachments, on any path; other organizations' ids are 404;
pending uploads are the uploader's alone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ruledesk.audit.models import AuditEvent
from ruledesk.tenancy.models import User
from tests import factories
from tests.workflows.attachments.helpers import TEXT, multipart, run_queued, start
from workflows import services
from workflows.attachments.models import Attachment
from workflows.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(requester: User) -> Ticket:
    return services.ticket_create(actor=requester, title="VPN down")


@pytest.fixture
def scanned(settings: Any, local_files: Path) -> None:
    settings.RULEDESK_CLAMD = "off"


@pytest.fixture
def internal(api: Any, agent: User, ticket: Ticket, scanned: None) -> Attachment:
    answer = multipart(api(agent), ticket.pk, TEXT, "internal-notes.txt", visibility="internal")
    assert answer.status_code == 201, answer.json()
    run_queued()
    return Attachment.objects.get(pk=answer.json()["id"])


@pytest.fixture
def public(api: Any, agent: User, ticket: Ticket, scanned: None) -> Attachment:
    answer = multipart(api(agent), ticket.pk, TEXT, "fix.txt")
    run_queued()
    return Attachment.objects.get(pk=answer.json()["id"])


def test_requester_list_has_public_only(
    api: Any, requester: User, agent: User, ticket: Ticket, internal: Attachment, public: Attachment
) -> None:
    mine = api(requester).get(f"/api/v1/tickets/{ticket.pk}/attachments").json()
    theirs = api(agent).get(f"/api/v1/tickets/{ticket.pk}/attachments").json()

    assert [row["id"] for row in mine["results"]] == [public.pk]
    assert [row["id"] for row in theirs["results"]] == [internal.pk, public.pk]
    assert "internal-notes" not in str(mine)


@pytest.mark.parametrize(
    ("method", "suffix"),
    [("get", ""), ("get", "/download"), ("post", "/complete"), ("delete", "")],
)
def test_requester_gets_404_for_an_internal_attachment(
    api: Any, requester: User, internal: Attachment, method: str, suffix: str
) -> None:
    answer = getattr(api(requester), method)(f"/api/v1/attachments/{internal.pk}{suffix}")

    assert answer.status_code == 404
    assert Attachment.objects.filter(pk=internal.pk).exists()


def test_requester_cannot_upload_internal(api: Any, requester: User, ticket: Ticket) -> None:
    answer = start(api(requester), ticket.pk, TEXT, visibility="internal")

    assert answer.status_code == 403
    assert not Attachment.objects.exists()


@pytest.mark.parametrize(
    ("method", "suffix"),
    [("get", ""), ("get", "/download"), ("post", "/complete"), ("delete", "")],
)
def test_another_organizations_attachment_is_404(
    api: Any, outsider: User, public: Attachment, method: str, suffix: str
) -> None:
    answer = getattr(api(outsider), method)(f"/api/v1/attachments/{public.pk}{suffix}")

    assert answer.status_code == 404
    assert answer.json()["code"] == "not_found"


def test_another_organizations_ticket_is_404(
    api: Any, outsider: User, ticket: Ticket, public: Attachment
) -> None:
    assert api(outsider).get(f"/api/v1/tickets/{ticket.pk}/attachments").status_code == 404
    assert start(api(outsider), ticket.pk, TEXT).status_code == 404


def test_another_requesters_ticket_is_404(
    api: Any, acme: Any, ticket: Ticket, public: Attachment
) -> None:
    other = factories.user(acme)

    assert api(other).get(f"/api/v1/attachments/{public.pk}").status_code == 404
    assert api(other).get(f"/api/v1/tickets/{ticket.pk}/attachments").status_code == 404


def test_a_pending_upload_is_only_the_uploaders(
    api: Any, requester: User, agent: User, ticket: Ticket, local_files: Path
) -> None:
    started = start(api(requester), ticket.pk, TEXT).json()

    assert api(requester).get(f"/api/v1/attachments/{started['id']}").status_code == 200
    assert api(agent).get(f"/api/v1/attachments/{started['id']}").status_code == 404
    assert api(agent).post(f"/api/v1/attachments/{started['id']}/complete").status_code == 404


def test_delete_is_audited_and_purges_the_object(
    api: Any, agent: User, requester: User, public: Attachment, local_files: Path
) -> None:
    assert (local_files / public.key).exists()
    # The requester did not upload it and may not update the ticket.
    assert api(requester).delete(f"/api/v1/attachments/{public.pk}").status_code == 403

    assert api(agent).delete(f"/api/v1/attachments/{public.pk}").status_code == 204

    assert run_queued("purge_objects") == [1]
    assert not (local_files / public.key).exists()
    actions = set(
        AuditEvent.objects.filter(object_id=str(public.pk)).values_list("action", flat=True)
    )
    assert {"attachment.deleted", "attachment.purged"} <= actions


def test_list_is_paginated(api: Any, agent: User, ticket: Ticket, scanned: None) -> None:
    for n in range(3):
        multipart(api(agent), ticket.pk, TEXT + str(n).encode(), f"{n}.txt")

    page = api(agent).get(f"/api/v1/tickets/{ticket.pk}/attachments?page_size=2").json()

    assert len(page["results"]) == 2
    assert page["next"]
