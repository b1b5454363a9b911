"""Another organization's users and teams answer 404 on every route, and never show up in lists."""

from __future__ import annotations

from typing import Any

import pytest

from ruledesk import errors
from ruledesk.tenancy import services as tenancy
from ruledesk.tenancy.models import Role, Team, TeamMembership, User
from tests import factories


@pytest.fixture
def acme_team(acme, agent: User) -> Team:
    return factories.team(acme, "Support", agent)


def _user_state() -> list[tuple[Any, ...]]:
    return list(
        User.objects.order_by("pk").values_list(
            "pk", "email", "name", "role", "is_active", "deleted_at"
        )
    )


def _team_state() -> list[tuple[Any, ...]]:
    teams = list(Team.objects.order_by("pk").values_list("pk", "name", "escalation_team_id"))
    members = list(TeamMembership.objects.order_by("pk").values_list("team_id", "user_id"))
    return [*teams, *members]


@pytest.mark.parametrize(
    ("method", "body"),
    [
        ("get", None),
        ("patch", {"name": "Pwned"}),
        ("patch", {"role": "requester"}),
        ("patch", {"is_active": False}),
        ("delete", None),
    ],
)
@pytest.mark.parametrize("persona", ["admin", "agent", "requester"])
def test_outsider_gets_404_for_every_acme_user(
    api, outsider: User, acme_team: Team, request, method: str, body, persona: str
) -> None:
    target = request.getfixturevalue(persona)
    before = _user_state()
    response = getattr(api(outsider), method)(f"/api/v1/users/{target.pk}", body, format="json")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert _user_state() == before


@pytest.mark.parametrize(
    ("method", "body"),
    [
        ("get", None),
        ("patch", {"name": "Pwned"}),
        ("patch", {"escalation_team": None}),
        ("delete", None),
    ],
)
def test_outsider_gets_404_for_an_acme_team(
    api, outsider: User, acme_team: Team, method: str, body
) -> None:
    before = _team_state()
    response = getattr(api(outsider), method)(f"/api/v1/teams/{acme_team.pk}", body, format="json")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert _team_state() == before


@pytest.mark.parametrize("method", ["post", "delete"])
def test_outsider_gets_404_on_acme_team_member_routes(
    api, globex, outsider: User, agent: User, acme_team: Team, method: str
) -> None:
    own_team = factories.team(globex, "Globex Support")
    own_agent = factories.user(globex, Role.AGENT, email="agent@globex.test")
    client = api(outsider)
    before = _team_state()
    for path in (
        f"/api/v1/teams/{acme_team.pk}/members/{agent.pk}",  # their team, their user
        f"/api/v1/teams/{acme_team.pk}/members/{own_agent.pk}",  # their team, our user
        f"/api/v1/teams/{own_team.pk}/members/{agent.pk}",  # our team, their user
    ):
        response = getattr(client, method)(path)
        assert response.status_code == 404, path
        assert response.json()["code"] == "not_found"
    assert _team_state() == before


def test_outsider_escalation_to_an_acme_team_is_refused(
    api, globex, outsider: User, acme_team: Team
) -> None:
    own_team = factories.team(globex, "Globex Support")
    client = api(outsider)
    created = client.post(
        "/api/v1/teams", {"name": "X", "escalation_team": acme_team.pk}, format="json"
    )
    assert created.status_code == 400
    patched = client.patch(
        f"/api/v1/teams/{own_team.pk}", {"escalation_team": acme_team.pk}, format="json"
    )
    assert patched.status_code == 400
    assert Team.objects.get(pk=own_team.pk).escalation_team_id is None
    assert not Team.objects.filter(name="X").exists()


def test_outsider_lists_contain_no_acme_rows(
    api, globex, outsider: User, admin: User, agent: User, requester: User, acme_team: Team
) -> None:
    own_agent = factories.user(globex, Role.AGENT, email="agent@globex.test")
    own_team = factories.team(globex, "Globex Support", own_agent)
    client = api(outsider)
    for query in ("", "?q=acme", "?role=agent", "?q=Bob", "?page_size=100"):
        users = client.get(f"/api/v1/users{query}").json()["results"]
        assert {u["id"] for u in users} <= {outsider.pk, own_agent.pk}, query
    assert [u["id"] for u in client.get("/api/v1/users").json()["results"]] == [
        outsider.pk,
        own_agent.pk,
    ]
    teams = client.get("/api/v1/teams?page_size=100").json()["results"]
    assert [t["id"] for t in teams] == [own_team.pk]


def test_acme_lists_contain_no_globex_rows(api, globex, admin: User, outsider: User) -> None:
    factories.team(globex, "Globex Support")
    client = api(admin)
    assert [u["id"] for u in client.get("/api/v1/users").json()["results"]] == [admin.pk]
    assert client.get("/api/v1/teams").json()["results"] == []


def test_outsider_cannot_create_a_user_in_acme_by_naming_it(api, acme, outsider: User) -> None:
    response = api(outsider).post(
        "/api/v1/users", {"email": "mole@acme.test", "organization": acme.pk}, format="json"
    )
    assert response.status_code == 400
    assert not User.objects.filter(email="mole@acme.test").exists()


def test_service_refuses_actor_from_another_organization_as_not_found(
    acme, admin: User, agent: User, outsider: User, acme_team: Team
) -> None:
    with pytest.raises(errors.NotFound):
        tenancy.user_update(actor=outsider, user=agent, role=Role.ADMIN)
    with pytest.raises(errors.NotFound):
        tenancy.user_delete(actor=outsider, user=agent)
    with pytest.raises(errors.NotFound):
        tenancy.user_create(actor=outsider, organization=acme, email="mole@acme.test")
    with pytest.raises(errors.NotFound):
        tenancy.team_update(actor=outsider, team=acme_team, name="Pwned")
    with pytest.raises(errors.NotFound):
        tenancy.team_delete(actor=outsider, team=acme_team)
    with pytest.raises(errors.NotFound):
        tenancy.team_member_remove(actor=outsider, team=acme_team, user=agent)
    fresh = User.objects.get(pk=agent.pk)
    assert (fresh.role, fresh.deleted_at) == (Role.AGENT, None)
    assert Team.objects.get(pk=acme_team.pk).name == "Support"
    assert acme_team.memberships.count() == 1
    assert not User.objects.filter(email="mole@acme.test").exists()
