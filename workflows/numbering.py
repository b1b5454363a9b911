"""Per-organization ticket numbers, gap-free under concurrency.

The counter row is incremented (or created at 1) with one INSERT ... ON CONFLICT
DO UPDATE ... RETURNING inside the creating transaction: concurrent creators
queue on the row lock, and a rolled-back creation rolls its number back too, so
no number is skipped.
"""

from __future__ import annotations

from django.db import connection


def next_number(organization_id: int) -> int:
    """The next number, in one statement: increments the counter row, or creates it at 1.

    The row lock it takes is held until the caller's transaction ends, so callers take
    the number as late as they can (ticket_create: right before the INSERT).
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO workflows_ticketcounter AS c (organization_id, last_number) "
            "VALUES (%s, 1) ON CONFLICT (organization_id) "
            "DO UPDATE SET last_number = c.last_number + 1 RETURNING c.last_number",
            [organization_id],
        )
        row = cursor.fetchone()
    return int(row[0])


def display_number(organization_slug: str, number: int) -> str:
    return f"{organization_slug.upper()}-{number}"
