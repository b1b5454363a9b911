"""The default backend (local files): our own signed, expiring upload and download URLs.
Expiry is enforced here, by us, so it is proven here."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from ruledesk.tenancy.models import User
from tests.workflows.attachments.helpers import TEXT, multipart, png, run_queued, start
from workflows import services
from workflows.attachments.models import Attachment
from workflows.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(requester: User) -> Ticket:
    return services.ticket_create(actor=requester, title="Printer on fire")


@pytest.fixture
def fake_ok(settings: Any) -> Any:
    from tests.workflows.attachments import servers

    with servers.fake_clamd("ok") as address:
        settings.RULEDESK_CLAMD = address
        yield address


def _put(url: str, data: bytes, content_type: str = "text/plain") -> Any:
    return Client().generic("PUT", url, data, content_type=content_type)


def _uploaded(api: Any, user: User, ticket: Ticket, data: bytes, **kw: Any) -> int:
    started = start(api(user), ticket.pk, data, **kw).json()
    assert started["upload"]["url"].startswith("/files/upload?t=")
    assert (
        _put(started["upload"]["url"], data, kw.get("content_type", "text/plain")).status_code
        == 200
    )
    done = api(user).post(f"/api/v1/attachments/{started['id']}/complete")
    assert done.status_code == 200, done.json()
    assert run_queued("scan_attachment") == ["clean"]
    return int(started["id"])


def test_local_upload_scan_and_download(
    api: Any, requester: User, agent: User, ticket: Ticket, local_files: Path, fake_ok: str
) -> None:
    attachment_id = _uploaded(api, requester, ticket, TEXT)
    row = Attachment.objects.get(pk=attachment_id)
    assert (local_files / row.key).read_bytes() == TEXT
    assert not list((local_files / "quarantine").rglob("*.*"))

    link = api(agent).get(f"/api/v1/attachments/{attachment_id}/download").json()
    got = Client().get(link["url"])

    assert got.status_code == 200
    assert b"".join(got.streaming_content) == TEXT  # type: ignore[attr-defined]
    assert got["Content-Disposition"] == 'attachment; filename="log.txt"'
    assert got["X-Content-Type-Options"] == "nosniff"
    assert got["Content-Type"] == "text/plain"
    assert "sandbox" in got["Content-Security-Policy"]


def test_only_safe_raster_images_are_inline(
    api: Any, requester: User, ticket: Ticket, local_files: Path, fake_ok: str
) -> None:
    image_id = _uploaded(api, requester, ticket, png(), content_type="image/png", filename="a.png")
    # A text file named like a page is still served as an attachment.
    text_id = _uploaded(api, requester, ticket, TEXT, filename="page.html")

    image = Client().get(
        api(requester).get(f"/api/v1/attachments/{image_id}/download").json()["url"]
    )
    text = Client().get(api(requester).get(f"/api/v1/attachments/{text_id}/download").json()["url"])

    assert image["Content-Disposition"].startswith("inline;")
    assert text["Content-Disposition"] == 'attachment; filename="page.html"'
    assert text["Content-Type"] == "text/plain"


def test_a_download_link_past_its_expiry_is_refused(
    api: Any, requester: User, ticket: Ticket, local_files: Path, fake_ok: str, settings: Any
) -> None:
    attachment_id = _uploaded(api, requester, ticket, TEXT)
    link = api(requester).get(f"/api/v1/attachments/{attachment_id}/download").json()
    ttl = settings.RULEDESK_ATTACHMENT_DOWNLOAD_TTL_SECONDS
    assert ttl <= 300

    with time_machine.travel(timezone.now() + timedelta(seconds=ttl - 5)):
        assert Client().get(link["url"]).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(seconds=ttl + 5)):
        assert Client().get(link["url"]).status_code == 403


def test_tampered_or_missing_tokens_are_404(
    api: Any, requester: User, ticket: Ticket, local_files: Path, fake_ok: str
) -> None:
    attachment_id = _uploaded(api, requester, ticket, TEXT)
    url = api(requester).get(f"/api/v1/attachments/{attachment_id}/download").json()["url"]

    assert Client().get(url[:-3] + "AAA").status_code == 404
    assert Client().get("/files/download").status_code == 404
    assert Client().get("/files/download?t=").status_code == 404
    assert _put("/files/upload?t=nonsense", TEXT).status_code == 404


def test_an_upload_url_past_its_expiry_is_refused(
    api: Any, requester: User, ticket: Ticket, local_files: Path, settings: Any
) -> None:
    started = start(api(requester), ticket.pk, TEXT).json()
    ttl = settings.RULEDESK_ATTACHMENT_UPLOAD_TTL_SECONDS

    with time_machine.travel(timezone.now() + timedelta(seconds=ttl + 5)):
        assert _put(started["upload"]["url"], TEXT).status_code == 403
    assert not (local_files / Attachment.objects.get(pk=started["id"]).key).exists()


def test_the_local_upload_enforces_the_signed_size_and_type(
    api: Any, requester: User, ticket: Ticket, local_files: Path
) -> None:
    started = start(api(requester), ticket.pk, TEXT).json()
    url = started["upload"]["url"]

    assert _put(url, TEXT + b"x").status_code == 400
    assert _put(url, TEXT, content_type="image/png").status_code == 400
    assert not [path for path in local_files.rglob("*") if path.is_file()]


def test_multipart_on_local_files(
    api: Any, requester: User, ticket: Ticket, local_files: Path, fake_ok: str
) -> None:
    answer = multipart(api(requester), ticket.pk, TEXT, "../../etc/passwd")

    assert answer.status_code == 201
    assert answer.json()["filename"] == "passwd"
    row = Attachment.objects.get(pk=answer.json()["id"])
    assert ".." not in row.key
    assert (local_files / row.key).read_bytes() == TEXT
