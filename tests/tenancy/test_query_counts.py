"""List endpoints cost the same number of queries for 1 row as for 30."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from ruledesk.tenancy.models import Role, User
from tests import factories


def _count_queries(client, path: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return len(captured.captured_queries), len(response.json()["results"])


def test_user_list_query_count_does_not_grow_with_rows(api, acme, admin: User) -> None:
    factories.team(acme, "Support", admin)
    client = api(admin)
    client.get("/api/v1/users")  # warm the grants cache and the token's last-use stamp
    one_queries, one_rows = _count_queries(client, "/api/v1/users?page_size=100")
    for n in range(29):
        user = factories.user(acme, Role.AGENT, email=f"agent{n}@acme.test")
        factories.team(acme, f"Team {n}", user)
    many_queries, many_rows = _count_queries(client, "/api/v1/users?page_size=100")
    assert (one_rows, many_rows) == (1, 30)
    assert many_queries == one_queries


def test_team_list_query_count_does_not_grow_with_rows(api, acme, admin: User) -> None:
    first = factories.team(acme, "Team first")
    client = api(admin)
    client.get("/api/v1/teams")
    one_queries, one_rows = _count_queries(client, "/api/v1/teams?page_size=100")
    for n in range(29):
        team = factories.team(acme, f"Team {n}", admin)
        client.patch(f"/api/v1/teams/{team.pk}", {"escalation_team": first.pk}, format="json")
    many_queries, many_rows = _count_queries(client, "/api/v1/teams?page_size=100")
    assert (one_rows, many_rows) == (1, 30)
    assert many_queries == one_queries


def test_team_detail_query_count_does_not_grow_with_members(api, acme, admin: User) -> None:
    team = factories.team(acme, "Support", admin)
    client = api(admin)
    client.get(f"/api/v1/teams/{team.pk}")
    with CaptureQueriesContext(connection) as one:
        assert len(client.get(f"/api/v1/teams/{team.pk}").json()["members"]) == 1
    for n in range(29):
        member = factories.user(acme, Role.AGENT, email=f"agent{n}@acme.test")
        client.post(f"/api/v1/teams/{team.pk}/members/{member.pk}")
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(f"/api/v1/teams/{team.pk}").json()["members"]) == 30
    assert len(many.captured_queries) == len(one.captured_queries)
