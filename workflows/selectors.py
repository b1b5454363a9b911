"""Reads of tickets and comments that need care: tenant and requester scoping, prefetching."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from ruledesk.access import policy
from ruledesk.tenancy.models import TeamMembership, User
from workflows.models import Comment, SavedView, Tag, Ticket, Visibility


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
