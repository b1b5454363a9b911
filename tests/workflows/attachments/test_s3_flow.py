"""End to end against moto's S3 over real HTTP and Debian's clamd: presign → PUT → complete
→ scan → signed download, both upload paths; and every refusal the finalize step owns
(moto enforces no signature, size or checksum, so our `complete` must)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
import requests
from botocore.exceptions import ClientError

from ruledesk.audit.models import AuditEvent
from ruledesk.notifications.models import Notification
from ruledesk.tenancy.models import Organization, User
from tests.workflows.attachments import servers
from tests.workflows.attachments.helpers import HTML, TEXT, multipart, png, run_queued, sha, start
from workflows import services
from workflows.attachments.models import Attachment
from workflows.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(requester: User) -> Ticket:
    return services.ticket_create(actor=requester, title="Printer on fire")


@pytest.fixture
def bucket(s3: str) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=s3,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def _keys(bucket: Any, prefix: str) -> list[str]:
    found = bucket.list_objects_v2(Bucket=servers.BUCKET, Prefix=prefix).get("Contents", [])
    return [item["Key"] for item in found]


def _exists(bucket: Any, key: str) -> bool:
    try:
        bucket.head_object(Bucket=servers.BUCKET, Key=key)
    except ClientError:
        return False
    return True


def _presigned_upload(api: Any, user: User, ticket: Ticket, data: bytes, **kw: Any) -> int:
    client = api(user)
    started = start(client, ticket.pk, data, **kw)
    assert started.status_code == 201, started.json()
    upload = started.json()["upload"]
    assert upload["method"] == "PUT"
    answer = requests.put(upload["url"], data=data, headers=upload["headers"], timeout=10)
    assert answer.status_code == 200, answer.text
    return int(started.json()["id"])


def test_presign_upload_complete_scan_download(
    api: Any, requester: User, agent: User, ticket: Ticket, bucket: Any, clamd: str
) -> None:
    image = png()
    attachment_id = _presigned_upload(
        api, requester, ticket, image, filename="screen shot ż.png", content_type="image/png"
    )
    row = Attachment.objects.get(pk=attachment_id)
    assert row.key.startswith(f"quarantine/{ticket.organization_id}/")
    assert "screen" not in row.key  # server-generated, never derived from the name

    done = api(requester).post(f"/api/v1/attachments/{attachment_id}/complete")
    assert done.status_code == 200, done.json()
    assert done.json()["scan_status"] == "pending"
    assert done.json()["content_type"] == "image/png"
    # Quarantined: no link yet, for anyone.
    early = api(agent).get(f"/api/v1/attachments/{attachment_id}/download")
    assert early.status_code == 409
    assert early.json()["code"] == "not_scanned"

    assert run_queued("scan_attachment") == ["clean"]
    row.refresh_from_db()
    assert row.key.startswith(f"clean/{ticket.organization_id}/")
    assert _keys(bucket, "quarantine/") == []

    link = api(agent).get(f"/api/v1/attachments/{attachment_id}/download")
    assert link.status_code == 200
    url = link.json()["url"]
    query = parse_qs(urlsplit(url).query)
    assert int(query["X-Amz-Expires"][0]) <= 300  # minutes, not hours
    got = requests.get(url, timeout=10)
    assert got.status_code == 200
    assert got.content == image
    assert got.headers["Content-Type"] == "image/png"
    assert got.headers["Content-Disposition"] == (
        "inline; filename=\"screen shot z.png\"; filename*=utf-8''screen%20shot%20%C5%BC.png"
    )
    actions = list(
        AuditEvent.objects.filter(object_type="attachment", object_id=str(attachment_id))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["attachment.uploaded", "attachment.scanned", "attachment.downloaded"]
    downloaded = AuditEvent.objects.get(action="attachment.downloaded")
    assert downloaded.actor_id == agent.pk
    assert "X-Amz-Signature" not in str(downloaded.changes)


def test_the_presigned_put_signs_type_length_and_checksum(
    api: Any, requester: User, ticket: Ticket, s3: str
) -> None:
    started = start(api(requester), ticket.pk, TEXT)

    upload = started.json()["upload"]
    signed = parse_qs(urlsplit(upload["url"]).query)["X-Amz-SignedHeaders"][0].split(";")
    assert {"content-length", "content-type", "host", "x-amz-checksum-sha256"} <= set(signed)
    assert upload["headers"]["Content-Type"] == "text/plain"
    assert upload["headers"]["x-amz-checksum-sha256"]


def test_multipart_upload_scan_download(
    api: Any, requester: User, agent: User, ticket: Ticket, bucket: Any, clamd: str
) -> None:
    answer = multipart(api(requester), ticket.pk, TEXT, "spooler.log")

    assert answer.status_code == 201, answer.json()
    assert answer.json()["scan_status"] == "pending"
    assert answer.json()["sha256"] == sha(TEXT)
    assert run_queued("scan_attachment") == ["clean"]
    link = api(agent).get(f"/api/v1/attachments/{answer.json()['id']}/download")
    got = requests.get(link.json()["url"], timeout=10)
    assert got.content == TEXT
    assert got.headers["Content-Disposition"].startswith("attachment;")


def test_a_file_matching_the_signature_is_kept_and_never_served(
    api: Any, requester: User, admin: User, agent: User, ticket: Ticket, bucket: Any, clamd: str
) -> None:
    infected = b"harmless looking text\n" + servers.MARKER + b"\n"
    attachment_id = _presigned_upload(api, requester, ticket, infected)
    api(requester).post(f"/api/v1/attachments/{attachment_id}/complete")

    assert run_queued("scan_attachment") == ["infected"]

    row = Attachment.objects.get(pk=attachment_id)
    assert row.signature == servers.SIGNATURE
    assert row.key.startswith("quarantine/")
    assert _exists(bucket, row.key)  # kept for review
    assert _keys(bucket, f"clean/{ticket.organization_id}/") == []
    for user in (requester, agent, admin):
        refused = api(user).get(f"/api/v1/attachments/{attachment_id}/download")
        assert refused.status_code == 409
    event = AuditEvent.objects.get(action="attachment.infected", object_id=str(attachment_id))
    assert event.changes["uploader"] == requester.pk
    assert list(
        Notification.objects.filter(event="attachment.infected").values_list(
            "recipient_id", flat=True
        )
    ) == [admin.pk]


def test_oversized_and_disallowed_uploads_are_refused_before_any_byte(
    api: Any, requester: User, ticket: Ticket, bucket: Any, settings: Any
) -> None:
    client = api(requester)
    too_big = start(client, ticket.pk, TEXT, size=50 * 1024 * 1024)
    html = start(client, ticket.pk, HTML, content_type="text/html", filename="x.html")
    svg = start(client, ticket.pk, TEXT, content_type="image/svg+xml", filename="x.svg")
    direct_html = multipart(client, ticket.pk, HTML, "page.txt")
    settings.RULEDESK_ATTACHMENT_MAX_BYTES = 100
    direct_big = multipart(client, ticket.pk, TEXT, "big.log")

    assert too_big.status_code == 413
    assert too_big.json()["code"] == "payload_too_large"
    assert html.status_code == 415
    assert svg.status_code == 415
    assert direct_html.status_code == 415  # sniffed from the bytes, not the name
    assert direct_big.status_code == 413
    assert html.headers["Content-Type"] == "application/problem+json"
    assert not Attachment.objects.exists()
    assert _keys(bucket, f"quarantine/{ticket.organization_id}/") == []


def test_per_organization_type_limits_apply(
    api: Any, requester: User, ticket: Ticket, acme: Organization, s3: str
) -> None:
    from workflows.attachments.models import AttachmentLimit

    AttachmentLimit.objects.create(organization=acme, content_type="text/plain", max_bytes=10)

    assert start(api(requester), ticket.pk, TEXT).status_code == 413
    assert start(api(requester), ticket.pk, b"tiny\n").status_code == 201


@pytest.mark.parametrize("tamper", ["other_bytes", "longer", "shorter"])
def test_a_wrong_size_or_checksum_at_finalize_is_400_and_the_object_is_gone(
    api: Any, requester: User, ticket: Ticket, bucket: Any, tamper: str
) -> None:
    client = api(requester)
    started = start(client, ticket.pk, TEXT).json()
    sent = {
        "other_bytes": TEXT.replace(b"ERROR", b"error"),
        "longer": TEXT + b"more",
        "shorter": TEXT[:-10],
    }[tamper]
    # moto accepts a body that breaks the signed length and checksum: finalize must not.
    requests.put(
        started["upload"]["url"], data=sent, headers=started["upload"]["headers"], timeout=10
    )
    key = Attachment.objects.get(pk=started["id"]).key
    assert _exists(bucket, key)

    answer = client.post(f"/api/v1/attachments/{started['id']}/complete")

    assert answer.status_code == 400
    assert answer.json()["code"] == "checksum_mismatch"
    assert not _exists(bucket, key)
    assert AuditEvent.objects.filter(action="attachment.rejected").count() == 1
    assert Attachment.objects.get(pk=started["id"]).uploaded_at is None


def test_bytes_of_a_disallowed_type_are_refused_at_finalize(
    api: Any, requester: User, ticket: Ticket, bucket: Any
) -> None:
    client = api(requester)
    # Declared as a PNG, but the bytes are HTML (digest and size honest).
    started = start(client, ticket.pk, HTML, content_type="image/png", filename="cat.png").json()
    requests.put(
        started["upload"]["url"], data=HTML, headers=started["upload"]["headers"], timeout=10
    )
    key = Attachment.objects.get(pk=started["id"]).key

    answer = client.post(f"/api/v1/attachments/{started['id']}/complete")

    assert answer.status_code == 415
    assert not _exists(bucket, key)


def test_complete_before_any_upload_is_400(
    api: Any, requester: User, ticket: Ticket, s3: str
) -> None:
    started = start(api(requester), ticket.pk, TEXT).json()

    answer = api(requester).post(f"/api/v1/attachments/{started['id']}/complete")

    assert answer.status_code == 400
    assert answer.json()["code"] == "validation_error"


def test_completing_twice_changes_nothing(
    api: Any, requester: User, ticket: Ticket, s3: str
) -> None:
    attachment_id = _presigned_upload(api, requester, ticket, TEXT)
    first = api(requester).post(f"/api/v1/attachments/{attachment_id}/complete")
    second = api(requester).post(f"/api/v1/attachments/{attachment_id}/complete")

    assert first.json() == second.json()
    assert AuditEvent.objects.filter(action="attachment.uploaded").count() == 1


def test_pages_may_put_to_the_s3_origin_and_nowhere_else(
    requester: User, ticket: Ticket, s3: str
) -> None:
    from django.test import Client

    client = Client()
    client.force_login(requester)
    csp = client.get(f"/help/requests/ACME-{ticket.number}")["Content-Security-Policy"]

    assert f"connect-src 'self' {s3};" in csp
