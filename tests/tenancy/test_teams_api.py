"""/api/v1/teams and team membership."""

from __future__ import annotations

from typing import Any

import pytest

from ruledesk.audit.models import AuditEvent
from ruledesk.tenancy.models import Role, Team, TeamMembership, User
from tests import factories


def _fields(response) -> list[str]:
    return [error["field"] for error in response.json()["errors"]]


def _snapshot(team: Team) -> tuple[Any, ...]:
    fresh = Team.objects.get(pk=team.pk)
    members = sorted(TeamMembership.objects.filter(team=fresh).values_list("user_id", flat=True))
    return (fresh.name, fresh.escalation_team_id, members)


# --- create ----------------------------------------------------------------------------


def test_admin_creates_a_team(api, acme, admin: User) -> None:
    response = api(admin).post("/api/v1/teams", {"name": "Support"}, format="json")
    assert response.status_code == 201
    team = Team.objects.get(name="Support")
    assert team.organization_id == acme.pk
    assert response.json() == {
        "id": team.pk,
        "name": "Support",
        "escalation_team": None,
        "members": [],
    }
    event = AuditEvent.objects.get(action="team.create", object_id=str(team.pk))
    assert (event.actor_id, event.organization_id, event.changes) == (
        admin.pk,
        acme.pk,
        {"name": "Support"},
    )


def test_admin_creates_a_team_with_an_escalation_team(api, acme, admin: User) -> None:
    tier2 = factories.team(acme, "Tier 2")
    response = api(admin).post(
        "/api/v1/teams", {"name": "Tier 1", "escalation_team": tier2.pk}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["escalation_team"] == {"id": tier2.pk, "name": "Tier 2"}
    assert Team.objects.get(name="Tier 1").escalation_team_id == tier2.pk


@pytest.mark.parametrize("name", ["Support", "support", "SUPPORT"])
def test_duplicate_team_name_in_any_case_answers_409(api, acme, admin: User, name: str) -> None:
    factories.team(acme, "Support")
    response = api(admin).post("/api/v1/teams", {"name": name}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert Team.objects.filter(organization=acme).count() == 1


def test_same_team_name_in_another_organization_is_allowed(api, globex, admin: User) -> None:
    factories.team(globex, "Support")
    assert api(admin).post("/api/v1/teams", {"name": "Support"}, format="json").status_code == 201


def test_escalation_team_of_another_organization_answers_400(
    api, acme, globex, admin: User
) -> None:
    foreign = factories.team(globex, "Their Team")
    response = api(admin).post(
        "/api/v1/teams", {"name": "Ours", "escalation_team": foreign.pk}, format="json"
    )
    assert response.status_code == 400
    assert _fields(response) == ["escalation_team"]
    assert not Team.objects.filter(organization=acme).exists()
    assert "Their Team" not in response.content.decode()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"name": "A", "escalation_team": "abc"}, "escalation_team"),
        ({"name": "A", "escalation_team": -1}, "escalation_team"),
        ({"name": "A", "escalation_team": 999999999}, "escalation_team"),
        ({"name": "A", "organization": 1}, "organization"),
        ({"name": "A", "members": []}, "members"),
    ],
)
def test_invalid_team_body_answers_400_naming_the_field(
    api, acme, admin: User, body: dict[str, Any], field: str
) -> None:
    response = api(admin).post("/api/v1/teams", body, format="json")
    assert response.status_code == 400
    assert _fields(response) == [field]
    assert not Team.objects.filter(organization=acme).exists()


# --- read ------------------------------------------------------------------------------


def test_team_detail_lists_members_and_escalation_team(api, acme, admin: User, agent: User) -> None:
    tier2 = factories.team(acme, "Tier 2")
    zed = factories.user(acme, Role.AGENT, email="zed@acme.test", name="Zed Agent")
    team = factories.team(acme, "Tier 1", zed, agent, admin)
    admin_client = api(admin)
    admin_client.patch(f"/api/v1/teams/{team.pk}", {"escalation_team": tier2.pk}, format="json")

    response = api(agent).get(f"/api/v1/teams/{team.pk}")

    assert response.status_code == 200
    assert response.json() == {
        "id": team.pk,
        "name": "Tier 1",
        "escalation_team": {"id": tier2.pk, "name": "Tier 2"},
        "members": [
            {"id": admin.pk, "name": "Alice Admin", "email": "admin@acme.test"},
            {"id": agent.pk, "name": "Bob Agent", "email": "agent@acme.test"},
            {"id": zed.pk, "name": "Zed Agent", "email": "zed@acme.test"},
        ],
    }


