from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request


class IsOrganizationMember(BasePermission):
    """The default: an active, authenticated user of some organization (not a platform operator)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(
            user
            and user.is_authenticated
            and user.is_active
            and getattr(user, "organization_id", None) is not None
        )
