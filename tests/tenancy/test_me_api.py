"""PATCH /api/v1/me: a user edits their own name and locale, nothing else."""

from __future__ import annotations

from typing import Any

import pytest

from ruledesk.tenancy.models import User


def _snapshot(user: User) -> tuple[Any, ...]:
    fresh = User.objects.get(pk=user.pk)
    return (
        fresh.email,
        fresh.name,
        fresh.role,
        fresh.locale,
        fresh.organization_id,
        fresh.is_active,
        fresh.password,
    )


@pytest.mark.parametrize("persona", ["requester", "agent", "admin"])
def test_user_changes_own_name_and_locale(api, request, persona: str) -> None:
    user = request.getfixturevalue(persona)
    response = api(user).patch("/api/v1/me", {"name": "New Name", "locale": "pl"}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["name"], body["locale"], body["role"]) == (
        user.pk,
        "New Name",
        "pl",
        persona,
    )
    fresh = User.objects.get(pk=user.pk)
    assert (fresh.name, fresh.locale, fresh.role) == ("New Name", "pl", persona)


def test_me_patch_with_only_locale_keeps_the_name(api, requester: User) -> None:
    response = api(requester).patch("/api/v1/me", {"locale": "pl"}, format="json")
    assert response.status_code == 200
    fresh = User.objects.get(pk=requester.pk)
    assert (fresh.name, fresh.locale) == ("Carol Requester", "pl")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"role": "admin"}, "role"),
        ({"organization": 1}, "organization"),
        ({"organization": {"slug": "globex"}}, "organization"),
        ({"email": "new@acme.test"}, "email"),
        ({"is_active": False}, "is_active"),
        ({"is_staff": True}, "is_staff"),
        ({"password": "another-Strong-pass-1"}, "password"),
        ({"permissions": ["matrix.manage"]}, "permissions"),
        ({"id": 1}, "id"),
        ({"favourite_colour": "blue"}, "favourite_colour"),
        ({"locale": "de"}, "locale"),
        ({"name": "x" * 201}, "name"),
        ({"name": None}, "name"),
    ],
)
def test_me_patch_refuses_other_fields_with_400_naming_them(
    api, requester: User, body: dict[str, Any], field: str
) -> None:
    before = _snapshot(requester)
    response = api(requester).patch("/api/v1/me", body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert _snapshot(requester) == before


def test_me_patch_mixing_allowed_and_forbidden_fields_changes_nothing(api, agent: User) -> None:
    before = _snapshot(agent)
    response = api(agent).patch(
        "/api/v1/me", {"name": "Sneaky", "locale": "pl", "role": "admin"}, format="json"
    )
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["role"]
    assert _snapshot(agent) == before
    assert api(agent).get("/api/v1/me").json()["role"] == "agent"


def test_me_patch_requires_authentication(api, requester: User) -> None:
    response = api(None).patch("/api/v1/me", {"name": "x"}, format="json")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
