"""Reads the ticket workspace needs: pickers (autocompletes), loads, mentions, recent tickets.

Every picker is a bounded search (at most LIMIT rows), never a list of everything.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from ruledesk.access import policy
from ruledesk.tenancy.models import Role, Team, User
from workflows import loads, selectors
from workflows.models import Category, Tag, Ticket, Visibility

LIMIT = 10


@dataclass(frozen=True)
class AgentLoad:
    user: User
    open_tickets: int


def _agents(organization_id: int) -> QuerySet[User]:
    return User.live.filter(
        organization_id=organization_id, is_active=True, role__in=[Role.AGENT, Role.ADMIN]
    )


def _with_load(users: QuerySet[User], organization_id: int) -> QuerySet[Any]:
    return users.annotate(load=loads.open_load(organization_id))


def agents_matching(actor: User, query: str, limit: int = LIMIT) -> list[AgentLoad]:
    """Active agents and admins of the actor's organization whose name or e-mail matches."""
    if actor.organization_id is None or not policy.can(actor, "ticket.view_all"):
        return []
    users = _agents(actor.organization_id)
    query = query.strip()
    if query:
        users = users.filter(Q(name__icontains=query) | Q(email__icontains=query))
    rows = _with_load(users, actor.organization_id).order_by("name", "pk")[:limit]
    return [AgentLoad(user, user.load) for user in rows]


def least_loaded_in_team(ticket: Ticket) -> AgentLoad | None:
    """The ticket's team's agent with the fewest open tickets (ties: lower id); None without."""
    if ticket.team_id is None:
        return None
    members = _agents(ticket.organization_id).filter(memberships__team_id=ticket.team_id)
    best = _with_load(members, ticket.organization_id).order_by("load", "pk").first()
    return AgentLoad(best, best.load) if best is not None else None


def teams_matching(actor: User, query: str, limit: int = LIMIT) -> list[Team]:
    teams = policy.scope(Team.objects.all(), actor)
    if query.strip():
        teams = teams.filter(name__icontains=query.strip())
    return list(teams.order_by("name", "pk")[:limit])


def categories_matching(actor: User, query: str, limit: int = LIMIT) -> list[Category]:
    categories = policy.scope(Category.objects.filter(is_archived=False), actor)
    if query.strip():
        categories = categories.filter(name__icontains=query.strip())
    return list(categories.order_by("name", "pk")[:limit])


def tags_matching(actor: User, query: str, limit: int = LIMIT) -> list[Tag]:
    tags = policy.scope(Tag.objects.filter(is_archived=False), actor)
    if query.strip():
        tags = tags.filter(name__icontains=query.strip())
    return list(tags.order_by("name", "pk")[:limit])


def requester_recent(actor: User, ticket: Ticket, limit: int = 5) -> list[Ticket]:
    """The requester's other latest tickets the actor may see."""
    return list(
        selectors.tickets_visible_to(actor)
        .filter(requester_id=ticket.requester_id)
        .exclude(pk=ticket.pk)
        .only("id", "number", "title", "status", "created_at", "organization_id")
        .order_by("-created_at", "-id")[:limit]
    )


def mentionable(
    actor: User, ticket: Ticket, visibility: str, query: str, limit: int = 8
) -> list[User]:
    """Who may read a comment of `visibility` on `ticket` (the same rule as mentions use)."""
    if not policy.can(actor, "ticket.view_all", ticket):
        return []
    org = ticket.organization
    if visibility == Visibility.INTERNAL:
        users = policy.users_with("comment.view_internal", org, ticket)
    else:
        staff = policy.users_with("ticket.view_all", org, ticket)
        users = User.live.filter(
            Q(pk__in=staff.values("pk")) | Q(pk=ticket.requester_id), is_active=True
        )
    query = query.strip().lstrip("@")
    if query:
        users = users.filter(Q(name__icontains=query) | Q(email__istartswith=query))
    return list(users.order_by("name", "pk")[:limit])
