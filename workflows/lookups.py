"""Small reads for the desk's pickers and view counts: scoped, bounded, one query each."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import QuerySet

from ruledesk.access import policy
from ruledesk.tenancy.models import User
from workflows.models import Category, Tag, Ticket

PICKER_LIMIT = 10


def categories_matching(actor: User, text: str) -> QuerySet[Category]:
    """Live categories of the actor's organization whose name contains `text`, first 10."""
    found = policy.scope(Category.objects.filter(is_archived=False), actor)
    if text:
        found = found.filter(name__icontains=text[:100])
    return found.order_by("name", "id")[:PICKER_LIMIT]


def tags_matching(actor: User, text: str) -> QuerySet[Tag]:
    found = policy.scope(Tag.objects.filter(is_archived=False), actor)
    if text:
        found = found.filter(name__icontains=text[:50])
    return found.order_by("name", "id")[:PICKER_LIMIT]


def category_names(actor: User, ids: Sequence[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = policy.scope(Category.objects.filter(pk__in=ids), actor).values_list("id", "name")
    return dict(rows)


def capped_counts(lists: Sequence[QuerySet[Ticket]], cap: int) -> list[int]:
    """How many rows each ticket list has, up to `cap + 1` (show "cap+"): one query for all.

    Each count reads at most `cap + 1` ids (a LIMIT subquery), so a view of a million
    tickets costs what a view of a hundred does; never COUNT(*) over the whole list.
    """
    if not lists:
        return []
    parts: list[str] = []
    params: list[Any] = []
    for tickets in lists:
        try:
            sql, list_params = tickets.order_by().values("id")[: cap + 1].query.sql_with_params()
        except EmptyResultSet:  # a list that cannot match (e.g. `none()`)
            parts.append("0")
            continue
        # `sql` is Django's compiled query, its values kept apart in `list_params`.
        parts.append(f"(SELECT count(*) FROM ({sql}) AS capped)")  # noqa: S608
        params.extend(list_params)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        row = cursor.fetchone()
    return [int(value) for value in row]
