"""The per-organization automation user that rule actions run as."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from ruledesk.access import policy
from ruledesk.errors import LastAdmin
from ruledesk.tenancy import services
from ruledesk.tenancy.models import Organization, User


def test_system_actor_is_created_once_per_organization(
    acme: Organization, globex: Organization
) -> None:
    first = services.system_actor(acme.pk)
    again = services.system_actor(acme.pk)
    other = services.system_actor(globex.pk)

    assert first.pk == again.pk
    assert other.pk != first.pk
    assert first.is_system and first.organization_id == acme.pk
    assert first.name == "Ruledesk automation"
    assert User.objects.filter(is_system=True).count() == 2


def test_system_actor_cannot_log_in(acme: Organization, api: Callable[[Any], APIClient]) -> None:
    bot = services.system_actor(acme.pk)
    assert not bot.has_usable_password()
    # Even with a real password (set by an operator in Django's admin, say), the credentials
    # pass validation and reach authentication, which refuses the automation user.
    bot.set_password("a-real-password-123")
    bot.save(update_fields=["password"])

    response = api(None).post(
        "/api/v1/auth/token",
        {"email": bot.email, "password": "a-real-password-123"},
        format="json",
    )
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert "token" not in response.json()


def test_system_actor_holds_every_permission_only_in_its_organization(
    acme: Organization, outsider: User
) -> None:
    bot = services.system_actor(acme.pk)

    assert policy.can(bot, "ticket.transition.resolve")
    assert policy.can(bot, "comment.create_internal")
    assert not policy.can(bot, "ticket.update", outsider)  # another tenant's object


def test_system_actor_is_never_listed_or_counted_as_admin(
    admin: User, agent: User, api: Callable[[Any], APIClient]
) -> None:
    bot = services.system_actor(admin.organization_id or 0)

    listed = api(admin).get("/api/v1/users").json()["results"]
    assert bot.pk not in {u["id"] for u in listed}
    assert api(admin).get(f"/api/v1/users/{bot.pk}").status_code == 404
    with pytest.raises(LastAdmin):
        services.user_update(actor=admin, user=admin, role="agent")
    admin.refresh_from_db()
    assert admin.role == "admin"
