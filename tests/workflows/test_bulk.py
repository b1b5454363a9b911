"""Bulk ticket actions: permission for the call, per-item results, an audit event per change."""

from __future__ import annotations

from ruledesk.audit.models import AuditEvent
from tests.api.problems import PROBLEM_KEYS, assert_problem, field_errors
from tests.workflows.conftest import fresh, make_ticket
from workflows.models import Tag


def test_requester_without_bulk_permission_is_refused_outright(api, requester) -> None:
    ticket = make_ticket(requester)
    response = api(requester).post(
        "/api/v1/tickets/bulk",
        {"ids": [ticket.pk], "action": "set_priority", "priority": "critical"},
        format="json",
    )
    assert_problem(response, 403, "permission_denied")
    assert fresh(ticket).priority == "medium"
    assert not AuditEvent.objects.filter(action__startswith="ticket.bulk").exists()


def test_bulk_reports_each_item_and_never_touches_another_organization(
    api, agent, requester, outsider
) -> None:
    mine = [make_ticket(requester), make_ticket(requester)]
    theirs = make_ticket(outsider, title="Globex secret")
    ids = [mine[0].pk, theirs.pk, mine[1].pk, 10**9]
    response = api(agent).post(
        "/api/v1/tickets/bulk",
        {"ids": ids, "action": "set_priority", "priority": "high"},
        format="json",
    )
    assert response.status_code == 200
    results = response.json()["results"]
    assert [(r["id"], r["ok"]) for r in results] == [
        (mine[0].pk, True),
        (theirs.pk, False),
        (mine[1].pk, True),
        (10**9, False),
    ]
    assert "error" not in results[0]
    for failed in (results[1], results[3]):
        assert set(failed["error"]) >= PROBLEM_KEYS - {"request_id"}
        assert (failed["error"]["status"], failed["error"]["code"]) == (404, "not_found")
    assert "Globex" not in response.content.decode()
    assert [fresh(t).priority for t in mine] == ["high", "high"]
    assert fresh(theirs).priority == "medium"
    audited = AuditEvent.objects.filter(action="ticket.bulk.set_priority")
    assert sorted(int(e.object_id) for e in audited) == sorted(t.pk for t in mine)
    assert {e.actor_id for e in audited} == {agent.pk}
    first = audited.first()
    assert first is not None and first.changes == {"priority": "high"}


def test_bulk_transition_fails_per_item_where_not_allowed(
    api, agent, admin, requester, ticket_in
) -> None:
    fresh_one = ticket_in("new")
    closed = ticket_in("closed")
    response = api(agent).post(
        "/api/v1/tickets/bulk",
        {"ids": [fresh_one.pk, closed.pk], "action": "transition", "name": "resolve"},
        format="json",
    )
    results = response.json()["results"]
    assert [(r["id"], r["ok"]) for r in results] == [(fresh_one.pk, True), (closed.pk, False)]
    assert results[1]["error"]["code"] == "invalid_transition"
    assert (fresh(fresh_one).status, fresh(closed).status) == ("resolved", "closed")
    assert AuditEvent.objects.filter(action="ticket.bulk.transition").count() == 1


def test_bulk_assign_and_add_tags(api, agent, admin, requester) -> None:
    tickets = [make_ticket(requester), make_ticket(agent, tags=["vip"])]
    ids = [t.pk for t in tickets]
    client = api(admin)
    assigned = client.post(
        "/api/v1/tickets/bulk",
        {"ids": ids, "action": "assign", "assignee": agent.pk},
        format="json",
    )
    assert [r["ok"] for r in assigned.json()["results"]] == [True, True]
    assert [fresh(t).assignee_id for t in tickets] == [agent.pk, agent.pk]
    tagged = client.post(
        "/api/v1/tickets/bulk",
        {"ids": ids, "action": "add_tags", "tags": ["printer"]},
        format="json",
    )
    assert [r["ok"] for r in tagged.json()["results"]] == [True, True]
    assert [sorted(t.tags.values_list("name", flat=True)) for t in tickets] == [
        ["printer"],
        ["printer", "vip"],
    ]
    assert AuditEvent.objects.filter(action="ticket.bulk.add_tags").count() == 2


def test_bulk_add_tags_keeps_an_archived_tag_already_on_the_ticket(api, admin, agent) -> None:
    from workflows import services

    ticket = make_ticket(agent, tags=["legacy"])
    services.tag_archive(actor=admin, tag=Tag.objects.get(name="legacy"))
    response = api(agent).post(
        "/api/v1/tickets/bulk",
        {"ids": [ticket.pk], "action": "add_tags", "tags": ["new"]},
        format="json",
    )
    assert response.json()["results"] == [{"id": ticket.pk, "ok": True}]
    assert sorted(ticket.tags.values_list("name", flat=True)) == ["legacy", "new"]


def test_more_than_500_ids_is_400(api, agent, requester) -> None:
    ticket = make_ticket(requester)
    response = api(agent).post(
        "/api/v1/tickets/bulk",
        {"ids": list(range(1, 502)), "action": "set_priority", "priority": "low"},
        format="json",
    )
    assert "ids" in field_errors(assert_problem(response, 400, "validation_error"))
    assert fresh(ticket).priority == "medium"


def test_bulk_with_missing_or_foreign_parameters_is_400(api, agent, requester) -> None:
    ticket = make_ticket(requester)
    client = api(agent)
    for body, field in (
        ({"ids": [ticket.pk], "action": "assign"}, "assignee"),
        ({"ids": [ticket.pk], "action": "set_priority", "priority": "low", "name": "x"}, "name"),
        ({"ids": [ticket.pk], "action": "delete"}, "action"),
        ({"ids": [], "action": "set_priority", "priority": "low"}, "ids"),
    ):
        response = client.post("/api/v1/tickets/bulk", body, format="json")
        assert field in field_errors(assert_problem(response, 400, "validation_error"))
    assert fresh(ticket).priority == "medium"
