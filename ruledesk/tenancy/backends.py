"""The sign-in backend: Django's ModelBackend, loading the user with their organization.

Every signed-in page reads `request.user.organization` (the shell, tenancy checks);
joining it when the session's user is loaded saves that query on every request.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend as DjangoModelBackend

from ruledesk.tenancy.models import User


class ModelBackend(DjangoModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        try:
            user = User._default_manager.select_related("organization").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
