"""Every workflow list costs the same number of queries for 1 row as for 30."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from ruledesk.tenancy.models import Role
from tests import factories
from tests.queries import list_queries
from workflows import services
from workflows.models import ReopenApproval
from workflows.services import saved_views


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


# --- the other workflow lists: comments, reopen approvals, categories, tags, saved views ------


def test_comment_list_query_count_does_not_grow_with_rows(
    api, admin, agent, requester, settings
) -> None:
    settings.RULEDESK_RATE_COMMENTS_PER_10S = 100
    ticket = services.ticket_create(actor=requester, title="Printer jams")
    mentions = f"@{agent.email} @{requester.email}"
    services.comment_create(actor=agent, ticket=ticket, body=f"Looking. {mentions}")
    client = api(agent)
    path = f"/api/v1/tickets/{ticket.pk}/comments?page_size=100"
    client.get(path)  # warm the grants cache and the token's last-use stamp
    one_queries, one_rows = list_queries(client, path)
    for n in range(29):
        author, visibility = [(requester, "public"), (admin, "internal")][n % 2]
        services.comment_create(
            actor=author, ticket=ticket, body=f"Note {n} {mentions}", visibility=visibility
        )
    many_queries, many_rows = list_queries(client, path)
    assert (one_rows, many_rows) == (1, 30)
    assert many_queries == one_queries


def test_reopen_approval_list_query_count_does_not_grow_with_rows(
    api, admin, requester, ticket_in, settings
) -> None:
    settings.RULEDESK_REOPEN_COOLDOWN_SECONDS = 0
    ticket = ticket_in("resolved", priority="high")

    def request_and_reject() -> None:
        approval = services.ticket_transition(
            actor=requester, ticket=ticket, name="reopen", reason="Still broken"
        )
        assert isinstance(approval, ReopenApproval)
        services.reopen_approval_decide(actor=admin, approval=approval, approve=False)

    request_and_reject()
    client = api(admin)
    path = f"/api/v1/tickets/{ticket.pk}/reopen-approvals?page_size=50"
    client.get(path)
    one_queries, one_rows = list_queries(client, path)
    for _ in range(29):
        request_and_reject()
    many_queries, many_rows = list_queries(client, path)
    assert (one_rows, many_rows) == (1, 30)
    assert many_queries == one_queries


def test_category_list_query_count_does_not_grow_with_rows(api, acme, admin, agent) -> None:
    team = factories.team(acme, "Support", agent)
    root = services.category_create(actor=admin, name="Hardware", default_team_id=team.pk)
    client = api(agent)
    client.get("/api/v1/categories")
    one_queries, one_rows = list_queries(client, "/api/v1/categories?page_size=100")
    for n in range(29):
        services.category_create(
            actor=admin, name=f"Printer {n}", parent_id=root.pk, default_team_id=team.pk
        )
    many_queries, many_rows = list_queries(client, "/api/v1/categories?page_size=100")
    assert (one_rows, many_rows) == (1, 30)
    assert many_queries == one_queries


def test_tag_list_query_count_does_not_grow_with_rows(api, admin, agent) -> None:
    services.tag_create(actor=admin, name="vip")
    client = api(agent)
    client.get("/api/v1/tags")
    one_queries, one_rows = list_queries(client, "/api/v1/tags?page_size=100")
    for n in range(29):
        services.tag_create(actor=admin, name=f"tag{n}")
    many_queries, many_rows = list_queries(client, "/api/v1/tags?page_size=100")
    assert (one_rows, many_rows) == (1, 30)
    assert many_queries == one_queries


def test_saved_view_list_query_count_does_not_grow_with_rows(api, acme, admin, agent) -> None:
    colleague = factories.user(acme, Role.AGENT, email="colleague@acme.test")
    team = factories.team(acme, "Support", agent, colleague)
    saved_views.saved_view_create(actor=agent, name="Mine", filters={})
    client = api(agent)
    client.get("/api/v1/saved-views")
    one_queries, one_rows = list_queries(client, "/api/v1/saved-views?page_size=100")
    for n in range(29):
        # Half the agent's own, half a colleague's shared with their team: owners and teams vary.
        owner = [agent, colleague][n % 2]
        saved_views.saved_view_create(
            actor=owner, name=f"View {n}", filters={}, shared_with_team_id=team.pk
        )
    many_queries, many_rows = list_queries(client, "/api/v1/saved-views?page_size=100")
    assert (one_rows, many_rows) == (1, 30)
    assert many_queries == one_queries
