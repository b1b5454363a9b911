"""Reads of users and teams that need care: scoping and prefetching."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from ruledesk.access import policy
from ruledesk.tenancy.models import Team, User


def users_visible_to(
    actor: Any, *, role: str | None = None, q: str | None = None
) -> QuerySet[User]:
    users = policy.scope(User.live.all(), actor).prefetch_related(
        Prefetch("teams", queryset=Team.objects.order_by("name"))
    )
    if role:
        users = users.filter(role=role)
    if q:
        users = users.filter(Q(email__icontains=q) | Q(name__icontains=q))
    return users


def teams_visible_to(actor: Any) -> QuerySet[Team]:
    return policy.scope(Team.objects.all(), actor).select_related("escalation_team")


def team_members(team: Team) -> list[User]:
    return list(User.live.filter(memberships__team=team).order_by("name", "pk"))
