"""Where a notification leads: the ticket, in the area the reader works in."""

from __future__ import annotations

from django.urls import reverse

from portal import access
from ruledesk.notifications.models import Notification
from ruledesk.tenancy.models import User


def ticket_url(user: User, notification: Notification) -> str | None:
    if not notification.ticket_number:
        return None
    number = notification.ticket_number
    if access.can_enter(user, access.DESK):
        return reverse("portal:desk-ticket", args=[number])
    return reverse("portal:help-request", args=[number])
