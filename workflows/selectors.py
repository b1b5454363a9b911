"""Reads of tickets and comments that need care: tenant and requester scoping, prefetching."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from ruledesk import errors
from ruledesk.access import policy
from ruledesk.keyset import SortKey
from ruledesk.tenancy.models import TeamMembership, User
from workflows.models import Comment, SavedView, Tag, Ticket, TicketTag, Visibility


def tickets_visible_to(actor: User) -> QuerySet[Ticket]:
    """Every ticket the actor may see: the organization's for agents, their own for requesters."""
    tickets = policy.scope(Ticket.objects.all(), actor)
    if not policy.can(actor, "ticket.view_all"):
        tickets = tickets.filter(requester=actor)
    return tickets


def with_related(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """What a ticket representation needs, in a fixed number of queries whatever the page size."""
    return tickets.select_related(
        "requester", "assignee", "team", "category", "sla_policy"
    ).prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("name")))


def page_keys(tickets: QuerySet[Ticket], ordering: tuple[str | SortKey, ...]) -> QuerySet[Ticket]:
    """The list's page query: the ticket table alone, only the id and the sort keys.

    The page is read in two steps, `page_keys` (keyset, paginated) then `page_rows` (the page's
    rows with their relations by id), instead of one keyset query with the five joins of
    `with_related`. Measured at 1M tickets (docs/performance.md): PostgreSQL spent 8-10 ms
    *planning* the joined page query (it costs a Memoize path for every join against each of
    the ticket table's indexes) to run it in 0.3 ms; the single-table keyset query plans in
    0.1 ms and the join by primary keys in about 1.5 ms. One more query, still the same number
    for every page size. Cheaper than `enable_memoize = off` for every connection (2-3 ms left
    to plan the joined query, and a planner change for every other query of the app).
    """
    fields = {SortKey.parse(spec).field for spec in ordering}
    return tickets.only("id", *sorted(fields - {"id"}))


_USER = ("id", "name", "email", "role")
# What the list shows of a ticket (presenters.ticket_rows_out), as one row per ticket.
_ROW_FIELDS = (
    "id",
    "number",
    "title",
    "description",
    "description_html",
    "status",
    "priority",
    "organization_id",
    "created_at",
    "updated_at",
    "first_responded_at",
    "resolved_at",
    "closed_at",
    "reopen_count",
    "first_response_due_at",
    "resolution_due_at",
    "first_response_warn_at",
    "resolution_warn_at",
    "sla_paused",
    "first_response_breached",
    "resolution_breached",
    "requester_id",
    *(f"requester__{f}" for f in _USER[1:]),
    "assignee_id",
    *(f"assignee__{f}" for f in _USER[1:]),
    *(f"{rel}{f}" for rel in ("team", "category", "sla_policy") for f in ("_id", "__name")),
)


@dataclass(frozen=True)
class PageRows:
    rows: list[dict[str, Any]]
    # ticket id -> its tag names, by name
    tags: dict[int, list[str]]


def page_rows(page: list[Ticket]) -> PageRows:
    """The tickets of a page from `page_keys`, in page order, as rows: 2 queries, any size."""
    ids = [ticket.pk for ticket in page]
    if not ids:
        return PageRows([], {})
    by_id = {row["id"]: row for row in Ticket.objects.filter(pk__in=ids).values(*_ROW_FIELDS)}
    # A ticket deleted between the two queries drops out of the page.
    return PageRows([by_id[pk] for pk in ids if pk in by_id], _tag_names(ids))


def ticket_row(actor: User, ticket_id: Any) -> PageRows:
    """One ticket the actor may see, as `page_rows` gives it (the detail's read); else 404.

    Two short queries instead of `access_ticket`'s joined model read and tag prefetch: about
    half the CPU in Python for the most frequent read of a ticket.
    """
    try:
        rows = list(tickets_visible_to(actor).filter(pk=ticket_id).values(*_ROW_FIELDS))
    except (ValueError, TypeError, OverflowError):
        raise errors.NotFound() from None
    if not rows:
        raise errors.NotFound()
    return PageRows(rows, _tag_names([rows[0]["id"]]))


def _tag_names(ids: list[int]) -> dict[int, list[str]]:
    tags: dict[int, list[str]] = {}
    for ticket_id, name in (
        TicketTag.objects.filter(ticket_id__in=ids)
        .order_by("tag__name")
        .values_list("ticket_id", "tag__name")
    ):
        tags.setdefault(ticket_id, []).append(name)
    return tags


def access_ticket(actor: User, ticket_id: Any, codename: str | None = None) -> Ticket:
    """404 when the actor cannot see the ticket, 403 when they see it but lack `codename`."""
    return policy.access_object(with_related(tickets_visible_to(actor)), actor, ticket_id, codename)


def comments_visible_to(actor: User, ticket: Ticket) -> QuerySet[Comment]:
    comments = Comment.objects.filter(organization_id=ticket.organization_id, ticket=ticket)
    if not policy.can(actor, "comment.view_internal", ticket):
        comments = comments.filter(visibility=Visibility.PUBLIC)
    return comments.select_related("author").prefetch_related("mentions")


def saved_views_visible_to(actor: User) -> QuerySet[SavedView]:
    """The actor's own views and those shared with a team they belong to."""
    teams = TeamMembership.objects.filter(user=actor).values("team_id")
    return (
        policy.scope(SavedView.objects.all(), actor)
        .filter(Q(owner=actor) | Q(shared_with_team_id__in=teams))
        .select_related("owner", "shared_with_team")
    )
