"""Full-text search vectors, maintained by one SQL statement per change (no per-row triggers).

`search_public` holds what a requester may find (title, description, public
comments); `search_all` adds internal comments for agents.
"""

from __future__ import annotations

from django.contrib.postgres.search import SearchQuery, SearchVectorField
from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from workflows.models import Ticket

_REFRESH = """
UPDATE workflows_ticket AS t SET
    search_public = setweight(to_tsvector('simple', t.title), 'A')
        || setweight(to_tsvector('simple', t.description), 'B')
        || setweight(to_tsvector('simple', coalesce(c.public_text, '')), 'C'),
    search_all = setweight(to_tsvector('simple', t.title), 'A')
        || setweight(to_tsvector('simple', t.description), 'B')
        || setweight(to_tsvector('simple', coalesce(c.all_text, '')), 'C')
FROM (
    SELECT
        string_agg(body, ' ') FILTER (WHERE visibility = 'public') AS public_text,
        string_agg(body, ' ') AS all_text
    FROM workflows_comment WHERE ticket_id = %s
) AS c
WHERE t.id = %s
"""


def initial_vector(title: str, description: str) -> RawSQL:
    """Both vectors of a new ticket (no comments yet), for its INSERT: what `refresh` would
    compute right after it, without writing the new row a second time."""
    return RawSQL(
        "setweight(to_tsvector('simple', %s), 'A') || setweight(to_tsvector('simple', %s), 'B')",
        (title, description),
        output_field=SearchVectorField(),
    )


def refresh(ticket_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(_REFRESH, [ticket_id, ticket_id])


def matching(tickets: QuerySet[Ticket], text: str, *, include_internal: bool) -> QuerySet[Ticket]:
    query = SearchQuery(text, config="simple", search_type="websearch")
    field = "search_all" if include_internal else "search_public"
    return tickets.filter(**{field: query})
