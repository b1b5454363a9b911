"""E-mail delivery from the outbox: claim, send, retry, sweep, requeue.

Delivery semantics (`email_deliver`): a worker claims a due row with a
conditional UPDATE (`queued`/`failed` → `sending`, stamping `claimed_at`), which
commits before the SMTP conversation starts, then marks it `sent`. A worker
killed between the claim and the mark leaves a `sending` row whose outcome is
unknown: the SMTP server may or may not have accepted it. Such a row is never
resent automatically (at-most-once): after the lease
(`RULEDESK_EMAIL_SENDING_LEASE_SECONDS`) the sweep parks it as `dead` with
`last_error` "interrupted: ..." for an operator to check and requeue. The
Message-ID header is derived from the dedup key, so even a manual requeue is
recognisably the same message to mail clients. Everything else is retried:
transient failures go to `failed` with exponential backoff, permanent SMTP
rejections (5xx) and exhausted attempts (`RULEDESK_EMAIL_MAX_ATTEMPTS`) to `dead`.
"""

from __future__ import annotations

import hashlib
import logging
import smtplib
from datetime import datetime, timedelta
from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django_q.tasks import async_task

from ruledesk.notifications.models import (
    DIRECT_KINDS,
    Audience,
    Channel,
    EmailMessage,
    EmailStatus,
)
from ruledesk.notifications.services.common import DELIVER_TASK, QUEUED_GRACE, _is_system
from ruledesk.notifications.services.preferences import preference_enabled
from ruledesk.tenancy.models import Role

logger = logging.getLogger(__name__)


def _max_attempts() -> int:
    return int(getattr(settings, "RULEDESK_EMAIL_MAX_ATTEMPTS", 6))


def _lease() -> timedelta:
    return timedelta(seconds=int(getattr(settings, "RULEDESK_EMAIL_SENDING_LEASE_SECONDS", 600)))


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, … capped at one hour."""
    return timedelta(seconds=min(3600, 30 * 2 ** max(0, attempts - 1)))


def message_id_header(message: EmailMessage) -> str:
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "ruledesk.invalid"
    digest = hashlib.sha256(message.dedup_key.encode()).hexdigest()[:32]
    return f"<{digest}@{domain}>"


def _claim(message_id: int, now: datetime) -> bool:
    """queued/failed → sending if due; committed before any SMTP traffic (see the module doc)."""
    claimed = EmailMessage.objects.filter(
        pk=message_id,
        status__in=[EmailStatus.QUEUED, EmailStatus.FAILED],
        next_attempt_at__lte=now,
    ).update(status=EmailStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    return bool(claimed)


def _finish(message_id: int, status: str, error: str = "", **extra: Any) -> None:
    EmailMessage.objects.filter(pk=message_id, status=EmailStatus.SENDING).update(
        status=status, last_error=error[:2000], **extra
    )


def _undeliverable(message: EmailMessage) -> tuple[str, str] | None:
    """(status, reason) when the message must not be sent now, judged on fresh data."""
    user = message.recipient
    if (
        not user.is_active
        or user.deleted_at is not None
        or user.organization_id != message.organization_id
        or _is_system(user)
    ):
        return EmailStatus.CANCELLED, "recipient_inactive"
    if message.audience == Audience.AGENT and user.role == Role.REQUESTER:
        return EmailStatus.DEAD, "confidentiality"
    if message.kind not in DIRECT_KINDS and not preference_enabled(
        user, message.kind, Channel.EMAIL
    ):
        return EmailStatus.CANCELLED, "preference_disabled"
    return None


def _permanent(exc: Exception) -> bool:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _msg in exc.recipients.values()]
        return bool(codes) and all(500 <= code < 600 for code in codes)
    if isinstance(exc, smtplib.SMTPResponseException):
        return 500 <= exc.smtp_code < 600
    return False


def _email_for(message: EmailMessage) -> EmailMultiAlternatives:
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.recipient.email],
        headers={
            "Message-ID": message_id_header(message),
            "Auto-Submitted": "auto-generated",
            "Content-Language": message.locale,
        },
    )
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
    return email


def _send_failed(message_id: int, message: EmailMessage, exc: Exception) -> str:
    """Record a failed send: dead when permanent or out of attempts, else retried with backoff."""
    error = f"{type(exc).__name__}: {exc}"
    if _permanent(exc) or message.attempts >= _max_attempts():
        logger.error("e-mail %s dead after %s attempts: %s", message_id, message.attempts, error)
        _finish(message_id, EmailStatus.DEAD, error)
        return EmailStatus.DEAD
    logger.warning("e-mail %s failed (attempt %s): %s", message_id, message.attempts, error)
    _finish(
        message_id,
        EmailStatus.FAILED,
        error,
        next_attempt_at=timezone.now() + backoff(message.attempts),
    )
    return EmailStatus.FAILED


def email_deliver(*, message_id: int) -> str:
    """Send one outbox row if it is due; returns the status it ends in ("skipped" when not claimed)."""
    if not _claim(message_id, timezone.now()):
        return "skipped"
    message = EmailMessage.objects.select_related("recipient").get(pk=message_id)
    refusal = _undeliverable(message)
    if refusal is not None:
        status, reason = refusal
        if status == EmailStatus.DEAD:
            logger.error("e-mail %s refused at delivery: %s", message_id, reason)
        _finish(message_id, status, reason)
        return status
    email = _email_for(message)
    try:
        email.send(fail_silently=False)
    except Exception as exc:
        return _send_failed(message_id, message, exc)
    _finish(message_id, EmailStatus.SENT, sent_at=timezone.now(), to_email=message.recipient.email)
    return EmailStatus.SENT


def due_emails(now: Any = None) -> QuerySet[EmailMessage]:
    now = now or timezone.now()
    return EmailMessage.objects.filter(
        Q(status=EmailStatus.QUEUED, next_attempt_at__lte=now - QUEUED_GRACE)
        | Q(status=EmailStatus.FAILED, next_attempt_at__lte=now)
    )


def email_outbox_sweep(*, limit: int = 500) -> dict[str, int]:
    """Re-enqueue due queued/failed rows; park interrupted `sending` rows (at-most-once)."""
    now = timezone.now()
    interrupted = EmailMessage.objects.filter(
        status=EmailStatus.SENDING, claimed_at__lt=now - _lease()
    ).update(
        status=EmailStatus.DEAD,
        last_error="interrupted: the worker stopped during delivery; the outcome is unknown, "
        "so it is not resent automatically (at-most-once). Requeue it if it did not arrive.",
    )
    if interrupted:
        logger.error("%s e-mail(s) interrupted mid-delivery parked as dead", interrupted)
    due = list(
        due_emails(now).order_by("next_attempt_at", "id").values_list("pk", flat=True)[:limit]
    )
    for message_id in due:
        async_task(DELIVER_TASK, message_id, task_name=f"email-{message_id}-retry", save=False)
    return {"enqueued": len(due), "interrupted": interrupted}


def email_requeue(*, message_id: int) -> bool:
    """Operator action: put a dead (or cancelled) row back in the queue."""
    with transaction.atomic():
        updated = EmailMessage.objects.filter(
            pk=message_id, status__in=[EmailStatus.DEAD, EmailStatus.CANCELLED]
        ).update(
            status=EmailStatus.QUEUED, attempts=0, next_attempt_at=timezone.now(), last_error=""
        )
        if updated:
            async_task(
                DELIVER_TASK, message_id, task_name=f"email-{message_id}-requeue", save=False
            )
    return bool(updated)
