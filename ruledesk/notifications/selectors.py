"""Reading a person's own feed: newest first, keyset pages, filters by state and kind."""

from __future__ import annotations

from django.db.models import QuerySet

from ruledesk import keyset
from ruledesk.notifications.models import Kind, Notification
from ruledesk.tenancy.models import User

# Served by the (recipient, -created_at, -id) indexes, the unread one partial.
FEED_ORDER = ("-created_at", "-id")


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


def feed_page(
    feed: QuerySet[Notification], *, cursor: str = "", size: int = keyset.DEFAULT_PAGE_SIZE
) -> keyset.Page:
    """One keyset page of `feed`, newest first (the API's pagination core)."""
    return keyset.page(feed, FEED_ORDER, cursor=cursor or None, size=size)
