"""Persona-table rows for attachments: the API routes and the local backend's signed
file URLs (whose only authority is the token, as with S3's presigned URLs)."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from workflows import services
from workflows.attachments import scanning, storage
from workflows.attachments import services as attachments
from workflows.attachments.models import Attachment, ScanStatus
from workflows.models import Ticket

if TYPE_CHECKING:
    from tests.security.test_url_personas import Request, Row, World

DATA = b"persona table attachment\n"


def _ticket(world: World) -> Ticket:
    requester = world.personas["requester"]
    assert requester is not None
    return services.ticket_create(actor=requester, title="Attach here")


def _started(world: World, persona: str) -> Attachment:
    """A presigned upload whose bytes arrived: by the persona itself when it is acme's,
    else by acme's requester (so the outsider meets another organization's id)."""
    uploader = world.personas[persona]
    if uploader is None or uploader.organization_id != world.acme.pk:
        uploader = world.personas["requester"]
    assert uploader is not None
    started = attachments.attachment_begin(
        actor=uploader,
        ticket=_ticket(world),
        filename="log.txt",
        content_type="text/plain",
        size=len(DATA),
        sha256=hashlib.sha256(DATA).hexdigest(),
    )
    storage.save(started.attachment.key, DATA)
    return started.attachment


def _clean(world: World) -> Attachment:
    """A public, scanned attachment uploaded by acme's agent on the requester's ticket."""
    agent = world.personas["agent"]
    assert agent is not None
    attachment = _started(world, "agent")
    attachment = attachments.attachment_complete(actor=agent, attachment=attachment)
    attachment.scanned_at = attachment.uploaded_at
    scanning._release(attachment, "persona table")  # noqa: SLF001 - as a clean verdict does
    assert attachment.scan_status == ScanStatus.CLEAN
    return attachment


def ticket_attachments(body: Any = None) -> Request:
    return lambda world, persona: (f"/api/v1/tickets/{_ticket(world).pk}/attachments", body)


def attachment_path(suffix: str = "") -> Request:
    return lambda world, persona: (f"/api/v1/attachments/{_clean(world).pk}{suffix}", None)


def complete(world: World, persona: str) -> tuple[str, Any]:
    return f"/api/v1/attachments/{_started(world, persona).pk}/complete", None


def upload_url(world: World, persona: str) -> tuple[str, Any]:
    attachment = _started(world, "requester")
    storage.delete(attachment.key)
    target = storage.upload_target(
        attachment_id=attachment.pk,
        key=attachment.key,
        content_type="text/plain",
        size=attachment.size,
        sha256=attachment.sha256,
    )
    return target.url, None


def download_url(world: World, persona: str) -> tuple[str, Any]:
    attachment = _clean(world)
    url, _ = storage.download_url(
        attachment_id=attachment.pk,
        key=attachment.key,
        filename=attachment.filename,
        content_type=attachment.content_type,
        inline=False,
    )
    return url, None


def rows(row: type[Row], expect: Any, at: Any) -> tuple[Row, ...]:
    acme_read = expect(admin=200, agent=200, requester=200, outsider=404, anonymous=401)
    acme_create = expect(admin=201, agent=201, requester=201, outsider=404, anonymous=401)
    start = {
        "filename": "log.txt",
        "content_type": "text/plain",
        "size": len(DATA),
        "sha256": hashlib.sha256(DATA).hexdigest(),
    }
    return (
        row("api/v1/tickets/<int:pk>/attachments", "GET", ticket_attachments(), acme_read),
        row("api/v1/tickets/<int:pk>/attachments", "POST", ticket_attachments(start), acme_create),
        row("api/v1/attachments/<int:pk>", "GET", attachment_path(), acme_read),
        row(
            "api/v1/attachments/<int:pk>",
            "DELETE",
            attachment_path(),
            # The agent uploaded it; admins may update the ticket; the requester may neither.
            expect(admin=204, agent=204, requester=403, outsider=404, anonymous=401),
        ),
        row("api/v1/attachments/<int:pk>/complete", "POST", complete, acme_read),
        row("api/v1/attachments/<int:pk>/download", "GET", attachment_path("/download"), acme_read),
        # The signed URLs: the token is the authority (no session needed), as on S3. A PUT
        # without the signed size is refused for everyone.
        row("files/upload", "PUT", upload_url, dict.fromkeys(_personas(), 400)),
        row("files/download", "GET", download_url, dict.fromkeys(_personas(), 200)),
        # The web UI's panel: sessions; anonymous visitors go to /login.
        row(
            "tickets/<int:ticket_id>/attachments",
            "GET",
            lambda world, persona: (f"/tickets/{_ticket(world).pk}/attachments", None),
            expect(admin=200, agent=200, requester=200, outsider=404, anonymous=302),
        ),
        row(
            "tickets/<int:ticket_id>/attachments/upload",
            "POST",
            lambda world, persona: (f"/tickets/{_ticket(world).pk}/attachments/upload", {}),
            expect(admin=302, agent=302, requester=302, outsider=404, anonymous=302),
        ),
        row(
            "attachments/<int:attachment_id>/download",
            "GET",
            lambda world, persona: (f"/attachments/{_clean(world).pk}/download", None),
            expect(admin=302, agent=302, requester=302, outsider=404, anonymous=302),
        ),
    )


def _personas() -> tuple[str, ...]:
    return ("admin", "agent", "requester", "outsider", "anonymous")
