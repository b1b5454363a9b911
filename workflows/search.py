"""Full-text search vectors, maintained by one SQL statement per change (no per-row triggers).

`search_public` holds what a requester may find (title, description, public
comments); `search_all` adds internal comments for agents.
"""

from __future__ import annotations

import re

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


# Highlight marks: control characters stripped from the text first, so only PostgreSQL's
# marks remain and the interface can escape every other character.
_START, _STOP = "\x02", "\x03"
_HEADLINE = (
    "ts_headline('simple', translate(workflows_ticket.description, %s, ''), "
    "websearch_to_tsquery('simple', %s), %s)"
)
_OPTIONS = (
    f'StartSel="{_START}", StopSel="{_STOP}", MaxWords=30, MinWords=12, '
    'MaxFragments=2, FragmentDelimiter=" … "'
)

Segments = list[tuple[str, bool]]


def _segments(marked: str) -> Segments:
    """`a \x02b\x03 c` as [("a ", False), ("b", True), (" c", False)]."""
    found: Segments = []
    for index, part in enumerate(marked.split(_START)):
        if index == 0:
            if part:
                found.append((part.replace(_STOP, ""), False))
            continue
        hit, _, rest = part.partition(_STOP)
        if hit:
            found.append((hit, True))
        if rest:
            found.append((rest, False))
    return found


_WORD = re.compile(r"\w+", re.UNICODE)


def mark_terms(text: str, query: str) -> Segments:
    """`text` split where the words of `query` occur (whole words, any case), as segments.

    For titles, whose every character must show as typed: PostgreSQL's ts_headline drops
    what looks like markup. Operators of websearch syntax (or, a leading -) are not terms.
    """
    terms = {
        w.lower() for w in _WORD.findall(re.sub(r"(^|\s)-\S+", " ", query)) if w.lower() != "or"
    }
    if not terms:
        return [(text, False)] if text else []
    found: Segments = []
    position = 0
    for match in _WORD.finditer(text):
        if match.group().lower() in terms:
            if match.start() > position:
                found.append((text[position : match.start()], False))
            found.append((match.group(), True))
            position = match.end()
    if position < len(text):
        found.append((text[position:], False))
    return found


def headlines(ticket_ids: list[int], text: str) -> dict[int, tuple[Segments, Segments]]:
    """ticket id -> (title, description excerpt) with the matches of `text` marked: one query.

    The excerpt is taken from the description only, which every viewer of the ticket may
    read, so no internal comment leaks into a result; the title is marked in Python.
    """
    if not ticket_ids or not text.strip():
        return {}
    params = (_START + _STOP, text[:200], _OPTIONS)
    rows = (
        Ticket.objects.filter(pk__in=ticket_ids)
        .annotate(
            # A constant expression; the query text and options travel as parameters.
            excerpt_marked=RawSQL(_HEADLINE, params),  # noqa: S611
        )
        .values_list("id", "title", "excerpt_marked")
    )
    return {pk: (mark_terms(title, text), _segments(excerpt)) for pk, title, excerpt in rows}
