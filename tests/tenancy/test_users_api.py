"""/api/v1/users: who may list, create, change and delete the organization's users."""

from __future__ import annotations

from typing import Any

import pytest

from ruledesk.audit.models import AuditEvent
from ruledesk.tenancy.models import Role, User
from tests import factories


def _fields(response) -> list[str]:
    return [error["field"] for error in response.json()["errors"]]


def _snapshot(user: User) -> tuple[Any, ...]:
    fresh = User.objects.get(pk=user.pk)
    return (fresh.email, fresh.name, fresh.role, fresh.is_active, fresh.locale, fresh.deleted_at)


# --- create ----------------------------------------------------------------------------


def test_admin_creates_a_user_and_gets_its_representation(api, acme, admin: User) -> None:
    response = api(admin).post(
        "/api/v1/users",
        {
            "email": "Dave@Acme.test",
            "name": "Dave Doe",
            "role": "agent",
            "password": "correct-horse-battery-9",
        },
        format="json",
    )
    assert response.status_code == 201
    created = User.objects.get(email="dave@acme.test")
    assert response.json() == {
        "id": created.pk,
        "email": "dave@acme.test",
        "name": "Dave Doe",
        "role": "agent",
        "is_active": True,
        "teams": [],
    }
    assert created.organization_id == acme.pk
    assert created.check_password("correct-horse-battery-9")
    event = AuditEvent.objects.get(action="user.create", object_id=str(created.pk))
    assert (event.actor_id, event.organization_id) == (admin.pk, acme.pk)
    assert event.changes == {"email": "dave@acme.test", "role": "agent"}


def test_created_user_can_log_in_with_the_password(api, admin: User) -> None:
    api(admin).post(
        "/api/v1/users",
        {"email": "dave@acme.test", "password": "correct-horse-battery-9"},
        format="json",
    )
    login = api(None).post(
        "/api/v1/auth/token",
        {"email": "dave@acme.test", "password": "correct-horse-battery-9"},
        format="json",
    )
    assert login.status_code == 201


def test_user_created_without_role_is_a_requester(api, admin: User) -> None:
    response = api(admin).post("/api/v1/users", {"email": "erin@acme.test"}, format="json")
    assert response.status_code == 201
    assert response.json()["role"] == "requester"
    assert User.objects.get(email="erin@acme.test").has_usable_password() is False


