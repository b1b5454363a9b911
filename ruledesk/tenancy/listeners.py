"""Synchronous listeners of organization and access changes, run in the caller's transaction.

Apps above the platform (the knowledge base) keep per-organization state that must
exist as soon as the organization does, and group memberships that must follow a
role or the permission matrix in the same transaction. They register here at start-up;
the platform's services call `organization_created` and `access_changed`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ruledesk.tenancy.models import Organization

OrganizationListener = Callable[["Organization"], None]
# (organization id, the users whose access may have changed; None: all of them)
AccessListener = Callable[[int, "Collection[int] | None"], None]

_organization_created: dict[str, OrganizationListener] = {}
_access_changed: dict[str, AccessListener] = {}


def on_organization_created(name: str, listener: OrganizationListener) -> None:
    _organization_created[name] = listener


def on_access_changed(name: str, listener: AccessListener) -> None:
    _access_changed[name] = listener


def organization_created(organization: Organization) -> None:
    for listener in list(_organization_created.values()):
        listener(organization)


def access_changed(organization_id: int, user_ids: Collection[int] | None = None) -> None:
    for listener in list(_access_changed.values()):
        listener(organization_id, user_ids)
