"""The lifecycle through the API: the full status × transition × role table, reopen and approvals."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.conf import settings

from ruledesk.tenancy.models import User
from tests.api.problems import assert_problem, field_errors
from tests.workflows.conftest import fresh
from workflows.models import ApprovalStatus, ReopenApproval, StatusTransition, Ticket

STATUSES = ("new", "open", "waiting_on_requester", "resolved", "closed")
NAMES = ("open", "wait_on_requester", "resume", "resolve", "close", "reopen")
# transition -> statuses it may start from, and where it leads (api.md, the state machine).
SOURCES = {
    "open": {"new"},
    "wait_on_requester": {"open"},
    "resume": {"waiting_on_requester"},
    "resolve": {"new", "open", "waiting_on_requester"},
    "close": {"resolved"},
    "reopen": {"resolved", "closed"},
}
TARGETS = {
    "open": "open",
    "wait_on_requester": "waiting_on_requester",
    "resume": "open",
    "resolve": "resolved",
    "close": "closed",
    "reopen": "open",
}
# The matrix defaults: which transitions each role may take.
ROLE_MAY = {
    "requester": {"resume", "close", "reopen"},
    "agent": set(NAMES),
    "admin": set(NAMES),
}


def _expected(role: str, status: str, name: str, priority: str) -> int:
    if name not in ROLE_MAY[role]:
        return 403
    if status not in SOURCES[name]:
        return 409
    if name == "reopen" and role == "requester" and priority in ("high", "critical"):
        return 202
    return 200


def _body(name: str) -> dict[str, str]:
    return (
        {"name": name, "reason": "Still broken after the fix."}
        if name == "reopen"
        else {"name": name}
    )


@pytest.fixture
def cast(admin: User, agent: User, requester: User) -> dict[str, User]:
    return {"admin": admin, "agent": agent, "requester": requester}


@pytest.mark.parametrize("role", ["requester", "agent", "admin"])
@pytest.mark.parametrize("status", STATUSES)
def test_every_transition_answers_per_the_table_and_lists_what_the_caller_may_take(
    api, cast, ticket_in, role: str, status: str
) -> None:
    client = api(cast[role])
    probe = ticket_in(status)
    allowed_now = [n for n in NAMES if _expected(role, status, n, "medium") == 200]
    listed = client.get(f"/api/v1/tickets/{probe.pk}/transitions")
    assert listed.status_code == 200
    assert listed.json() == [
        {"name": n, "target": TARGETS[n], "requires_reason": n == "reopen"} for n in allowed_now
    ]
    assert client.get(f"/api/v1/tickets/{probe.pk}").json()["available_transitions"] == allowed_now

    outcomes: dict[str, int] = {}
    for name in NAMES:
        ticket = ticket_in(status)
        response = client.post(
            f"/api/v1/tickets/{ticket.pk}/transitions", _body(name), format="json"
        )
        outcomes[name] = response.status_code
        ticket = fresh(ticket)
        if response.status_code == 200:
            assert response.json()["status"] == TARGETS[name] == ticket.status
            assert response.json()["id"] == ticket.pk
        else:
            code = {403: "permission_denied", 409: "invalid_transition"}[response.status_code]
            assert_problem(response, response.status_code, code)
            assert ticket.status == status
    assert outcomes == {n: _expected(role, status, n, "medium") for n in NAMES}


@pytest.mark.parametrize("priority", ["high", "critical"])
@pytest.mark.parametrize("status", ["resolved", "closed"])
def test_requester_reopen_of_urgent_ticket_asks_for_approval_and_leaves_ticket_unchanged(
    api, requester, ticket_in, priority: str, status: str
) -> None:
    ticket = ticket_in(status, priority=priority)
    before = Ticket.objects.get(pk=ticket.pk)
    response = api(requester).post(
        f"/api/v1/tickets/{ticket.pk}/transitions",
        {"name": "reopen", "reason": "It broke again."},
        format="json",
    )
    assert response.status_code == 202
    approval = ReopenApproval.objects.get(ticket=ticket)
    body = response.json()
    assert body == {
        "approval": {
            "id": approval.pk,
            "status": "pending",
            "reason": "It broke again.",
            "requested_by": {"id": requester.pk, "name": requester.name, "email": requester.email},
            "created_at": body["approval"]["created_at"],
        }
    }
    assert body["approval"]["created_at"].endswith("Z")
    after = Ticket.objects.get(pk=ticket.pk)
    assert (after.status, after.reopen_count, after.updated_at) == (
        before.status,
        0,
        before.updated_at,
    )
    assert not StatusTransition.objects.filter(ticket=ticket, name="reopen").exists()


@pytest.mark.parametrize("priority", ["low", "medium"])
def test_requester_reopen_of_routine_ticket_reopens_at_once(
    api, requester, ticket_in, priority: str
) -> None:
    ticket = ticket_in("resolved", priority=priority)
    response = api(requester).post(
        f"/api/v1/tickets/{ticket.pk}/transitions",
        {"name": "reopen", "reason": "Not fixed."},
        format="json",
    )
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["reopen_count"]) == ("open", 1)
    assert not ReopenApproval.objects.exists()


def test_agent_reopen_of_critical_ticket_needs_no_approval(api, agent, ticket_in) -> None:
    ticket = ticket_in("closed", priority="critical")
    response = api(agent).post(
        f"/api/v1/tickets/{ticket.pk}/transitions",
        {"name": "reopen", "reason": "Recurs."},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["status"] == "open"
    assert not ReopenApproval.objects.exists()


def test_reopen_without_reason_is_refused_naming_reason(api, agent, ticket_in) -> None:
    ticket = ticket_in("resolved")
    client = api(agent)
    for body in ({"name": "reopen"}, {"name": "reopen", "reason": "   "}):
        response = client.post(f"/api/v1/tickets/{ticket.pk}/transitions", body, format="json")
        problem = assert_problem(response, 400, "validation_error")
        assert "reason" in field_errors(problem)
    ticket = fresh(ticket)
    assert (ticket.status, ticket.reopen_count) == ("resolved", 0)


def test_reopen_reason_over_2000_characters_is_refused(api, agent, ticket_in) -> None:
    ticket = ticket_in("resolved")
    response = api(agent).post(
        f"/api/v1/tickets/{ticket.pk}/transitions",
        {"name": "reopen", "reason": "x" * 2001},
        format="json",
    )
    problem = assert_problem(response, 400, "validation_error")
    assert list(field_errors(problem)) == ["reason"]
    ticket = fresh(ticket)
    assert ticket.status == "resolved"


def test_reopen_reason_of_exactly_2000_characters_is_accepted(api, agent, ticket_in) -> None:
    ticket = ticket_in("resolved")
    response = api(agent).post(
        f"/api/v1/tickets/{ticket.pk}/transitions",
        {"name": "reopen", "reason": "x" * 2000},
        format="json",
    )
    assert response.status_code == 200
    assert StatusTransition.objects.get(ticket=ticket, name="reopen").reason == "x" * 2000


def test_unknown_transition_name_is_a_validation_error(api, agent, ticket_in) -> None:
    ticket = ticket_in("open")
    response = api(agent).post(
        f"/api/v1/tickets/{ticket.pk}/transitions", {"name": "explode"}, format="json"
    )
    problem = assert_problem(response, 400, "validation_error")
    assert field_errors(problem) == {"name": "invalid_choice"}


def test_second_reopen_within_cooldown_is_throttled_with_retry_after(
    api, agent, admin, ticket_in
) -> None:
    ticket = ticket_in("resolved")
    client = api(agent)
    url = f"/api/v1/tickets/{ticket.pk}/transitions"
    assert (
        client.post(url, {"name": "reopen", "reason": "First."}, format="json").status_code == 200
    )
    assert client.post(url, {"name": "resolve"}, format="json").status_code == 200
    response = client.post(url, {"name": "reopen", "reason": "Second."}, format="json")
    assert_problem(response, 429, "rate_limited")
    retry_after = int(response["Retry-After"])
    assert retry_after in range(1, settings.RULEDESK_REOPEN_COOLDOWN_SECONDS + 2)
    ticket = fresh(ticket)
    assert (ticket.status, ticket.reopen_count) == ("resolved", 1)
    # Another caller hits the same per-ticket throttle.
    response = api(admin).post(url, {"name": "reopen", "reason": "Third."}, format="json")
    assert_problem(response, 429, "rate_limited")


def test_reopen_after_cooldown_is_allowed(api, agent, ticket_in, settings) -> None:
    settings.RULEDESK_REOPEN_COOLDOWN_SECONDS = 0
    ticket = ticket_in("resolved")
    client = api(agent)
    url = f"/api/v1/tickets/{ticket.pk}/transitions"
    assert (
        client.post(url, {"name": "reopen", "reason": "First."}, format="json").status_code == 200
    )
    assert client.post(url, {"name": "resolve"}, format="json").status_code == 200
    response = client.post(url, {"name": "reopen", "reason": "Second."}, format="json")
    assert response.status_code == 200
    assert response.json()["reopen_count"] == 2


@pytest.fixture
def pending(api, requester, ticket_in) -> Callable[[], tuple[Ticket, int]]:
    def request_reopen() -> tuple[Ticket, int]:
        ticket = ticket_in("resolved", priority="high")
        response = api(requester).post(
            f"/api/v1/tickets/{ticket.pk}/transitions",
            {"name": "reopen", "reason": "Broken again."},
            format="json",
        )
        assert response.status_code == 202
        return ticket, response.json()["approval"]["id"]

    return request_reopen


def test_agent_lists_pending_reopen_requests(api, agent, requester, pending) -> None:
    ticket, approval_id = pending()
    response = api(agent).get(f"/api/v1/tickets/{ticket.pk}/reopen-approvals")
    assert response.status_code == 200
    [entry] = response.json()["results"]
    assert entry["id"] == approval_id
    assert (entry["status"], entry["reason"]) == ("pending", "Broken again.")
    assert entry["requested_by"] == {
        "id": requester.pk,
        "name": requester.name,
        "email": requester.email,
    }


def test_approving_reopens_the_ticket_and_logs_the_transition(
    api, agent, requester, pending
) -> None:
    ticket, approval_id = pending()
    response = api(agent).post(
        f"/api/v1/tickets/{ticket.pk}/reopen-approvals/{approval_id}/approve"
    )
    assert response.status_code == 200
    assert (response.json()["id"], response.json()["status"]) == (approval_id, "approved")
    ticket = fresh(ticket)
    assert (ticket.status, ticket.reopen_count, ticket.resolved_at) == ("open", 1, None)
    approval = ReopenApproval.objects.get(pk=approval_id)
    assert (approval.status, approval.decided_by_id) == ("approved", agent.pk)
    step = StatusTransition.objects.get(ticket=ticket, name="reopen")
    assert (step.actor_id, step.from_status, step.to_status, step.reason) == (
        requester.pk,
        "resolved",
        "open",
        "Broken again.",
    )


def test_rejecting_leaves_the_ticket_unchanged(api, agent, pending) -> None:
    ticket, approval_id = pending()
    response = api(agent).post(f"/api/v1/tickets/{ticket.pk}/reopen-approvals/{approval_id}/reject")
    assert response.status_code == 200
    assert response.json()["status"] == "rejected"
    ticket = fresh(ticket)
    assert (ticket.status, ticket.reopen_count) == ("resolved", 0)
    assert ReopenApproval.objects.get(pk=approval_id).status == ApprovalStatus.REJECTED


@pytest.mark.parametrize("first", ["approve", "reject"])
@pytest.mark.parametrize("second", ["approve", "reject"])
def test_deciding_twice_is_a_conflict(api, agent, admin, pending, first: str, second: str) -> None:
    ticket, approval_id = pending()
    base = f"/api/v1/tickets/{ticket.pk}/reopen-approvals/{approval_id}"
    assert api(agent).post(f"{base}/{first}").status_code == 200
    ticket = fresh(ticket)
    state = (ticket.status, ticket.reopen_count)
    assert_problem(api(admin).post(f"{base}/{second}"), 409, "conflict")
    ticket = fresh(ticket)
    assert (ticket.status, ticket.reopen_count) == state
    assert ReopenApproval.objects.get(pk=approval_id).decided_by_id == agent.pk


def test_requester_cannot_list_or_decide_reopen_requests(api, requester, pending) -> None:
    ticket, approval_id = pending()
    client = api(requester)
    base = f"/api/v1/tickets/{ticket.pk}/reopen-approvals"
    assert_problem(client.get(base), 403, "permission_denied")
    for decision in ("approve", "reject"):
        assert_problem(client.post(f"{base}/{approval_id}/{decision}"), 403, "permission_denied")
    assert ReopenApproval.objects.get(pk=approval_id).status == "pending"
    ticket = fresh(ticket)
    assert ticket.status == "resolved"


def test_approval_of_another_ticket_is_not_found(api, agent, pending) -> None:
    ticket, approval_id = pending()
    other, _ = pending()
    response = api(agent).post(f"/api/v1/tickets/{other.pk}/reopen-approvals/{approval_id}/approve")
    assert_problem(response, 404, "not_found")
    assert ReopenApproval.objects.get(pk=approval_id).status == "pending"


def test_every_transition_is_logged_with_actor_states_and_reason(api, agent, ticket_in) -> None:
    ticket = ticket_in("new")
    client = api(agent)
    url = f"/api/v1/tickets/{ticket.pk}/transitions"
    for body in (
        {"name": "open"},
        {"name": "wait_on_requester", "reason": "Need the serial number."},
        {"name": "resume"},
        {"name": "resolve"},
        {"name": "reopen", "reason": "Came back."},
    ):
        assert client.post(url, body, format="json").status_code == 200
    rows = list(
        StatusTransition.objects.filter(ticket=ticket)
        .order_by("created_at", "id")
        .values_list("actor_id", "name", "from_status", "to_status", "reason")
    )
    assert rows == [
        (agent.pk, "open", "new", "open", ""),
        (agent.pk, "wait_on_requester", "open", "waiting_on_requester", "Need the serial number."),
        (agent.pk, "resume", "waiting_on_requester", "open", ""),
        (agent.pk, "resolve", "open", "resolved", ""),
        (agent.pk, "reopen", "resolved", "open", "Came back."),
    ]
    history = client.get(f"/api/v1/tickets/{ticket.pk}/history").json()["results"]
    transitions = [
        (e["from"], e["to"], e.get("reason")) for e in history if e["kind"] == "transition"
    ]
    assert transitions == [(r[2], r[3], r[4]) for r in rows]
