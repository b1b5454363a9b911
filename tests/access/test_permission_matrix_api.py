"""GET/PUT /api/v1/permission-matrix: shape, round trip, effect, locked cells, audit."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from ruledesk.access.models import RoleGrant
from ruledesk.audit.models import AuditEvent
from ruledesk.tenancy.models import User
from tests import factories

MATRIX = "/api/v1/permission-matrix"

# api.md "Organization administration": codenames the contract promises.
DOCUMENTED_CODENAMES = [
    "ticket.view_all",
    "ticket.create",
    "ticket.update",
    "ticket.assign",
    "ticket.bulk",
    "ticket.transition.open",
    "ticket.transition.wait_on_requester",
    "ticket.transition.resume",
    "ticket.transition.resolve",
    "ticket.transition.close",
    "ticket.transition.reopen",
    "ticket.reopen.approve",
    "comment.create_public",
    "comment.create_internal",
    "comment.view_internal",
    "attachment.upload",
    "attachment.view_internal",
    "taxonomy.manage",
    "sla.manage",
    "rules.manage",
    "templates.manage",
    "users.manage",
    "teams.manage",
    "matrix.manage",
    "audit.view",
    "reports.view",
    "reports.export",
    "kb.edit",
    "saved_views.share",
]


def _matrix(client) -> dict[str, Any]:
    response = client.get(MATRIX)
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def _row_index(body: dict[str, Any], codename: str) -> int:
    return next(i for i, row in enumerate(body["permissions"]) if row["codename"] == codename)


def _set(body: dict[str, Any], codename: str, role: str, value: bool) -> tuple[dict[str, Any], int]:
    changed = copy.deepcopy(body)
    index = _row_index(changed, codename)
    changed["permissions"][index]["grants"][role] = value
    return changed, index


def _grants(body: dict[str, Any]) -> dict[str, dict[str, bool]]:
    return {row["codename"]: row["grants"] for row in body["permissions"]}


# --- shape -----------------------------------------------------------------------------


def test_matrix_has_roles_and_one_row_per_codename(api, admin: User) -> None:
    body = _matrix(api(admin))
    assert body["roles"] == ["requester", "agent", "admin"]
    assert set(body) == {"roles", "permissions"}
    codenames = [row["codename"] for row in body["permissions"]]
    assert len(codenames) == len(set(codenames))
    assert set(DOCUMENTED_CODENAMES) <= set(codenames)
    for row in body["permissions"]:
        assert set(row) == {"codename", "label", "grants", "locked"}
        assert isinstance(row["label"], str)
        assert row["label"]
        assert set(row["grants"]) == {"requester", "agent", "admin"}
        assert all(isinstance(v, bool) for v in row["grants"].values())
        assert set(row["locked"]) <= {"requester", "agent", "admin"}


def test_locked_cells_are_the_documented_ones(api, admin: User) -> None:
    body = _matrix(api(admin))
    locked = {row["codename"]: row["locked"] for row in body["permissions"] if row["locked"]}
    assert locked == {
        "ticket.view_all": ["requester"],
        "comment.create_internal": ["requester"],
        "comment.view_internal": ["requester"],
        "attachment.view_internal": ["requester"],
        "matrix.manage": ["admin"],
    }
    grants = _grants(body)
    for codename in (
        "ticket.view_all",
        "comment.create_internal",
        "comment.view_internal",
        "attachment.view_internal",
    ):
        assert grants[codename]["requester"] is False
    assert grants["matrix.manage"]["admin"] is True


def test_default_grants_follow_the_roles(api, admin: User) -> None:
    grants = _grants(_matrix(api(admin)))
    assert grants["ticket.create"] == {"requester": True, "agent": True, "admin": True}
    assert grants["comment.view_internal"] == {"requester": False, "agent": True, "admin": True}
    assert grants["users.manage"] == {"requester": False, "agent": False, "admin": True}
    assert grants["audit.view"] == {"requester": False, "agent": False, "admin": True}
    assert grants["matrix.manage"] == {"requester": False, "agent": False, "admin": True}


@pytest.mark.parametrize("persona", ["agent", "requester"])
def test_non_admin_cannot_read_the_matrix(api, request, persona: str) -> None:
    response = api(request.getfixturevalue(persona)).get(MATRIX)
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_anonymous_cannot_read_the_matrix(api, admin: User) -> None:
    assert api(None).get(MATRIX).status_code == 401


# --- round trip and changes ------------------------------------------------------------


def test_put_of_the_unchanged_matrix_round_trips(api, admin: User) -> None:
    client = api(admin)
    body = _matrix(client)
    response = client.put(MATRIX, body, format="json")
    assert response.status_code == 200
    assert response.json() == body
    assert _matrix(client) == body
    assert not RoleGrant.objects.exists()
    assert not AuditEvent.objects.filter(action="matrix.update").exists()


def test_flipping_agent_users_view_takes_effect_on_the_next_request(
    api, acme, admin: User, agent: User
) -> None:
    admin_client, agent_client = api(admin), api(agent)
    assert agent_client.get("/api/v1/users").status_code == 200
    assert "users.view" in agent_client.get("/api/v1/me").json()["permissions"]
    body = _matrix(admin_client)

    revoked, _ = _set(body, "users.view", "agent", False)
    response = admin_client.put(MATRIX, revoked, format="json")

    assert response.status_code == 200
    assert response.json() == revoked
    assert agent_client.get("/api/v1/users").status_code == 403
    assert agent_client.get(f"/api/v1/users/{admin.pk}").status_code == 403
    assert agent_client.get("/api/v1/teams").status_code == 403
    assert "users.view" not in agent_client.get("/api/v1/me").json()["permissions"]
    assert "users.view" in admin_client.get("/api/v1/me").json()["permissions"]

    restored = admin_client.put(MATRIX, body, format="json")

    assert restored.status_code == 200
    assert restored.json() == body
    assert agent_client.get("/api/v1/users").status_code == 200
    assert "users.view" in agent_client.get("/api/v1/me").json()["permissions"]


def test_granting_agent_audit_view_opens_the_audit_log_to_agents(
    api, admin: User, agent: User
) -> None:
    admin_client, agent_client = api(admin), api(agent)
    assert agent_client.get("/api/v1/audit-events").status_code == 403
    granted, _ = _set(_matrix(admin_client), "audit.view", "agent", True)
    assert admin_client.put(MATRIX, granted, format="json").status_code == 200
    response = agent_client.get("/api/v1/audit-events")
    assert response.status_code == 200
    assert "matrix.update" in [e["action"] for e in response.json()["results"]]
    assert "audit.view" in agent_client.get("/api/v1/me").json()["permissions"]


def test_revoking_an_admin_cell_applies_to_admins_too(api, acme, admin: User) -> None:
    client = api(admin)
    revoked, _ = _set(_matrix(client), "users.manage", "admin", False)
    assert client.put(MATRIX, revoked, format="json").status_code == 200
    response = client.post("/api/v1/users", {"email": "dave@acme.test"}, format="json")
    assert response.status_code == 403
    assert not User.objects.filter(email="dave@acme.test").exists()


def test_matrix_change_is_audited_with_the_changed_cells(api, acme, admin: User) -> None:
    client = api(admin)
    body = _matrix(client)
    changed, _ = _set(body, "users.view", "agent", False)
    changed, _ = _set(changed, "kb.edit", "requester", True)
    assert (
        client.put(MATRIX, changed, format="json", HTTP_X_REQUEST_ID="matrix-1").status_code == 200
    )
    event = AuditEvent.objects.get(action="matrix.update")
    assert event.actor_id == admin.pk
    assert event.organization_id == acme.pk
    assert event.object_type == "permission_matrix"
    assert event.object_id == str(acme.pk)
    assert event.request_id == "matrix-1"
    assert event.changes == {
        "users.view": {"agent": [True, False]},
        "kb.edit": {"requester": [False, True]},
    }
    assert set(RoleGrant.objects.values_list("codename", "role", "granted")) == {
        ("users.view", "agent", False),
        ("kb.edit", "requester", True),
    }


# --- refusals --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("codename", "role", "value"),
    [
        ("comment.view_internal", "requester", True),
        ("matrix.manage", "admin", False),
        ("ticket.view_all", "requester", True),
        ("attachment.view_internal", "requester", True),
        ("comment.create_internal", "requester", True),
    ],
)
def test_change_to_a_locked_cell_answers_400_naming_it_and_changes_nothing(
    api, admin: User, requester: User, codename: str, role: str, value: bool
) -> None:
    client = api(admin)
    body = _matrix(client)
    # A legitimate change rides along: it must not be applied either.
    changed, _ = _set(body, "kb.edit", "requester", True)
    changed, index = _set(changed, codename, role, value)

    response = client.put(MATRIX, changed, format="json")

    assert response.status_code == 400
    problem = response.json()
    assert problem["code"] == "validation_error"
    assert [(e["field"], e["code"]) for e in problem["errors"]] == [
        (f"permissions[{index}].grants.{role}", "locked")
    ]
    assert _matrix(client) == body
    assert not RoleGrant.objects.exists()
    assert not AuditEvent.objects.filter(action="matrix.update").exists()
    assert "kb.edit" not in api(requester).get("/api/v1/me").json()["permissions"]


def test_locked_cell_error_uses_the_position_in_the_submitted_list(api, admin: User) -> None:
    client = api(admin)
    body = _matrix(client)
    changed = copy.deepcopy(body)
    changed["permissions"].reverse()
    index = _row_index(changed, "comment.view_internal")
    changed["permissions"][index]["grants"]["requester"] = True
    response = client.put(MATRIX, changed, format="json")
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == [
        f"permissions[{index}].grants.requester"
    ]
    assert _matrix(client) == body


def test_several_locked_cells_are_all_named(api, admin: User) -> None:
    client = api(admin)
    body = _matrix(client)
    changed, first = _set(body, "comment.view_internal", "requester", True)
    changed, second = _set(changed, "matrix.manage", "admin", False)
    response = client.put(MATRIX, changed, format="json")
    assert response.status_code == 400
    assert sorted(e["field"] for e in response.json()["errors"]) == sorted(
        [f"permissions[{first}].grants.requester", f"permissions[{second}].grants.admin"]
    )
    assert _matrix(client) == body


def test_unknown_codename_answers_400_naming_its_row(api, admin: User) -> None:
    client = api(admin)
    body = _matrix(client)
    changed = copy.deepcopy(body)
    changed["permissions"].append(
        {
            "codename": "ticket.teleport",
            "label": "x",
            "grants": {"requester": True, "agent": True, "admin": True},
            "locked": [],
        }
    )
    changed, _ = _set(changed, "kb.edit", "requester", True)
    response = client.put(MATRIX, changed, format="json")
    assert response.status_code == 400
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [
        (f"permissions[{len(body['permissions'])}].codename", "unknown_permission")
    ]
    assert _matrix(client) == body
    assert not RoleGrant.objects.exists()


def test_duplicate_codename_answers_400_naming_the_second_row(api, admin: User) -> None:
    client = api(admin)
    body = _matrix(client)
    changed = copy.deepcopy(body)
    duplicate = copy.deepcopy(changed["permissions"][_row_index(body, "kb.edit")])
    duplicate["grants"]["requester"] = True
    changed["permissions"].append(duplicate)
    response = client.put(MATRIX, changed, format="json")
    assert response.status_code == 400
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [
        (f"permissions[{len(body['permissions'])}].codename", "duplicate")
    ]
    assert _matrix(client) == body
    assert not RoleGrant.objects.exists()


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda row: row["grants"].pop("agent"), "permissions[0].grants.agent"),
        (lambda row: row["grants"].update(owner=True), "permissions[0].grants.owner"),
        (lambda row: row["grants"].update(agent="sometimes"), "permissions[0].grants.agent"),
        (lambda row: row.update(extra=1), "permissions[0].extra"),
        (lambda row: row.pop("codename"), "permissions[0].codename"),
    ],
    ids=["missing-role", "unknown-role", "not-a-bool", "unknown-key", "no-codename"],
)
def test_malformed_row_answers_400_naming_the_field(api, admin: User, mutate, field: str) -> None:
    client = api(admin)
    body = _matrix(client)
    changed = copy.deepcopy(body)
    mutate(changed["permissions"][0])
    response = client.put(MATRIX, changed, format="json")
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert _matrix(client) == body


@pytest.mark.parametrize("persona", ["agent", "requester"])
def test_non_admin_put_answers_403_and_changes_nothing(
    api, request, admin: User, persona: str
) -> None:
    body = _matrix(api(admin))
    escalated, _ = _set(body, "users.manage", persona, True)
    response = api(request.getfixturevalue(persona)).put(MATRIX, escalated, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert _matrix(api(admin)) == body
    assert not RoleGrant.objects.exists()


def test_matrix_of_another_organization_is_independent(
    api, globex, admin: User, agent: User, outsider: User
) -> None:
    globex_agent = factories.user(globex, "agent", email="agent@globex.test")
    acme_client, globex_client = api(admin), api(outsider)
    globex_before = _matrix(globex_client)
    revoked, _ = _set(_matrix(acme_client), "users.view", "agent", False)
    assert acme_client.put(MATRIX, revoked, format="json").status_code == 200

    assert _matrix(globex_client) == globex_before
    assert api(globex_agent).get("/api/v1/users").status_code == 200
    assert api(agent).get("/api/v1/users").status_code == 403

    granted, _ = _set(globex_before, "audit.view", "agent", True)
    assert globex_client.put(MATRIX, granted, format="json").status_code == 200
    assert _grants(_matrix(acme_client))["audit.view"]["agent"] is False
    assert _grants(_matrix(acme_client))["users.view"]["agent"] is False
    assert api(agent).get("/api/v1/audit-events").status_code == 403
