"""Saved views: private by default, shareable with the owner's team, editable by the owner only."""

from __future__ import annotations

from typing import Any

import pytest

from ruledesk.tenancy.models import Organization, Role, User
from tests import factories
from tests.api.problems import assert_problem, field_errors
from workflows.models import SavedView


@pytest.fixture
def colleague(acme: Organization) -> User:
    return factories.user(acme, Role.AGENT, email="colleague@acme.test", name="Cole League")


@pytest.fixture
def support(acme: Organization, agent: User, colleague: User):
    return factories.team(acme, "Support", agent, colleague)


def _create(client: Any, **body: Any) -> Any:
    return client.post("/api/v1/saved-views", {"name": "Mine", **body}, format="json")


def test_owner_creates_reads_updates_and_deletes_a_view(api, agent) -> None:
    client = api(agent)
    created = _create(client, filters={"status": "open", "assignee": "me"})
    assert created.status_code == 201
    body = created.json()
    assert body == {
        "id": body["id"],
        "name": "Mine",
        "filters": {"status": "open", "assignee": "me"},
        "columns": [],
        "shared_with_team": None,
        "owner": {"id": agent.pk, "name": agent.name, "email": agent.email},
        "created_at": body["created_at"],
    }
    url = f"/api/v1/saved-views/{body['id']}"
    assert client.get(url).json() == body
    assert [v["id"] for v in client.get("/api/v1/saved-views").json()["results"]] == [body["id"]]
    patched = client.patch(
        url, {"name": "Urgent", "filters": {"priority": "critical"}}, format="json"
    )
    assert patched.status_code == 200
    assert (patched.json()["name"], patched.json()["filters"]) == (
        "Urgent",
        {"priority": "critical"},
    )
    assert client.delete(url).status_code == 204
    assert not SavedView.objects.exists()


def test_requester_keeps_private_views(api, requester) -> None:
    response = _create(api(requester), filters={"status": "resolved"})
    assert response.status_code == 201
    assert SavedView.objects.get().owner_id == requester.pk


@pytest.mark.parametrize(
    ("filters", "field"),
    [
        ({"colour": "red"}, "filters.colour"),
        ({"status": "bogus"}, "filters.status"),
        ({"priority": "urgent"}, "filters.priority"),
        ({"assignee": "someone"}, "filters.assignee"),
        ({"created_after": "yesterday"}, "filters.created_after"),
        ({"ordering": "title"}, "filters.ordering"),
        ({"sla": "late"}, "filters.sla"),
        ({"status": ["open"]}, "filters.status"),
        ({"q": "x" * 201}, "filters.q"),
    ],
)
def test_invalid_filters_are_400(api, agent, filters: dict[str, Any], field: str) -> None:
    response = _create(api(agent), filters=filters)
    assert field in field_errors(assert_problem(response, 400, "validation_error"))
    assert not SavedView.objects.exists()


def test_view_can_be_shared_only_with_a_team_of_the_owner(
    api, acme, agent, support, outsider, globex
) -> None:
    elsewhere = factories.team(acme, "Escalations")
    foreign = factories.team(globex, "Globex Ops", outsider)
    client = api(agent)
    shared = _create(client, shared_with_team=support.pk)
    assert shared.status_code == 201
    assert shared.json()["shared_with_team"] == {"id": support.pk, "name": "Support"}
    not_member = _create(client, shared_with_team=elsewhere.pk)
    assert field_errors(assert_problem(not_member, 400, "validation_error")) == {
        "shared_with_team": "not_a_member"
    }
    other_org = _create(client, shared_with_team=foreign.pk)
    assert field_errors(assert_problem(other_org, 400, "validation_error")) == {
        "shared_with_team": "does_not_exist"
    }
    assert "Globex" not in other_org.content.decode()
    assert SavedView.objects.count() == 1


def test_shared_view_is_visible_to_team_members_but_editable_by_owner_only(
    api, admin, agent, colleague, support
) -> None:
    view_id = _create(api(agent), name="Team queue", shared_with_team=support.pk).json()["id"]
    url = f"/api/v1/saved-views/{view_id}"
    client = api(colleague)
    assert client.get(url).json()["name"] == "Team queue"
    assert [v["id"] for v in client.get("/api/v1/saved-views").json()["results"]] == [view_id]
    assert_problem(client.patch(url, {"name": "Hijacked"}, format="json"), 403, "permission_denied")
    assert_problem(client.delete(url), 403, "permission_denied")
    view = SavedView.objects.get(pk=view_id)
    assert (view.name, view.shared_with_team_id) == ("Team queue", support.pk)
    # Not a member (even an admin): invisible.
    assert_problem(api(admin).get(url), 404, "not_found")
    assert_problem(api(admin).patch(url, {"name": "x"}, format="json"), 404, "not_found")
    assert api(admin).get("/api/v1/saved-views").json()["results"] == []


def test_private_view_is_invisible_to_everyone_else(api, admin, agent, colleague, support) -> None:
    view_id = _create(api(agent), name="Private").json()["id"]
    for user in (colleague, admin):
        assert_problem(api(user).get(f"/api/v1/saved-views/{view_id}"), 404, "not_found")
        assert_problem(api(user).delete(f"/api/v1/saved-views/{view_id}"), 404, "not_found")
        assert api(user).get("/api/v1/saved-views").json()["results"] == []
    assert SavedView.objects.filter(pk=view_id).exists()


def test_owner_unshares_a_view(api, agent, colleague, support) -> None:
    view_id = _create(api(agent), shared_with_team=support.pk).json()["id"]
    url = f"/api/v1/saved-views/{view_id}"
    assert (
        api(agent).patch(url, {"shared_with_team": None}, format="json").json()["shared_with_team"]
        is None
    )
    assert_problem(api(colleague).get(url), 404, "not_found")


def test_a_view_stores_the_list_columns_in_order(api, agent) -> None:
    client = api(agent)
    body = _create(client, columns=["title", "sla", "priority"]).json()
    assert body["columns"] == ["title", "sla", "priority"]
    patched = client.patch(
        f"/api/v1/saved-views/{body['id']}", {"columns": ["number", "title"]}, format="json"
    )
    assert patched.json()["columns"] == ["number", "title"]
    for bad in (["colour"], ["title", "title"], ["sla"]):
        refused = client.patch(f"/api/v1/saved-views/{body['id']}", {"columns": bad}, format="json")
        assert refused.status_code == 400
        assert any(f.startswith("columns") for f in field_errors(refused.json()))
    assert SavedView.objects.get(pk=body["id"]).columns == ["number", "title"]