@pytest.mark.parametrize("email", ["agent@acme.test", "AGENT@ACME.TEST", "Agent@Acme.Test"])
def test_duplicate_email_in_any_case_answers_409_conflict(
    api, admin: User, agent: User, email: str
) -> None:
    before = User.objects.count()
    response = api(admin).post("/api/v1/users", {"email": email, "role": "agent"}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert User.objects.count() == before


def test_email_taken_in_another_organization_also_answers_409(api, admin: User, outsider) -> None:
    before = User.objects.count()
    response = api(admin).post("/api/v1/users", {"email": "ADMIN@globex.test"}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert User.objects.count() == before
    assert "globex" not in response.json()["detail"]


@pytest.mark.parametrize("password", ["123", "password", "12345678901234", "dave@acme"])
def test_weak_password_answers_400_naming_password(api, admin: User, password: str) -> None:
    before = User.objects.count()
    response = api(admin).post(
        "/api/v1/users", {"email": "dave@acme.test", "password": password}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert set(_fields(response)) == {"password"}
    assert User.objects.count() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "dave@acme.test", "role": "superuser"}, "role"),
        ({"email": "dave@acme.test", "role": "ADMIN"}, "role"),
        ({"email": "not-an-email"}, "email"),
        ({"email": ""}, "email"),
        ({"name": "No Mail"}, "email"),
        ({"email": "dave@acme.test", "locale": "de"}, "locale"),
        ({"email": "dave@acme.test", "name": "x" * 201}, "name"),
        ({"email": "dave@acme.test", "organization": 1}, "organization"),
        ({"email": "dave@acme.test", "is_staff": True}, "is_staff"),
    ],
)
def test_invalid_create_body_answers_400_naming_the_field(
    api, admin: User, body: dict[str, Any], field: str
) -> None:
    before = User.objects.count()
    response = api(admin).post("/api/v1/users", body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert _fields(response) == [field]
    assert User.objects.count() == before


# --- read ------------------------------------------------------------------------------


def test_list_shows_the_organization_users_ordered_by_id(
    api, acme, admin: User, agent: User, requester: User, outsider: User
) -> None:
    team = factories.team(acme, "Support", agent)
    response = api(admin).get("/api/v1/users")
    assert response.status_code == 200
    body = response.json()
    assert body["next"] is None
    assert body["previous"] is None
    assert body["results"] == [
        {
            "id": admin.pk,
            "email": "admin@acme.test",
            "name": "Alice Admin",
            "role": "admin",
            "is_active": True,
            "teams": [],
        },
        {
            "id": agent.pk,
            "email": "agent@acme.test",
            "name": "Bob Agent",
            "role": "agent",
            "is_active": True,
            "teams": [{"id": team.pk, "name": "Support"}],
        },
        {
            "id": requester.pk,
            "email": "requester@acme.test",
            "name": "Carol Requester",
            "role": "requester",
            "is_active": True,
            "teams": [],
        },
    ]


def test_agent_reads_the_list_and_a_detail(api, admin: User, agent: User) -> None:
    client = api(agent)
    listing = client.get("/api/v1/users")
    assert listing.status_code == 200
    assert [row["id"] for row in listing.json()["results"]] == [admin.pk, agent.pk]
    detail = client.get(f"/api/v1/users/{admin.pk}")
    assert detail.status_code == 200
    assert detail.json() == {
        "id": admin.pk,
        "email": "admin@acme.test",
        "name": "Alice Admin",
        "role": "admin",
        "is_active": True,
        "teams": [],
    }


@pytest.mark.parametrize("path", ["/api/v1/users", "/api/v1/users/{admin}", "/api/v1/users/{me}"])
def test_requester_cannot_read_users(api, admin: User, requester: User, path: str) -> None:
    response = api(requester).get(path.format(admin=admin.pk, me=requester.pk))
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_anonymous_caller_gets_401(api, admin: User) -> None:
    assert api(None).get("/api/v1/users").status_code == 401
    assert api(None).get(f"/api/v1/users/{admin.pk}").status_code == 401


def test_role_filter_narrows_the_list(api, acme, admin: User, agent: User, requester: User) -> None:
    second_agent = factories.user(acme, Role.AGENT, email="dan@acme.test")
    client = api(admin)
    ids = [r["id"] for r in client.get("/api/v1/users?role=agent").json()["results"]]
    assert ids == [agent.pk, second_agent.pk]
    ids = [r["id"] for r in client.get("/api/v1/users?role=requester").json()["results"]]
    assert ids == [requester.pk]
    ids = [r["id"] for r in client.get("/api/v1/users?role=admin").json()["results"]]
    assert ids == [admin.pk]


def test_unknown_role_filter_is_ignored(api, admin: User, agent: User) -> None:
    ids = [r["id"] for r in api(admin).get("/api/v1/users?role=boss").json()["results"]]
    assert ids == [admin.pk, agent.pk]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("carol", ["requester"]),
        ("BOB", ["agent"]),
        ("@acme.test", ["admin", "agent", "requester"]),
        ("nobody-matches", []),
    ],
)
def test_q_filter_searches_name_and_email_case_insensitively(
    api, admin: User, agent: User, requester: User, q: str, expected: list[str]
) -> None:
    by_role = {"admin": admin.pk, "agent": agent.pk, "requester": requester.pk}
    response = api(admin).get("/api/v1/users", {"q": q})
    assert response.status_code == 200
    assert [r["id"] for r in response.json()["results"]] == [by_role[r] for r in expected]


def test_role_and_q_filters_combine(api, acme, admin: User, agent: User, requester: User) -> None:
    factories.user(acme, Role.REQUESTER, email="bob.requester@acme.test", name="Bob Req")
    response = api(admin).get("/api/v1/users", {"q": "bob", "role": "agent"})
    assert [r["id"] for r in response.json()["results"]] == [agent.pk]


def test_unknown_user_id_answers_404(api, admin: User) -> None:
    response = api(admin).get("/api/v1/users/999999999")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


# --- agents may not write --------------------------------------------------------------


