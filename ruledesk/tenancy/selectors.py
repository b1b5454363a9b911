"""Reads of users and teams that need care: scoping and prefetching."""

from __future__ import annotations

from typing import Any, Protocol

from django.db.models import Prefetch, Q, QuerySet

from ruledesk.access import policy
from ruledesk.tenancy.models import Role, Team, User


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


class Person(Protocol):
    """What `email_visible_to` reads of a user (a `User`, or a row shaped like one)."""

    @property
    def pk(self) -> Any: ...
    @property
    def email(self) -> str: ...
    @property
    def role(self) -> str: ...


def email_visible_to(viewer: Person | None, user: Person) -> str | None:
    """`user`'s e-mail address as `viewer` may read it; None when hidden.

    Requesters never see the addresses of staff (agents, admins): only their own and
    other requesters'. Without a viewer (an admin-only list), the address is shown.
    """
    hidden = (
        viewer is not None
        and viewer.role == Role.REQUESTER
        and user.pk != viewer.pk
        and user.role != Role.REQUESTER
    )
    return None if hidden else user.email