def test_team_list_shows_the_organization_teams(api, acme, globex, agent: User) -> None:
    first = factories.team(acme, "Support", agent)
    second = factories.team(acme, "Escalations")
    factories.team(globex, "Globex Support")
    response = api(agent).get("/api/v1/teams")
    assert response.status_code == 200
    assert response.json()["results"] == [
        {"id": first.pk, "name": "Support", "escalation_team": None},
        {"id": second.pk, "name": "Escalations", "escalation_team": None},
    ]


@pytest.mark.parametrize("path", ["/api/v1/teams", "/api/v1/teams/{team}"])
def test_requester_cannot_read_teams(api, acme, requester: User, path: str) -> None:
    team = factories.team(acme, "Support")
    response = api(requester).get(path.format(team=team.pk))
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


# --- update and delete -----------------------------------------------------------------


def test_admin_renames_a_team_and_the_change_is_audited(api, acme, admin: User) -> None:
    team = factories.team(acme, "Support")
    response = api(admin).patch(f"/api/v1/teams/{team.pk}", {"name": "Helpdesk"}, format="json")
    assert response.status_code == 200
    assert response.json() == {
        "id": team.pk,
        "name": "Helpdesk",
        "escalation_team": None,
        "members": [],
    }
    assert Team.objects.get(pk=team.pk).name == "Helpdesk"
    event = AuditEvent.objects.get(action="team.update")
    assert event.changes == {"name": ["Support", "Helpdesk"]}
    assert event.actor_id == admin.pk


