"""Rows of the notification center, built once in Python.

A page of 25 items rendered with `{% url %}`, `get_kind_display` and a
`{% translate %}` per item spent most of its time in reverse() and gettext
(bench/portal.py); the row carries its URLs and labels ready to print.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.urls import reverse

from portal import access
from ruledesk.notifications.models import Kind, Notification
from ruledesk.tenancy.models import User


@dataclass(frozen=True)
class FeedRow:
    pk: int
    title: str
    body: str
    kind_label: str
    ticket_number: str
    created_at: datetime
    is_unread: bool
    open_url: str | None
    read_url: str


class _Urls:
    """reverse() once per page; per row only the id changes."""

    def __init__(self) -> None:
        self.open = reverse("portal:notification-open", args=[0]).replace("/0/", "/{}/")
        self.read = reverse("portal:notification-read", args=[0]).replace("/0/", "/{}/")


def ticket_url(user: User, notification: Notification) -> str | None:
    if not notification.ticket_number:
        return None
    number = notification.ticket_number
    if access.can_enter(user, access.DESK):
        return reverse("portal:desk-ticket", args=[number])
    return reverse("portal:help-request", args=[number])


def feed_rows(rows: list[Notification]) -> list[FeedRow]:
    urls = _Urls()
    labels = {value: str(label) for value, label in Kind.choices}
    return [
        FeedRow(
            pk=row.pk,
            title=row.title,
            body=row.body,
            kind_label=labels.get(row.kind, row.kind),
            ticket_number=row.ticket_number,
            created_at=row.created_at,
            is_unread=row.read_at is None,
            open_url=urls.open.format(row.pk) if row.ticket_number else None,
            read_url=urls.read.format(row.pk),
        )
        for row in rows
    ]
