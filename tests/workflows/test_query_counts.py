"""The ticket list costs the same number of queries for 1 ticket as for 30."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories
from workflows import services


def _count(client, path: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return len(captured.captured_queries), len(response.json()["results"])


def _ticket(n: int, agent, team, category) -> None:
    services.ticket_create(
        actor=agent,
        title=f"Ticket {n}",
        category_id=category.pk,
        tags=[f"tag{n}", "shared"],
        assignee_id=agent.pk,
        team_id=team.pk,
    )


def test_ticket_list_query_count_does_not_grow_with_rows(
    api, acme, admin, agent, requester
) -> None:
    team = factories.team(acme, "Support", agent)
    category = services.category_create(actor=admin, name="Hardware")
    _ticket(0, agent, team, category)
    for user in (agent, requester):
        services.comment_create(
            actor=user, ticket=services.ticket_create(actor=requester, title="Own"), body="hi"
        )
    client = api(agent)
    client.get("/api/v1/tickets")  # warm the grants cache and the token's last-use stamp
    one_queries, one_rows = _count(
        client, f"/api/v1/tickets?page_size=100&status=new&team={team.pk}"
    )
    for n in range(1, 30):
        _ticket(n, agent, team, category)
    many_queries, many_rows = _count(
        client, f"/api/v1/tickets?page_size=100&status=new&team={team.pk}"
    )
    assert (one_rows, many_rows) == (1, 30)
    assert many_queries == one_queries


def test_requester_ticket_list_query_count_does_not_grow_with_rows(api, requester) -> None:
    services.ticket_create(actor=requester, title="First")
    client = api(requester)
    client.get("/api/v1/tickets")
    one_queries, one_rows = _count(client, "/api/v1/tickets?page_size=100")
    for n in range(29):
        services.ticket_create(actor=requester, title=f"Ticket {n}")
    many_queries, many_rows = _count(client, "/api/v1/tickets?page_size=100")
    assert (one_rows, many_rows) == (1, 30)
    assert many_queries == one_queries
