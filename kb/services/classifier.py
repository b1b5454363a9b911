"""Learning the category model: a multinomial naive Bayes kept as counts in PostgreSQL.

Each resolved ticket is one example: its title's tokens under the category it had when
resolved (after agents corrected it). `ticket_learn` replaces what the ticket taught
before, so a ticket resolved twice counts once, with its latest category; it runs from
the `ticket.status_changed` event (at least once, hence idempotent by construction).
"""

from __future__ import annotations

from collections import Counter

from django.db import connection, transaction

from kb import tokens as tk
from kb.models import NbExample
from ruledesk.events.models import DomainEvent
from workflows.models import Status, Ticket

_ADD_TOKENS = """
INSERT INTO kb_nbtoken (organization_id, category_id, token, count)
SELECT %s, %s, t, n FROM unnest(%s::text[], %s::int[]) AS u(t, n)
ON CONFLICT (organization_id, token, category_id)
DO UPDATE SET count = kb_nbtoken.count + EXCLUDED.count
"""
_ADD_CATEGORY = """
INSERT INTO kb_nbcategory (organization_id, category_id, docs, tokens) VALUES (%s, %s, %s, %s)
ON CONFLICT (organization_id, category_id)
DO UPDATE SET docs = kb_nbcategory.docs + EXCLUDED.docs,
              tokens = kb_nbcategory.tokens + EXCLUDED.tokens
"""


def _apply(organization_id: int, category_id: int, found: list[str], sign: int) -> None:
    counted = Counter(found)
    names = sorted(counted)
    with connection.cursor() as cursor:
        if names:
            cursor.execute(
                _ADD_TOKENS,
                [organization_id, category_id, names, [sign * counted[n] for n in names]],
            )
        cursor.execute(_ADD_CATEGORY, [organization_id, category_id, sign, sign * len(found)])
        if sign < 0:
            cursor.execute(
                "DELETE FROM kb_nbtoken WHERE organization_id = %s AND category_id = %s"
                " AND token = ANY(%s::text[]) AND count <= 0",
                [organization_id, category_id, names],
            )


def ticket_learn(ticket: Ticket) -> bool:
    """Count `ticket` (resolved, with a category) in its organization's model; True if changed."""
    if ticket.category_id is None:
        return False
    found = tk.tokens(ticket.title)
    with transaction.atomic():
        before = NbExample.objects.select_for_update().filter(ticket_id=ticket.pk).first()
        if before is not None:
            if before.category_id == ticket.category_id and before.tokens == found:
                return False
            _apply(before.organization_id, before.category_id, list(before.tokens), -1)
        _apply(ticket.organization_id, ticket.category_id, found, +1)
        NbExample.objects.update_or_create(
            ticket_id=ticket.pk,
            defaults={
                "organization_id": ticket.organization_id,
                "category_id": ticket.category_id,
                "tokens": found,
            },
        )
    return True


def event_learn(event: DomainEvent) -> None:
    """Events consumer: learn from a ticket as it becomes resolved."""
    if event.type != "ticket.status_changed" or event.ticket_id is None:
        return
    status = (event.changes or {}).get("status")
    if not status or status[-1] != Status.RESOLVED:
        return
    ticket = (
        Ticket.objects.filter(pk=event.ticket_id, organization_id=event.organization_id)
        .only("pk", "organization_id", "category_id", "title")
        .first()
    )
    if ticket is not None:
        ticket_learn(ticket)


def organization_relearn(organization_id: int) -> int:
    """Rebuild from every resolved or closed ticket of the organization (seed data, repair)."""
    learned = 0
    resolved = Ticket.objects.filter(
        organization_id=organization_id,
        status__in=[Status.RESOLVED, Status.CLOSED],
        category__isnull=False,
    ).only("pk", "organization_id", "category_id", "title")
    for ticket in resolved.iterator(chunk_size=500):
        learned += ticket_learn(ticket)
    return learned
