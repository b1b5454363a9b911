"""Resolve ids and names sent by a caller against the caller's organization.

Every foreign key a client names is looked up here, scoped to the actor's
organization, so another tenant's id is simply "does not exist" (400).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from ruledesk import errors
from ruledesk.access import policy
from ruledesk.tenancy.models import Organization, Role, Team, User
from workflows.models import Category, Tag


def category(
    organization_id: int, category_id: int | None, *, field: str = "category"
) -> Category | None:
    if category_id is None:
        return None
    found = Category.objects.filter(organization_id=organization_id, pk=category_id).first()
    if found is None:
        raise errors.ValidationFailed.on(field, _("No such category."), "does_not_exist")
    if found.is_archived:
        raise errors.ValidationFailed.on(field, _("This category is archived."), "archived")
    return found


def team(organization_id: int, team_id: int | None, *, field: str = "team") -> Team | None:
    if team_id is None:
        return None
    found = Team.objects.filter(organization_id=organization_id, pk=team_id).first()
    if found is None:
        raise errors.ValidationFailed.on(field, _("No such team."), "does_not_exist")
    return found


def agent(organization_id: int, user_id: int | None, *, field: str = "assignee") -> User | None:
    if user_id is None:
        return None
    found = User.live.filter(
        organization_id=organization_id,
        pk=user_id,
        is_active=True,
        role__in=[Role.AGENT, Role.ADMIN],
    ).first()
    if found is None:
        raise errors.ValidationFailed.on(field, _("No such active agent."), "does_not_exist")
    return found


def requester(organization_id: int, user_id: Any, *, field: str = "requester") -> User:
    """An active person of the organization who may file tickets (the matrix decides)."""
    if not isinstance(user_id, int):
        raise errors.ValidationFailed.on(field, _("No such requester."), "does_not_exist")
    organization = Organization(pk=organization_id)  # users_with reads only its id
    found = policy.users_with("ticket.create", organization).filter(pk=user_id).first()
    if found is None:
        raise errors.ValidationFailed.on(field, _("No such requester."), "does_not_exist")
    return found


def tags(
    organization_id: int,
    names: list[str],
    *,
    may_create: bool,
    field: str = "tags",
    kept: Collection[int] = (),
) -> list[Tag]:
    """Existing tags by name (case-insensitive); agents may name new ones, which are created.

    An archived tag is refused unless its id is in `kept` (already on the ticket being edited).
    """
    # lower-cased name -> (position in the request, for error paths; name as sent)
    wanted: dict[str, tuple[int, str]] = {}
    for position, raw in enumerate(names):
        if raw.strip():
            wanted.setdefault(raw.strip().lower(), (position, raw.strip()))
    existing: dict[str, Tag] = {
        tag.name.lower(): tag
        for tag in Tag.objects.annotate(lower_name=Lower("name")).filter(
            organization_id=organization_id, lower_name__in=list(wanted)
        )
    }
    found: list[Tag] = []
    for key, (index, name) in wanted.items():
        tag: Tag | None = existing.get(key)
        if tag is None:
            if not may_create:
                raise errors.ValidationFailed.on(
                    f"{field}[{index}]", _("No such tag."), "does_not_exist"
                )
            tag = _tag_get_or_create(organization_id, name)
        elif tag.is_archived and tag.pk not in kept:
            raise errors.ValidationFailed.on(
                f"{field}[{index}]", _("This tag is archived."), "archived"
            )
        found.append(tag)
    return found


def _tag_get_or_create(organization_id: int, name: str) -> Tag:
    """Create a tag an agent named; if a concurrent request just created it, use that one."""
    try:
        with transaction.atomic():
            return Tag.objects.create(organization_id=organization_id, name=name)
    except IntegrityError:
        return Tag.objects.get(organization_id=organization_id, name__iexact=name)
