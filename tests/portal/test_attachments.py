"""The attachments panel on the agent workspace and the requester's request page, its list
fragment, the no-script upload and the download redirect."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ruledesk.audit.models import AuditEvent
from ruledesk.tenancy.models import User
from tests.portal.helpers import csp_violations, queries_of, signed_in
from tests.workflows.attachments.helpers import HTML, TEXT, png, run_queued
from workflows import services
from workflows.attachments import services as attachments
from workflows.attachments.models import Attachment
from workflows.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def storage(settings: Any, tmp_path: Path) -> Path:
    from django.conf import settings as django_settings

    base = dict(django_settings.STORAGES)
    base["attachments"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "files"), "base_url": None},
    }
    settings.STORAGES = base
    settings.RULEDESK_CLAMD = "off"
    return tmp_path / "files"


@pytest.fixture
def ticket(requester: User) -> Ticket:
    return services.ticket_create(actor=requester, title="Screen flickers")


def _attach(
    user: User, ticket: Ticket, name: str, data: bytes, visibility: str = "public"
) -> Attachment:
    upload = SimpleUploadedFile(name, data)
    attachment = attachments.attachment_upload(
        actor=user, ticket=ticket, upload=upload, visibility=visibility
    )
    run_queued()
    attachment.refresh_from_db()
    return attachment


def _help(ticket: Ticket) -> str:
    return f"/help/requests/ACME-{ticket.number}"


def _desk(ticket: Ticket) -> str:
    return f"/desk/tickets/ACME-{ticket.number}"


def test_requester_sees_public_attachments_only(
    requester: User, agent: User, ticket: Ticket
) -> None:
    _attach(requester, ticket, "screenshot.png", png())
    _attach(agent, ticket, "secret-runbook.txt", TEXT, "internal")

    html = signed_in(requester).get(_help(ticket)).content.decode()
    fragment = signed_in(requester).get(f"/tickets/{ticket.pk}/attachments").content.decode()

    assert "screenshot.png" in html and "screenshot.png" in fragment
    assert "secret-runbook" not in html
    assert "secret-runbook" not in fragment
    assert 'value="internal"' not in html  # no way to upload internal either
    assert csp_violations(html) == []


def test_agent_sees_both_with_the_internal_mark_and_limits(
    requester: User, agent: User, ticket: Ticket
) -> None:
    _attach(requester, ticket, "screenshot.png", png())
    _attach(agent, ticket, "secret-runbook.txt", TEXT, "internal")

    client = signed_in(agent)
    html = client.get(_desk(ticket)).content.decode()
    listed = client.get(f"/tickets/{ticket.pk}/attachments").content.decode()

    assert 'hx-trigger="load, ' in html  # the workspace fetches its list after the page
    assert "screenshot.png" in listed and "secret-runbook.txt" in listed
    assert "pill-internal" in listed
    assert "Images up to 10 MB" in html
    assert "portal/js/attachments." in html
    assert csp_violations(html) == []


def test_a_file_being_scanned_shows_scanning_and_no_link(
    requester: User, ticket: Ticket, settings: Any
) -> None:
    attachments.attachment_upload(
        actor=requester, ticket=ticket, upload=SimpleUploadedFile("log.txt", TEXT)
    )  # the scan task is queued, not run

    html = signed_in(requester).get(f"/tickets/{ticket.pk}/attachments").content.decode()

    assert "Scanning" in html
    assert "every 3s" in html
    assert "/download" not in html


def test_plain_form_upload_stores_a_public_file(
    requester: User, ticket: Ticket, storage: Path
) -> None:
    client = signed_in(requester)
    answer = client.post(
        f"/tickets/{ticket.pk}/attachments/upload",
        {
            "file": SimpleUploadedFile("spooler.log", TEXT),
            "visibility": "internal",  # a requester cannot: the service refuses it
            "next": _help(ticket),
        },
    )

    assert answer.status_code == 302
    assert answer["Location"] == _help(ticket)
    assert not Attachment.objects.exists()
    answer = client.post(
        f"/tickets/{ticket.pk}/attachments/upload",
        {"file": SimpleUploadedFile("spooler.log", TEXT), "next": _help(ticket)},
    )
    row = Attachment.objects.get()
    assert (row.filename, row.visibility) == ("spooler.log", "public")


def test_plain_form_refuses_a_disallowed_type_and_stores_nothing(
    requester: User, ticket: Ticket, storage: Path
) -> None:
    client = signed_in(requester)
    client.post(
        f"/tickets/{ticket.pk}/attachments/upload",
        {"file": SimpleUploadedFile("page.txt", HTML), "next": _help(ticket)},
    )

    assert not Attachment.objects.exists()
    assert not storage.exists() or not [p for p in storage.rglob("*") if p.is_file()]
    page = client.get(_help(ticket)).content.decode()
    assert "page.txt" in page  # the refusal is shown as a message


def test_download_redirects_to_a_fresh_signed_url_and_is_audited(
    requester: User, agent: User, ticket: Ticket
) -> None:
    row = _attach(requester, ticket, "log.txt", TEXT)

    answer = signed_in(agent).get(f"/attachments/{row.pk}/download")

    assert answer.status_code == 302
    assert answer["Location"].startswith("/files/download?t=")
    assert answer["Cache-Control"] == "no-store"
    assert AuditEvent.objects.filter(action="attachment.downloaded", actor_id=agent.pk).count() == 1
    file = signed_in(agent).get(answer["Location"])
    assert b"".join(file.streaming_content) == TEXT  # type: ignore[attr-defined]


def test_requester_cannot_download_an_internal_attachment(
    requester: User, agent: User, ticket: Ticket
) -> None:
    row = _attach(agent, ticket, "runbook.txt", TEXT, "internal")

    assert signed_in(requester).get(f"/attachments/{row.pk}/download").status_code == 404
    assert not AuditEvent.objects.filter(action="attachment.downloaded").exists()


def test_the_list_costs_the_same_queries_for_one_and_many(requester: User, ticket: Ticket) -> None:
    client = signed_in(requester)
    url = f"/tickets/{ticket.pk}/attachments"
    _attach(requester, ticket, "1.txt", TEXT + b"1")
    one = queries_of(client, url)
    for n in range(2, 6):
        _attach(requester, ticket, f"{n}.txt", TEXT + str(n).encode())

    assert queries_of(client, url) == one
