"""The worker's side: scanning, promotion out of quarantine, retries, purges and sweeps.

Fail closed: a file leaves `pending` only with a clean verdict (then it moves to `clean/`)
or an infected one (kept in quarantine, never served). Scanner failures count attempts
and are retried by the sweep with backoff; after the last one the row is parked as
`error` (still never served) for an admin to look at.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_q.tasks import async_task

from ruledesk.audit import services as audit
from ruledesk.notifications.models import Audience, Notification
from ruledesk.tenancy.models import Role, User
from workflows.attachments import scanner, storage
from workflows.attachments.models import Attachment, ScanStatus

logger = logging.getLogger(__name__)

NOT_SCANNED = "not scanned: RULEDESK_CLAMD is off"
PURGE_TASK = "workflows.attachments.tasks.purge_objects"
SCAN_TASK = "workflows.attachments.tasks.scan_attachment"
# Uploads that never completed are swept this long after their URL expired.
ORPHAN_GRACE = timedelta(hours=1)


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


def _system_audit(attachment: Attachment, action: str, **changes: Any) -> None:
    audit.record(
        actor=None,
        action=action,
        obj_type="attachment",
        obj_id=attachment.pk,
        changes={"ticket": attachment.ticket_id, "filename": attachment.filename, **changes},
        organization_id=attachment.organization_id,
    )


def scan(attachment_id: int) -> str:
    """Scan one verified upload; returns the new status (or why nothing happened)."""
    with transaction.atomic():
        attachment = (
            Attachment.objects.select_for_update(skip_locked=True)
            .filter(pk=attachment_id, uploaded_at__isnull=False, scan_status=ScanStatus.PENDING)
            .first()
        )
        if attachment is None:
            return "skipped"
        clamd = scanner.configured()
        attachment.scanned_at = timezone.now()
        if clamd is None:
            return _release(attachment, NOT_SCANNED)
        try:
            signature = clamd.scan(storage.chunks(attachment.key))
        except scanner.ScanError as exc:
            return _failed(attachment, str(exc))
        except Exception as exc:  # the storage failed us: the same retry path, logged
            logger.exception("attachment %s could not be read for scanning", attachment.pk)
            return _failed(attachment, f"storage: {exc.__class__.__name__}")
        if signature is None:
            return _release(attachment, "")
        return _infected(attachment, signature)


def _release(attachment: Attachment, note: str) -> str:
    clean_key = attachment.key.replace("quarantine/", "clean/", 1)
    storage.promote(attachment.key, clean_key, attachment.content_type)
    attachment.key = clean_key
    attachment.scan_status = ScanStatus.CLEAN
    attachment.scan_error = note
    attachment.save(update_fields=["key", "scan_status", "scan_error", "scanned_at"])
    _system_audit(attachment, "attachment.scanned", result="clean", note=note)
    return ScanStatus.CLEAN


def _failed(attachment: Attachment, reason: str) -> str:
    attachment.scan_attempts += 1
    attachment.scan_error = reason[:300]
    fields = ["scan_attempts", "scan_error", "scanned_at"]
    if attachment.scan_attempts >= settings.RULEDESK_ATTACHMENT_SCAN_ATTEMPTS:
        attachment.scan_status = ScanStatus.ERROR
        fields.append("scan_status")
        _system_audit(attachment, "attachment.scan_failed", error=attachment.scan_error)
    attachment.save(update_fields=fields)
    logger.warning("attachment %s scan failed: %s", attachment.pk, attachment.scan_error)
    return "retry" if attachment.scan_status == ScanStatus.PENDING else ScanStatus.ERROR


def _infected(attachment: Attachment, signature: str) -> str:
    attachment.scan_status = ScanStatus.INFECTED
    attachment.signature = signature[:200]
    attachment.save(update_fields=["scan_status", "signature", "scanned_at"])
    _system_audit(
        attachment,
        "attachment.infected",
        signature=attachment.signature,
        uploader=attachment.uploader_id,
    )
    _notify_admins(attachment)
    return ScanStatus.INFECTED


def _notify_admins(attachment: Attachment) -> None:
    admins = User.live.filter(
        organization_id=attachment.organization_id, role=Role.ADMIN, is_active=True
    )
    number = str(attachment.ticket.number)
    Notification.objects.bulk_create(
        [
            Notification(
                organization_id=attachment.organization_id,
                recipient=admin,
                event="attachment.infected",
                kind="attachment.infected",
                title=f"Infected attachment quarantined on ticket #{number}",
                body=f"{attachment.filename}: {attachment.signature}",
                ticket_id=attachment.ticket_id,
                ticket_number=number,
                audience=Audience.AGENT,
                dedup_key=f"attachment.infected:{attachment.pk}:{admin.pk}",
            )
            for admin in admins
        ],
        ignore_conflicts=True,
    )


def enqueue_purge(organization_id: int, items: list[tuple[int, str]]) -> None:
    async_task(PURGE_TASK, organization_id, items, task_name="purge-attachments")


def purge(organization_id: int, items: list[tuple[int, str]]) -> int:
    """Delete stored objects whose rows are gone (ticket, comment or attachment deleted)."""
    for attachment_id, key in items:
        storage.delete(key)
        audit.record(
            actor=None,
            action="attachment.purged",
            obj_type="attachment",
            obj_id=attachment_id,
            changes={"key": key},
            organization_id=organization_id,
        )
    return len(items)


def sweep(now: Any = None, limit: int = 500) -> dict[str, int]:
    """From database state: drop uploads that never completed, re-drive due scans."""
    now = now or timezone.now()
    orphans = list(
        Attachment.objects.filter(
            uploaded_at__isnull=True, upload_expires_at__lt=now - ORPHAN_GRACE
        ).order_by("pk")[:limit]
    )
    for orphan in orphans:
        with transaction.atomic():
            _system_audit(orphan, "attachment.expired")
            orphan.delete()  # post_delete queues the purge of whatever was uploaded
    due = 0
    pending = Attachment.objects.filter(
        uploaded_at__isnull=False, scan_status=ScanStatus.PENDING
    ).filter(Q(scanned_at__isnull=True) | Q(scan_attempts__gt=0))
    for row in pending.order_by("pk").only("pk", "scanned_at", "scan_attempts", "uploaded_at")[
        :limit
    ]:
        last = row.scanned_at or row.uploaded_at
        if last is not None and last + backoff(row.scan_attempts) <= now:
            async_task(SCAN_TASK, row.pk, task_name=f"scan-attachment-{row.pk}")
            due += 1
    return {"orphans": len(orphans), "rescans": due}
