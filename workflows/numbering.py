"""Per-organization ticket numbers, gap-free under concurrency.

The counter row is incremented with one UPDATE ... RETURNING inside the
creating transaction: concurrent creators queue on the row lock, and a
rolled-back creation rolls its number back too, so no number is skipped.
"""

from __future__ import annotations

from django.db import connection

from workflows.models import TicketCounter


def next_number(organization_id: int) -> int:
    TicketCounter.objects.get_or_create(organization_id=organization_id)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE workflows_ticketcounter SET last_number = last_number + 1 "
            "WHERE organization_id = %s RETURNING last_number",
            [organization_id],
        )
        row = cursor.fetchone()
    return int(row[0])


def display_number(organization_slug: str, number: int) -> str:
    return f"{organization_slug.upper()}-{number}"