def test_renaming_to_another_team_name_in_other_case_answers_409(api, acme, admin: User) -> None:
    factories.team(acme, "Support")
    team = factories.team(acme, "Billing")
    response = api(admin).patch(f"/api/v1/teams/{team.pk}", {"name": "SUPPORT"}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert Team.objects.get(pk=team.pk).name == "Billing"


def test_renaming_a_team_to_a_new_case_of_its_own_name_works(api, acme, admin: User) -> None:
    team = factories.team(acme, "Support")
    response = api(admin).patch(f"/api/v1/teams/{team.pk}", {"name": "SUPPORT"}, format="json")
    assert response.status_code == 200
    assert Team.objects.get(pk=team.pk).name == "SUPPORT"


def test_team_cannot_escalate_to_itself(api, acme, admin: User) -> None:
    team = factories.team(acme, "Support")
    before = _snapshot(team)
    response = api(admin).patch(
        f"/api/v1/teams/{team.pk}", {"escalation_team": team.pk}, format="json"
    )
    assert response.status_code == 400
    assert _fields(response) == ["escalation_team"]
    assert _snapshot(team) == before


def test_patch_escalation_to_another_organization_team_answers_400(
    api, acme, globex, admin: User
) -> None:
    team = factories.team(acme, "Support")
    foreign = factories.team(globex, "Theirs")
    before = _snapshot(team)
    response = api(admin).patch(
        f"/api/v1/teams/{team.pk}",
        {"name": "Renamed", "escalation_team": foreign.pk},
        format="json",
    )
    assert response.status_code == 400
    assert _fields(response) == ["escalation_team"]
    assert _snapshot(team) == before


def test_escalation_team_is_set_and_cleared(api, acme, admin: User) -> None:
    team = factories.team(acme, "Support")
    tier2 = factories.team(acme, "Tier 2")
    client = api(admin)
    set_it = client.patch(f"/api/v1/teams/{team.pk}", {"escalation_team": tier2.pk}, format="json")
    assert set_it.status_code == 200
    assert set_it.json()["escalation_team"] == {"id": tier2.pk, "name": "Tier 2"}
    cleared = client.patch(f"/api/v1/teams/{team.pk}", {"escalation_team": None}, format="json")
    assert cleared.status_code == 200
    assert cleared.json()["escalation_team"] is None
    assert Team.objects.get(pk=team.pk).escalation_team_id is None


def test_admin_deletes_a_team(api, acme, admin: User, agent: User) -> None:
    team = factories.team(acme, "Support", agent)
    client = api(admin)
    response = client.delete(f"/api/v1/teams/{team.pk}")
    assert response.status_code == 204
    assert not Team.objects.filter(pk=team.pk).exists()
    assert not TeamMembership.objects.filter(team_id=team.pk).exists()
    assert User.objects.filter(pk=agent.pk).exists()
    assert client.get(f"/api/v1/teams/{team.pk}").status_code == 404
    assert AuditEvent.objects.filter(action="team.delete", object_id=str(team.pk)).count() == 1


def test_deleting_an_escalation_team_clears_the_reference(api, acme, admin: User) -> None:
    tier2 = factories.team(acme, "Tier 2")
    team = factories.team(acme, "Tier 1")
    client = api(admin)
    client.patch(f"/api/v1/teams/{team.pk}", {"escalation_team": tier2.pk}, format="json")
    assert client.delete(f"/api/v1/teams/{tier2.pk}").status_code == 204
    assert client.get(f"/api/v1/teams/{team.pk}").json()["escalation_team"] is None


# --- members ---------------------------------------------------------------------------


def test_admin_adds_and_removes_a_member(api, acme, admin: User, agent: User) -> None:
    team = factories.team(acme, "Support")
    client = api(admin)
    added = client.post(f"/api/v1/teams/{team.pk}/members/{agent.pk}")
    assert added.status_code == 204
    assert added.content == b""
    assert list(team.memberships.values_list("user_id", flat=True)) == [agent.pk]
    assert client.get(f"/api/v1/users/{agent.pk}").json()["teams"] == [
        {"id": team.pk, "name": "Support"}
    ]
    again = client.post(f"/api/v1/teams/{team.pk}/members/{agent.pk}")
    assert again.status_code == 204
    assert team.memberships.count() == 1
    assert AuditEvent.objects.filter(action="team.member_add").count() == 1

    removed = client.delete(f"/api/v1/teams/{team.pk}/members/{agent.pk}")
    assert removed.status_code == 204
    assert team.memberships.count() == 0
    assert AuditEvent.objects.get(action="team.member_remove").changes == {"user": agent.pk}


def test_removing_a_non_member_answers_404(api, acme, admin: User, agent: User) -> None:
    team = factories.team(acme, "Support")
    response = api(admin).delete(f"/api/v1/teams/{team.pk}/members/{agent.pk}")
    assert response.status_code == 404


def test_adding_a_requester_to_a_team_answers_400(api, acme, admin: User, requester: User) -> None:
    team = factories.team(acme, "Support")
    response = api(admin).post(f"/api/v1/teams/{team.pk}/members/{requester.pk}")
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert _fields(response) == ["user"]
    assert team.memberships.count() == 0


def test_adding_a_user_of_another_organization_answers_404(
    api, acme, admin: User, outsider: User
) -> None:
    team = factories.team(acme, "Support")
    response = api(admin).post(f"/api/v1/teams/{team.pk}/members/{outsider.pk}")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert team.memberships.count() == 0


def test_adding_a_deleted_user_answers_404(api, acme, admin: User, agent: User) -> None:
    team = factories.team(acme, "Support")
    client = api(admin)
    client.delete(f"/api/v1/users/{agent.pk}")
    assert client.post(f"/api/v1/teams/{team.pk}/members/{agent.pk}").status_code == 404
    assert team.memberships.count() == 0


# --- agents read, never write ----------------------------------------------------------


def test_agent_reads_teams(api, acme, agent: User) -> None:
    team = factories.team(acme, "Support", agent)
    client = api(agent)
    assert client.get("/api/v1/teams").status_code == 200
    assert client.get(f"/api/v1/teams/{team.pk}").status_code == 200


def test_agent_cannot_create_a_team(api, acme, agent: User) -> None:
    response = api(agent).post("/api/v1/teams", {"name": "Mine"}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert not Team.objects.filter(organization=acme).exists()


def test_agent_cannot_change_delete_or_staff_a_team(api, acme, agent: User) -> None:
    other = factories.user(acme, Role.AGENT, email="other@acme.test")
    team = factories.team(acme, "Support", other)
    client = api(agent)
    before = _snapshot(team)
    assert client.patch(f"/api/v1/teams/{team.pk}", {"name": "X"}, format="json").status_code == 403
    assert client.delete(f"/api/v1/teams/{team.pk}").status_code == 403
    assert client.post(f"/api/v1/teams/{team.pk}/members/{agent.pk}").status_code == 403
    assert client.delete(f"/api/v1/teams/{team.pk}/members/{other.pk}").status_code == 403
    assert _snapshot(team) == before


def test_requester_cannot_write_teams(api, acme, requester: User, agent: User) -> None:
    team = factories.team(acme, "Support")
    client = api(requester)
    before = _snapshot(team)
    assert client.post("/api/v1/teams", {"name": "Mine"}, format="json").status_code == 403
    assert client.patch(f"/api/v1/teams/{team.pk}", {"name": "X"}, format="json").status_code == 403
    assert client.delete(f"/api/v1/teams/{team.pk}").status_code == 403
    assert client.post(f"/api/v1/teams/{team.pk}/members/{agent.pk}").status_code == 403
    assert _snapshot(team) == before
    assert Team.objects.filter(organization=acme).count() == 1
