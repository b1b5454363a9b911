"""The in-app feed: a recipient marks their own notifications read."""

from __future__ import annotations

from django.utils import timezone

from ruledesk import errors
from ruledesk.notifications.models import Notification
from ruledesk.tenancy.models import User


def notification_mark_read(*, actor: User, notification_id: int) -> None:
    """Mark one of the actor's own notifications read (idempotent); NotFound otherwise."""
    mine = Notification.objects.filter(pk=notification_id, recipient=actor)
    if not mine.exists():
        raise errors.NotFound()
    mine.filter(read_at__isnull=True).update(read_at=timezone.now())


def notifications_mark_all_read(*, actor: User) -> int:
    return Notification.objects.filter(recipient=actor, read_at__isnull=True).update(
        read_at=timezone.now()
    )
