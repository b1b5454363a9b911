"""Uploading, verifying, downloading and deleting attachments. Scanning is in `scanning`."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_q.tasks import async_task

from ruledesk import errors
from ruledesk.access import policy
from ruledesk.audit import services as audit
from ruledesk.tenancy.models import User
from workflows.attachments import storage, types
from workflows.attachments.models import Attachment, ScanStatus
from workflows.attachments.names import normalize_filename
from workflows.attachments.scanning import SCAN_TASK
from workflows.models import Comment, Ticket


@dataclass(frozen=True)
class Started:
    attachment: Attachment
    upload: storage.UploadTarget
    expires_at: datetime


def _require_upload(actor: User, ticket: Ticket, visibility: str) -> None:
    policy.require(actor, "attachment.upload", ticket)
    if visibility == "internal":
        policy.require(actor, "attachment.view_internal", ticket)


def _check_type_and_size(organization_id: int, content_type: str, size: int) -> None:
    """415 for a type outside the allow-list, 413 over the type's limit: before any byte."""
    limit = types.limit_for(organization_id, content_type)
    if limit is None:
        raise errors.UnsupportedMediaType(
            _("Files of type %(type)s cannot be attached.") % {"type": content_type[:100]}
        )
    if size > limit:
        raise errors.PayloadTooLarge(
            _("Files of type %(type)s are limited to %(limit)s bytes.")
            % {"type": content_type, "limit": limit}
        )


def _comment_on(ticket: Ticket, comment: Comment | None) -> Comment | None:
    if comment is not None and comment.ticket_id != ticket.pk:
        raise errors.ValidationFailed.on("comment", _("The comment is not on this ticket."))
    return comment


def _new_row(
    *,
    actor: User,
    ticket: Ticket,
    filename: str,
    content_type: str,
    size: int,
    sha256: str,
    visibility: str,
    comment: Comment | None,
) -> Attachment:
    now = timezone.now()
    return Attachment.objects.create(
        organization_id=ticket.organization_id,
        ticket=ticket,
        comment=_comment_on(ticket, comment),
        uploader=actor,
        filename=normalize_filename(filename),
        key=f"quarantine/{ticket.organization_id}/{uuid.uuid4().hex}",
        declared_type=content_type,
        size=size,
        sha256=sha256.lower(),
        visibility=visibility,
        created_at=now,
        upload_expires_at=now + timedelta(seconds=storage.upload_ttl()),
    )


def attachment_begin(
    *,
    actor: User,
    ticket: Ticket,
    filename: str,
    content_type: str,
    size: int,
    sha256: str,
    visibility: str = "public",
    comment: Comment | None = None,
) -> Started:
    """Record the declared file and hand out a presigned upload bound to size, type, digest."""
    _require_upload(actor, ticket, visibility)
    _check_type_and_size(ticket.organization_id, content_type, size)
    attachment = _new_row(
        actor=actor,
        ticket=ticket,
        filename=filename,
        content_type=content_type,
        size=size,
        sha256=sha256,
        visibility=visibility,
        comment=comment,
    )
    target = storage.upload_target(
        attachment_id=attachment.pk,
        key=attachment.key,
        content_type=content_type,
        size=size,
        sha256=attachment.sha256,
    )
    return Started(attachment=attachment, upload=target, expires_at=attachment.upload_expires_at)


def attachment_upload(
    *,
    actor: User,
    ticket: Ticket,
    upload: UploadedFile[bytes],
    visibility: str = "public",
    comment: Comment | None = None,
) -> Attachment:
    """The multipart path (small files): checked, stored, then verified like `complete`."""
    _require_upload(actor, ticket, visibility)
    size = int(upload.size or 0)
    if size > types.hard_limit():
        raise errors.PayloadTooLarge(_("The file is too large."))
    upload.seek(0)
    head = upload.read(types.SNIFF_BYTES)
    detected = types.detect(head)
    _check_type_and_size(ticket.organization_id, detected, size)
    digest = hashlib.sha256()
    upload.seek(0)
    for part in upload.chunks():
        digest.update(part)
    attachment = _new_row(
        actor=actor,
        ticket=ticket,
        filename=upload.name or "",
        content_type=detected,
        size=size,
        sha256=digest.hexdigest(),
        visibility=visibility,
        comment=comment,
    )
    upload.seek(0)
    storage.save(attachment.key, b"".join(upload.chunks()))
    return attachment_complete(actor=actor, attachment=attachment)


