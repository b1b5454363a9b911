"""Presence: a heartbeat row per viewer and ticket; rows older than EXPIRY are gone."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from ruledesk.tenancy.models import User
from workflows.collab.models import PresenceMode, TicketPresence
from workflows.models import Ticket

EXPIRY = timedelta(seconds=10)


def presence_beat(*, actor: User, ticket: Ticket, mode: str) -> None:
    """Record that `actor` views (or replies to) `ticket` now; the caller checked access."""
    if mode not in PresenceMode.values:
        mode = PresenceMode.VIEW
    TicketPresence.objects.update_or_create(
        ticket=ticket,
        viewer=actor,
        defaults={
            "organization_id": ticket.organization_id,
            "mode": mode,
            "last_seen": timezone.now(),
        },
    )


def presence_leave(*, actor: User, ticket: Ticket) -> None:
    TicketPresence.objects.filter(ticket=ticket, viewer=actor).delete()


def others_present(actor: User, ticket: Ticket) -> list[TicketPresence]:
    """Who else is on the ticket now, replying first, then by name."""
    since = timezone.now() - EXPIRY
    rows = (
        TicketPresence.objects.filter(
            organization_id=ticket.organization_id, ticket=ticket, last_seen__gte=since
        )
        .exclude(viewer=actor)
        .select_related("viewer")
    )
    return sorted(rows, key=lambda r: (r.mode != PresenceMode.REPLY, r.viewer.display_name))
