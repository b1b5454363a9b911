"""Reading a person's own feed: newest first, keyset pages, filters by state and kind."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import DateTimeField, F, Q, QuerySet, Value

from ruledesk.api.pagination import RowComparison, decode_token, encode_token, invalid_cursor
from ruledesk.notifications.models import Kind, Notification
from ruledesk.tenancy.models import User


@dataclass(frozen=True)
class FeedPage:
    rows: list[Notification]
    next_cursor: str | None


def feed_visible_to(
    user: User, *, unread: bool | None = None, kind: str = ""
) -> QuerySet[Notification]:
    """The user's own notifications (never anyone else's), optionally only unread or one kind."""
    feed = Notification.objects.filter(recipient=user)
    if unread is True:
        feed = feed.filter(read_at__isnull=True)
    elif unread is False:
        feed = feed.filter(read_at__isnull=False)
    if kind in Kind.values:
        feed = feed.filter(kind=kind)
    return feed


def _after(cursor: str) -> Q:
    payload = decode_token(cursor)
    try:
        created_at = datetime.fromisoformat(payload["t"])
        pk = int(payload["i"])
    except (KeyError, TypeError, ValueError):
        raise invalid_cursor() from None
    return Q(
        RowComparison(
            [F("created_at"), F("id")],
            "<",
            [Value(created_at, output_field=DateTimeField()), Value(pk)],
        )
    )


def feed_page(feed: QuerySet[Notification], *, cursor: str = "", size: int = 25) -> FeedPage:
    """One page of `feed` newest first, read by the (recipient, created_at, id) index."""
    if cursor:
        feed = feed.filter(_after(cursor))
    rows: list[Any] = list(feed.order_by("-created_at", "-id")[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    last = rows[-1] if rows else None
    next_cursor = (
        encode_token({"t": last.created_at.isoformat(), "i": last.pk}) if more and last else None
    )
    return FeedPage(rows=rows, next_cursor=next_cursor)
