"""E-mails to one person that are not ticket notifications: account e-mails (password
reset) and satisfaction survey links; through the same outbox.

They are not ticket notifications: no preference turns them off and no
organization template overrides them. Written in the caller's transaction with
their delivery task, so the worker sends them with retries and dead letters
like every other e-mail.
"""

from __future__ import annotations

import uuid

from django.db import transaction
from django_q.tasks import async_task

from ruledesk.notifications.models import ACCOUNT_KINDS, DIRECT_KINDS, Audience, EmailMessage
from ruledesk.notifications.services.common import DELIVER_TASK, SUBJECT_MAX
from ruledesk.tenancy.models import User


def account_email_send(
    *, user: User, kind: str, subject: str, text: str, html: str
) -> EmailMessage:
    """Queue one account e-mail to `user` (a new row each call: every reset link is its own)."""
    if kind not in ACCOUNT_KINDS:
        raise ValueError(f"{kind!r} is not an account e-mail kind")
    return direct_email_send(
        user=user,
        kind=kind,
        subject=subject,
        text=text,
        html=html,
        dedup_key=f"{kind}:{user.pk}:{uuid.uuid4().hex}",
    )


def direct_email_send(
    *, user: User, kind: str, subject: str, text: str, html: str, dedup_key: str
) -> EmailMessage:
    """Queue one e-mail of a DIRECT_KINDS kind to `user`, with its delivery task.

    `dedup_key` is unique per message (the outbox's unique key): a redelivered event that
    sends the same message again fails its transaction instead of mailing twice.
    """
    if kind not in DIRECT_KINDS:
        raise ValueError(f"{kind!r} is not a direct e-mail kind")
    assert user.organization_id is not None  # noqa: S101 - callers pass members only
    with transaction.atomic():
        message = EmailMessage.objects.create(
            organization_id=user.organization_id,
            recipient=user,
            to_email=user.email,
            subject=subject[:SUBJECT_MAX],
            body_text=text,
            body_html=html,
            audience=Audience.REQUESTER if user.role == "requester" else Audience.AGENT,
            event=kind,
            kind=kind,
            locale=user.locale,
            dedup_key=dedup_key[:255],
        )
        async_task(DELIVER_TASK, message.pk, task_name=f"email-{message.pk}", save=False)
    return message
