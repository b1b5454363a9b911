"""Places where the API once answered differently from api.md (issue 16), held to the contract."""

from __future__ import annotations

from typing import Any

import pytest

from ruledesk.audit import services as audit
from ruledesk.audit.models import AuditEvent
from rules_engine.models import Rule
from tests.api.problems import assert_problem, field_errors
from tests.workflows.conftest import fresh, make_ticket, walk
from workflows.models import ReopenApproval, StatusTransition

# --- 1. every list is the paginated envelope --------------------------------------------


def test_reopen_approvals_answer_the_paginated_envelope(
    api, admin, agent, requester, settings
) -> None:
    settings.RULEDESK_REOPEN_COOLDOWN_SECONDS = 0
    ticket = walk(make_ticket(requester, priority="high"), "resolved", admin)
    reopen = {"name": "reopen", "reason": "Broken again."}
    ids = []
    for _ in range(3):  # each request decided, so the next one can be asked for
        response = api(requester).post(
            f"/api/v1/tickets/{ticket.pk}/transitions", reopen, format="json"
        )
        assert response.status_code == 202, response.content
        ids.append(response.json()["approval"]["id"])
        ReopenApproval.objects.filter(pk=ids[-1]).update(status="rejected")
    url = f"/api/v1/tickets/{ticket.pk}/reopen-approvals?page_size=2"

    first = api(agent).get(url).json()
    second = api(agent).get(first["next"].removeprefix("http://testserver")).json()

    assert set(first) == {"results", "next", "previous"}
    assert [a["id"] for a in first["results"]] == ids[::-1][:2]  # newest first
    assert first["previous"] is None
    assert [a["id"] for a in second["results"]] == ids[:1]
    assert second["next"] is None


# --- 2. a bulk request malformed as a whole is one 400 that changes nothing ---------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"action": "transition", "name": "teleport"}, "name"),
        ({"action": "transition", "name": ""}, "name"),
        ({"action": "transition", "name": "reopen"}, "name"),  # needs a reason bulk lacks
        ({"action": "assign", "assignee": 10**9}, "assignee"),
        ({"action": "set_priority", "priority": "urgent"}, "priority"),
        ({"action": "add_tags", "tags": [""]}, "tags[0]"),
    ],
)
def test_malformed_bulk_request_is_one_validation_error_and_changes_nothing(
    api, agent, requester, body, field
) -> None:
    tickets = [make_ticket(requester), make_ticket(requester)]
    before = [(t.status, t.priority, t.assignee_id) for t in map(fresh, tickets)]

    response = api(agent).post(
        "/api/v1/tickets/bulk", {"ids": [t.pk for t in tickets], **body}, format="json"
    )

    assert list(field_errors(assert_problem(response, 400, "validation_error"))) == [field]
    assert [(t.status, t.priority, t.assignee_id) for t in map(fresh, tickets)] == before
    assert not StatusTransition.objects.filter(ticket__in=tickets).exists()
    assert not AuditEvent.objects.filter(action__startswith="ticket.bulk").exists()


def test_bulk_refusals_that_depend_on_the_ticket_stay_per_item(api, admin, agent, requester):
    new, closed = make_ticket(requester), walk(make_ticket(requester), "closed", admin)

    response = api(agent).post(
        "/api/v1/tickets/bulk",
        {"ids": [new.pk, closed.pk], "action": "transition", "name": "open"},
        format="json",
    )

    assert response.status_code == 200
    [ok, refused] = response.json()["results"]
    assert ok == {"id": new.pk, "ok": True}
    assert (refused["id"], refused["ok"], refused["error"]["code"]) == (
        closed.pk,
        False,
        "invalid_transition",
    )


# --- 4. a tree too deep names the group at depth 6 ---------------------------------------


def _rule(conditions: dict[str, Any]) -> dict[str, Any]:
    return {"name": "Deep", "event": "ticket.created", "conditions": conditions, "actions": []}


def _nest(key: str, depth: int) -> dict[str, Any]:
    node: dict[str, Any] = {"field": "ticket.status", "operator": "is", "value": "new"}
    for _ in range(depth):
        node = {key: node} if key == "not" else {key: [node]}
    return node