def _measure(key: str) -> tuple[int, str, bytes]:
    """Size, SHA-256 and head of the stored object, read once from the storage itself."""
    digest = hashlib.sha256()
    total = 0
    head = b""
    limit = types.hard_limit()
    for part in storage.chunks(key):
        if len(head) < types.SNIFF_BYTES:
            head += part[: types.SNIFF_BYTES - len(head)]
        digest.update(part)
        total += len(part)
        if total > limit:
            break
    return total, digest.hexdigest(), head


def _reject(attachment: Attachment, actor: User, reason: str, **details: Any) -> None:
    storage.delete(attachment.key)
    audit.record(
        actor=actor,
        action="attachment.rejected",
        obj_type="attachment",
        obj_id=attachment.pk,
        changes={"reason": reason, **details},
        organization_id=attachment.organization_id,
    )


def attachment_complete(*, actor: User, attachment: Attachment) -> Attachment:
    """Verify the stored object against the declared size and SHA-256, check its real type,
    then queue the scan. A refusal deletes the object (the upload may be retried)."""
    if attachment.uploader_id != actor.pk:
        raise errors.NotFound()
    with transaction.atomic():
        attachment = Attachment.objects.select_for_update().get(pk=attachment.pk)
        if attachment.uploaded_at is not None:
            return attachment  # completing twice changes nothing
        if not storage.exists(attachment.key):
            raise errors.ValidationFailed(_("Nothing was uploaded for this attachment yet."))
        size, sha256, head = _measure(attachment.key)
        detected = types.detect(head)
        limit = types.limit_for(attachment.organization_id, detected)
        if size != attachment.size or sha256 != attachment.sha256:
            refusal: errors.ApplicationError = errors.ChecksumMismatch(
                _("The stored file does not match the declared size and SHA-256; it was deleted.")
            )
        elif limit is None:
            refusal = errors.UnsupportedMediaType(
                _("Files of type %(type)s cannot be attached.") % {"type": detected}
            )
        elif size > limit:
            refusal = errors.PayloadTooLarge(_("The file is too large for its type."))
        else:
            return _accept(attachment, actor, detected)
        _reject(attachment, actor, refusal.code, size=size, type=detected)
    raise refusal  # after the commit: the audit row and the deletion stand


def _accept(attachment: Attachment, actor: User, detected: str) -> Attachment:
    attachment.content_type = detected
    attachment.uploaded_at = timezone.now()
    attachment.scan_status = ScanStatus.PENDING
    attachment.save(update_fields=["content_type", "uploaded_at", "scan_status"])
    audit.record(
        actor=actor,
        action="attachment.uploaded",
        obj_type="attachment",
        obj_id=attachment.pk,
        changes={
            "ticket": attachment.ticket_id,
            "filename": attachment.filename,
            "size": attachment.size,
            "sha256": attachment.sha256,
            "content_type": detected,
            "visibility": attachment.visibility,
        },
        organization_id=attachment.organization_id,
    )
    # The ORM broker is this database: the task commits (or not) with the row.
    async_task(SCAN_TASK, attachment.pk, task_name=f"scan-attachment-{attachment.pk}")
    return attachment


@dataclass(frozen=True)
class Link:
    url: str
    expires_at: datetime
    inline: bool


def attachment_download(*, actor: User, attachment: Attachment) -> Link:
    """A signed, short-lived URL, only for a clean file the actor may see (checked by the
    caller through `selectors.access_attachment`). Audited; the URL itself never is."""
    if not attachment.downloadable:
        raise errors.NotScanned(
            _("This file is not available: it is being scanned or was refused.")
        )
    inline = attachment.content_type in types.INLINE_SAFE
    url, expires_at = storage.download_url(
        attachment_id=attachment.pk,
        key=attachment.key,
        filename=attachment.filename,
        content_type=attachment.content_type,
        inline=inline,
    )
    with transaction.atomic():
        audit.record(
            actor=actor,
            action="attachment.downloaded",
            obj_type="attachment",
            obj_id=attachment.pk,
            changes={"ticket": attachment.ticket_id, "filename": attachment.filename},
            organization_id=attachment.organization_id,
        )
    return Link(url=url, expires_at=expires_at, inline=inline)


def attachment_delete(*, actor: User, attachment: Attachment) -> None:
    """The uploader or whoever may update the ticket; the object goes in the worker."""
    if attachment.uploader_id != actor.pk:
        policy.require(actor, "ticket.update", attachment.ticket)
    with transaction.atomic():
        audit.record(
            actor=actor,
            action="attachment.deleted",
            obj_type="attachment",
            obj_id=attachment.pk,
            changes={"ticket": attachment.ticket_id, "filename": attachment.filename},
            organization_id=attachment.organization_id,
        )
        attachment.delete()  # the post_delete hook queues the object's purge