def test_agent_cannot_create_a_user(api, agent: User) -> None:
    before = User.objects.count()
    response = api(agent).post(
        "/api/v1/users", {"email": "dave@acme.test", "role": "admin"}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert User.objects.count() == before
    assert not User.objects.filter(email="dave@acme.test").exists()


@pytest.mark.parametrize("body", [{"role": "admin"}, {"name": "Hacked"}, {"is_active": False}])
def test_agent_cannot_change_a_user(
    api, agent: User, requester: User, body: dict[str, Any]
) -> None:
    for target in (requester, agent):
        before = _snapshot(target)
        response = api(agent).patch(f"/api/v1/users/{target.pk}", body, format="json")
        assert response.status_code == 403
        assert response.json()["code"] == "permission_denied"
        assert _snapshot(target) == before


def test_agent_cannot_delete_a_user(api, agent: User, requester: User) -> None:
    before = _snapshot(requester)
    response = api(agent).delete(f"/api/v1/users/{requester.pk}")
    assert response.status_code == 403
    assert _snapshot(requester) == before


def test_requester_cannot_promote_themselves(api, requester: User) -> None:
    before = _snapshot(requester)
    response = api(requester).patch(
        f"/api/v1/users/{requester.pk}", {"role": "admin"}, format="json"
    )
    assert response.status_code == 403
    assert _snapshot(requester) == before


# --- update ----------------------------------------------------------------------------


def test_role_change_is_audited_with_its_changes(api, acme, admin: User, requester: User) -> None:
    response = api(admin).patch(f"/api/v1/users/{requester.pk}", {"role": "agent"}, format="json")
    assert response.status_code == 200
    assert response.json()["role"] == "agent"
    assert User.objects.get(pk=requester.pk).role == Role.AGENT
    event = AuditEvent.objects.get(action="user.role_change")
    assert event.object_type == "user"
    assert event.object_id == str(requester.pk)
    assert event.actor_id == admin.pk
    assert event.actor_email == "admin@acme.test"
    assert event.organization_id == acme.pk
    assert event.changes == {"role": ["requester", "agent"]}


def test_name_change_is_audited_as_update_not_role_change(api, admin: User, agent: User) -> None:
    response = api(admin).patch(f"/api/v1/users/{agent.pk}", {"name": "Robert"}, format="json")
    assert response.status_code == 200
    assert response.json()["name"] == "Robert"
    assert not AuditEvent.objects.filter(action="user.role_change").exists()
    event = AuditEvent.objects.get(action="user.update")
    assert event.changes == {"name": ["Bob Agent", "Robert"]}


def test_patch_without_a_change_records_nothing(api, admin: User, agent: User) -> None:
    before = AuditEvent.objects.count()
    response = api(admin).patch(f"/api/v1/users/{agent.pk}", {"role": "agent"}, format="json")
    assert response.status_code == 200
    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"role": "owner"}, "role"),
        ({"email": "new@acme.test"}, "email"),
        ({"organization": 2}, "organization"),
        ({"password": "x"}, "password"),
        ({"is_active": "maybe"}, "is_active"),
        ({"locale": "fr"}, "locale"),
    ],
)
def test_invalid_patch_answers_400_naming_the_field_and_changes_nothing(
    api, admin: User, agent: User, body: dict[str, Any], field: str
) -> None:
    before = _snapshot(agent)
    response = api(admin).patch(f"/api/v1/users/{agent.pk}", body, format="json")
    assert response.status_code == 400
    assert _fields(response) == [field]
    assert _snapshot(agent) == before


def test_deactivated_user_cannot_log_in(api, admin: User, agent: User) -> None:
    response = api(admin).patch(f"/api/v1/users/{agent.pk}", {"is_active": False}, format="json")
    assert response.status_code == 200
    assert response.json()["is_active"] is False
    login = api(None).post(
        "/api/v1/auth/token",
        {"email": "agent@acme.test", "password": factories.PASSWORD},
        format="json",
    )
    assert login.status_code == 401


# --- delete ----------------------------------------------------------------------------


def test_deleted_user_is_gone_from_the_api_and_cannot_log_in(
    api, acme, admin: User, agent: User
) -> None:
    factories.team(acme, "Support", agent)
    agent_client = api(agent)
    assert agent_client.get("/api/v1/me").status_code == 200
    client = api(admin)

    response = client.delete(f"/api/v1/users/{agent.pk}")

    assert response.status_code == 204
    assert client.get(f"/api/v1/users/{agent.pk}").status_code == 404
    assert (
        client.patch(f"/api/v1/users/{agent.pk}", {"name": "x"}, format="json").status_code == 404
    )
    assert client.delete(f"/api/v1/users/{agent.pk}").status_code == 404
    assert [r["id"] for r in client.get("/api/v1/users").json()["results"]] == [admin.pk]
    login = api(None).post(
        "/api/v1/auth/token",
        {"email": "agent@acme.test", "password": factories.PASSWORD},
        format="json",
    )
    assert login.status_code == 401
    assert login.json()["code"] == "not_authenticated"
    assert agent_client.get("/api/v1/me").status_code == 401
    gone = User.objects.get(pk=agent.pk)
    assert gone.deleted_at is not None
    assert gone.is_active is False
    assert gone.memberships.count() == 0
    event = AuditEvent.objects.get(action="user.delete")
    assert (event.actor_id, event.object_id) == (admin.pk, str(agent.pk))
