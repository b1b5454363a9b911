"""Who may do what: the only place that decides.

Order of a decision: organization scope first (another tenant's object is
invisible, not forbidden), then the organization's matrix for the user's role,
then per-object grants through django-guardian.
"""

from __future__ import annotations

from typing import Any, TypeVar, cast

from django.core.cache import cache
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext as _
from guardian.core import ObjectPermissionChecker
from guardian.shortcuts import get_users_with_perms

from ruledesk import context, errors
from ruledesk.access import registry
from ruledesk.access.models import RoleGrant
from ruledesk.tenancy.models import Organization, User

_CACHE_TTL = 300


_M = TypeVar("_M", bound=models.Model)


def cache_key(organization_id: int) -> str:
    return f"access:grants:{organization_id}"


def organization_grants(organization_id: int) -> dict[str, dict[str, bool]]:
    """The full matrix of one organization: codename -> role -> granted (defaults filled in)."""
    key = cache_key(organization_id)
    memo = context.current().memo
    if memo is not None and key in memo:
        return memo[key]  # type: ignore[return-value]
    cached: dict[str, dict[str, bool]] | None = cache.get(key)
    if cached is not None:
        if memo is not None:
            memo[key] = cached
        return cached
    stored = {
        (row.codename, row.role): row.granted
        for row in RoleGrant.objects.filter(organization_id=organization_id)
    }
    matrix: dict[str, dict[str, bool]] = {}
    for permission in registry.PERMISSIONS:
        cells: dict[str, bool] = {}
        for role in registry.ROLES:
            if role in permission.locked:
                cells[role] = permission.locked[role]
            else:
                cells[role] = stored.get(
                    (permission.codename, role), registry.default_grant(permission.codename, role)
                )
        matrix[permission.codename] = cells
    cache.set(key, matrix, _CACHE_TTL)
    if memo is not None:
        memo[key] = matrix
    return matrix


def invalidate(organization_id: int) -> None:
    cache.delete(cache_key(organization_id))
    memo = context.current().memo
    if memo is not None:
        memo.pop(cache_key(organization_id), None)


def in_scope(actor: User, obj: models.Model) -> bool:
    """Does `obj` belong to the actor's organization?"""
    org_id = getattr(obj, "organization_id", None)
    return actor.organization_id is not None and org_id == actor.organization_id


def role_can(actor: User, codename: str) -> bool:
    if not actor.is_authenticated or not actor.is_active or actor.organization_id is None:
        return False
    if actor.is_system:
        # Automation acts on rules that admins authored; the matrix governs people.
        return True
    return organization_grants(actor.organization_id)[codename].get(actor.role, False)


def can(actor: User, codename: str, obj: models.Model | None = None) -> bool:
    permission = registry.get(codename)
    if obj is not None and not in_scope(actor, obj):
        return False
    if role_can(actor, codename):
        return True
    if obj is None or permission.object_permission is None or not actor.is_active:
        return False
    if permission.locked.get(actor.role) is False:
        return False
    checker = ObjectPermissionChecker(actor)
    return bool(checker.has_perm(permission.object_permission.split(".", 1)[1], obj))


def users_with(
    codename: str, organization: Organization, obj: models.Model | None = None
) -> models.QuerySet[User]:
    """The organization's active people who hold `codename` (on `obj`, when given).

    The same decision as `can`, made for every user at once, for pickers and mention
    autocomplete: roles the matrix grants, plus, for a permission with an
    `object_permission`, the django-guardian grants on `obj` of users whose role is not
    locked out. The automation user and deleted or deactivated users are never listed.
    Unordered: the caller orders and pages it.
    """
    permission = registry.get(codename)
    users = User.live.filter(organization_id=organization.pk, is_active=True)
    if obj is not None and getattr(obj, "organization_id", None) != organization.pk:
        return users.none()
    grants = organization_grants(organization.pk)[codename]
    allowed = Q(role__in=sorted(role for role, granted in grants.items() if granted))
    if obj is not None and permission.object_permission is not None:
        granted_on_obj = cast(
            "models.QuerySet[User]",
            get_users_with_perms(
                obj,
                with_superusers=True,  # as ObjectPermissionChecker.has_perm answers for them
                only_with_perms_in=[permission.object_permission.split(".", 1)[1]],
            ),
        )
        locked_out = [role for role, value in permission.locked.items() if value is False]
        allowed |= Q(pk__in=granted_on_obj.values("pk")) & ~Q(role__in=locked_out)
    return users.filter(allowed)


def require(actor: User, codename: str, obj: models.Model | None = None) -> None:
    """Raise NotFound for another tenant's object, PermissionDenied when not allowed."""
    if obj is not None and not in_scope(actor, obj):
        raise errors.NotFound()
    if not can(actor, codename, obj):
        raise errors.PermissionDenied(
            _("You lack the permission %(codename)s.") % {"codename": repr(codename)}
        )


def effective_permissions(actor: User) -> list[str]:
    return [p.codename for p in registry.PERMISSIONS if role_can(actor, p.codename)]


def scope(queryset: models.QuerySet[_M], actor: User) -> models.QuerySet[_M]:
    """Restrict any tenant-owned queryset to the actor's organization."""
    if actor.organization_id is None:
        return queryset.none()
    return queryset.filter(organization_id=actor.organization_id)


def access_object(
    queryset: models.QuerySet[_M], actor: User, pk: Any, codename: str | None = None
) -> _M:
    """Load one object through the actor's scope: 404 when invisible, 403 when not allowed."""
    try:
        obj = scope(queryset, actor).get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError, OverflowError):
        raise errors.NotFound() from None
    if codename is not None:
        require(actor, codename, obj)
    return obj