@pytest.mark.parametrize(
    ("conditions", "path"),
    [
        (_nest("not", 6), "conditions.not.not.not.not.not"),
        (_nest("all", 6), "conditions.all[0].all[0].all[0].all[0].all[0]"),
        (_nest("any", 7), "conditions.any[0].any[0].any[0].any[0].any[0]"),
    ],
)
def test_condition_tree_too_deep_names_the_group_at_depth_six(api, admin, conditions, path):
    response = api(admin).post("/api/v1/rules", _rule(conditions), format="json")

    assert field_errors(assert_problem(response, 400, "validation_error")) == {path: "max_depth"}
    assert not Rule.objects.filter(name="Deep").exists()


def test_condition_tree_five_groups_deep_is_accepted(api, admin) -> None:
    response = api(admin).post("/api/v1/rules", _rule(_nest("not", 5)), format="json")

    assert response.status_code == 201, response.content


# --- 5. a NUL in a query parameter is a validation error naming the parameter -------------


@pytest.mark.parametrize(
    ("path", "query", "field"),
    [
        ("/api/v1/tickets", "q=%00", "q"),
        ("/api/v1/tickets", "status=open&q=a%00b", "q"),
        ("/api/v1/users", "role=%00admin", "role"),
        ("/api/v1/users", "page_size=1%00", "page_size"),
        ("/api/v1/audit-events", "action=x&object_type=%00", "object_type"),
    ],
)
def test_nul_in_a_query_parameter_is_a_validation_error_naming_it(
    api, admin, path, query, field
) -> None:
    response = api(admin).get(f"{path}?{query}")

    assert field_errors(assert_problem(response, 400, "validation_error")) == {
        field: "null_characters_not_allowed"
    }


def test_nul_in_a_query_parameter_name_names_the_parameter(api, admin) -> None:
    response = api(admin).get("/api/v1/tickets?q%00x=1")

    assert list(field_errors(assert_problem(response, 400, "validation_error"))) == ["qx"]


# --- 6. the audit log has a detail, and nothing changes or deletes an event ---------------


def test_audit_event_detail(api, admin) -> None:
    event = audit.record(actor=admin, action="team.create", obj_type="team", obj_id=7)

    response = api(admin).get(f"/api/v1/audit-events/{event.pk}")

    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {
        "id",
        "at",
        "actor",
        "action",
        "object_type",
        "object_id",
        "changes",
        "request_id",
        "ip",
    }
    assert (body["id"], body["action"], body["object_type"], body["object_id"]) == (
        event.pk,
        "team.create",
        "team",
        "7",
    )
    assert body["actor"] == {"id": admin.pk, "name": admin.name, "email": admin.email}


def test_audit_event_detail_of_another_organization_is_not_found(api, admin, outsider) -> None:
    theirs = audit.record(actor=outsider, action="team.create", obj_type="team", obj_id=1)

    assert_problem(api(admin).get(f"/api/v1/audit-events/{theirs.pk}"), 404, "not_found")


@pytest.mark.parametrize("persona", ["agent", "requester"])
def test_audit_event_detail_needs_audit_view(api, admin, request, persona) -> None:
    event = audit.record(actor=admin, action="team.create", obj_type="team", obj_id=7)
    client = api(request.getfixturevalue(persona))

    assert_problem(client.get(f"/api/v1/audit-events/{event.pk}"), 403, "permission_denied")


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_changing_or_deleting_an_audit_event_answers_405(api, admin, method) -> None:
    event = audit.record(actor=admin, action="team.create", obj_type="team", obj_id=7)
    before = list(AuditEvent.objects.order_by("pk").values_list("pk", "action", "changes"))

    response = getattr(api(admin), method)(
        f"/api/v1/audit-events/{event.pk}", {"action": "forged"}, format="json"
    )

    body = assert_problem(response, 405, "method_not_allowed")
    assert body["status"] == 405
    assert "GET" in response["Allow"]
    assert list(AuditEvent.objects.order_by("pk").values_list("pk", "action", "changes")) == before
