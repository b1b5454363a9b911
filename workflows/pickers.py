"""What the desk's autocompletes offer: a few matches by name, scoped to the organization.

Every picker is an autocomplete over one of these (ui.md: never a `<select>` of more
than 100 options), each a bounded query on the actor's organization. `chosen` (ids, or
names for tags) come first, so a choice survives the next keystroke's suggestions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from django.db.models import Q, QuerySet

from ruledesk import errors
from ruledesk.access import policy
from ruledesk.tenancy.models import Organization, Team, User
from workflows.models import Category, Tag


def _org_id(actor: User) -> int:
    if actor.organization_id is None:  # platform operators have no desk
        raise errors.PermissionDenied()
    return actor.organization_id


LIMIT = 8
_M = TypeVar("_M", User, Team, Category, Tag)


def _ids(values: Sequence[Any]) -> list[int]:
    return [int(v) for v in values if str(v).isascii() and str(v).isdigit() and len(str(v)) < 16]


def _pick(found: QuerySet[_M], matches: Q | None, chosen: Q, limit: int) -> list[_M]:
    first = list(found.filter(chosen)[:limit])
    rest = found.exclude(chosen)
    if matches is not None:
        rest = rest.filter(matches)
    return first + list(rest[: max(0, limit - len(first))])


def requesters(
    actor: User, q: str, chosen: Sequence[Any] = (), *, limit: int = LIMIT
) -> list[User]:
    """People of the actor's organization who may file tickets, by name or e-mail."""
    q = q.strip()[:100]
    people = policy.users_with("ticket.create", Organization(pk=_org_id(actor))).order_by(
        "name", "email", "pk"
    )
    matches = (Q(name__icontains=q) | Q(email__icontains=q)) if q else None
    return _pick(people, matches, Q(pk__in=_ids(chosen)), limit)


def categories(
    actor: User, q: str, chosen: Sequence[Any] = (), *, limit: int = LIMIT
) -> list[Category]:
    found = Category.objects.filter(organization_id=_org_id(actor), is_archived=False).order_by(
        "name", "pk"
    )
    matches = Q(name__icontains=q.strip()[:100]) if q.strip() else None
    return _pick(found, matches, Q(pk__in=_ids(chosen)), limit)


def tags(actor: User, q: str, chosen: Sequence[str] = (), *, limit: int = LIMIT) -> list[Tag]:
    found = Tag.objects.filter(organization_id=_org_id(actor), is_archived=False).order_by(
        "name", "pk"
    )
    matches = Q(name__icontains=q.strip()[:50]) if q.strip() else None
    names = [name[:50] for name in chosen if name]
    return _pick(found, matches, Q(name__in=names), limit + len(names))


def teams(actor: User, q: str, chosen: Sequence[Any] = (), *, limit: int = LIMIT) -> list[Team]:
    found = policy.scope(Team.objects.all(), actor).order_by("name", "pk")
    matches = Q(name__icontains=q.strip()[:100]) if q.strip() else None
    return _pick(found, matches, Q(pk__in=_ids(chosen)), limit)
