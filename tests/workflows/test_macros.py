"""Macros: the REST resource, tenant isolation, permissions, preview, apply and bulk use."""

from __future__ import annotations

from typing import Any

import pytest

from ruledesk.tenancy.models import Organization, Role, User
from tests import factories
from tests.api.problems import assert_problem, field_errors
from workflows import services
from workflows.collab import macros
from workflows.models import Comment, Macro, Ticket

pytestmark = pytest.mark.django_db


def _ticket(requester: User, **extra: Any) -> Ticket:
    return services.ticket_create(actor=requester, title="Printer jams", description="", **extra)


def _create(client: Any, **body: Any) -> Any:
    return client.post("/api/v1/macros", {"name": "Thanks", **body}, format="json")


def test_admin_creates_reads_updates_and_deletes(api, admin: User) -> None:
    client = api(admin)
    created = _create(client, body="Hi {{requester.name}}", priority="high", add_tags=["vip"])
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["name"] == "Thanks" and body["priority"] == "high" and body["team"] is None
    assert body["add_tags"] == ["vip"] and body["transition"] is None
    detail = client.get(f"/api/v1/macros/{body['id']}")
    assert detail.status_code == 200 and detail["ETag"]
    patched = client.patch(f"/api/v1/macros/{body['id']}", {"name": "Thank you"}, format="json")
    assert patched.status_code == 200 and patched.json()["name"] == "Thank you"
    stale = client.patch(
        f"/api/v1/macros/{body['id']}", {"name": "X"}, format="json", HTTP_IF_MATCH=detail["ETag"]
    )
    assert_problem(stale, 412, "precondition_failed")
    listed = client.get("/api/v1/macros")
    assert set(listed.json()) == {"results", "next", "previous"}
    assert [m["name"] for m in listed.json()["results"]] == ["Thank you"]
    assert client.delete(f"/api/v1/macros/{body['id']}").status_code == 204
    assert not Macro.objects.exists()


def test_validation_errors_are_problems(api, admin: User) -> None:
    client = api(admin)
    empty = _create(client)
    assert field_errors(assert_problem(empty, 400, "validation_error")) == {"body": "blank"}
    wrong = _create(client, body="x", priority="urgent", transition="reopen")
    errors = field_errors(assert_problem(wrong, 400, "validation_error"))
    assert set(errors) == {"priority", "transition"}
    unknown = _create(client, body="x", extra=1)
    assert set(field_errors(assert_problem(unknown, 400, "validation_error"))) == {"extra"}
    _create(client, body="x")
    assert_problem(_create(client, body="y"), 409, "conflict")


def test_agents_read_and_apply_but_do_not_manage(api, admin: User, agent: User) -> None:
    made = _create(api(admin), body="x").json()
    client = api(agent)
    assert client.get(f"/api/v1/macros/{made['id']}").status_code == 200
    assert_problem(_create(client, name="Mine", body="x"), 403, "permission_denied")
    assert_problem(client.delete(f"/api/v1/macros/{made['id']}"), 403, "permission_denied")


def test_tenant_isolation(api, admin: User, outsider: User, requester: User) -> None:
    made = _create(api(admin), body="x").json()
    assert_problem(api(outsider).get(f"/api/v1/macros/{made['id']}"), 404, "not_found")
    assert api(outsider).get("/api/v1/macros").json()["results"] == []
    assert_problem(api(requester).get(f"/api/v1/macros/{made['id']}"), 404, "not_found")
    ticket = _ticket(requester)
    assert_problem(
        api(outsider).post(f"/api/v1/tickets/{ticket.pk}/macros/{made['id']}/apply"),
        404,
        "not_found",
    )
    assert outsider.organization is not None
    other_team = factories.team(outsider.organization, "Globex")
    assert_problem(
        _create(api(admin), name="Team", body="x", team=other_team.pk), 400, "validation_error"
    )


def test_team_macros_are_for_their_team(api, admin: User, agent: User, acme: Organization) -> None:
    stranger = factories.user(acme, Role.AGENT)
    support = factories.team(acme, "Support", agent)
    macro = macros.macro_create(actor=admin, name="Team only", body="x", team=support.pk)
    assert api(agent).get(f"/api/v1/macros/{macro.pk}").status_code == 200
    assert_problem(api(stranger).get(f"/api/v1/macros/{macro.pk}"), 404, "not_found")


def test_preview_fills_variables_and_apply_changes_the_ticket(
    api, admin: User, agent: User, requester: User
) -> None:
    macro = macros.macro_create(
        actor=admin,
        name="Solved",
        body="Hi {{requester.name}}, {{ticket.number}} is solved. {{nope}}",
        transition="resolve",
        priority="low",
    )
    ticket = _ticket(requester)
    client = api(agent)
    preview = client.post(f"/api/v1/tickets/{ticket.pk}/macros/{macro.pk}/preview")
    assert preview.status_code == 200
    body = preview.json()
    assert body["body"] == f"Hi Carol Requester, ACME-{ticket.number} is solved. {{{{nope}}}}"
    assert body["unfilled"] == ["{{nope}}"]
    assert {"field": "status", "value": "resolve"} in body["changes"]
    assert Ticket.objects.get(pk=ticket.pk).status == "new"  # preview writes nothing
    applied = client.post(f"/api/v1/tickets/{ticket.pk}/macros/{macro.pk}/apply")
    assert applied.status_code == 200, applied.content
    assert applied.json()["status"] == "resolved" and applied.json()["priority"] == "low"
    assert Comment.objects.get(ticket=ticket).body.startswith("Hi Carol Requester")


def test_apply_is_all_or_nothing(api, admin: User, agent: User, requester: User) -> None:
    macro = macros.macro_create(actor=admin, name="Close", body="Bye", transition="close")
    ticket = _ticket(requester)
    refused = api(agent).post(f"/api/v1/tickets/{ticket.pk}/macros/{macro.pk}/apply")
    assert_problem(refused, 409, "invalid_transition")
    assert not Comment.objects.filter(ticket=ticket).exists()


def test_bulk_macro_action(api, admin: User, agent: User, requester: User) -> None:
    macro = macros.macro_create(actor=admin, name="Raise", body="", priority="critical")
    first, second = _ticket(requester), _ticket(requester)
    response = api(agent).post(
        "/api/v1/tickets/bulk",
        {"ids": [first.pk, second.pk], "action": "macro", "macro": macro.pk},
        format="json",
    )
    assert response.status_code == 200
    assert [r["ok"] for r in response.json()["results"]] == [True, True]
    assert set(Ticket.objects.values_list("priority", flat=True)) == {"critical"}
    unknown = api(agent).post(
        "/api/v1/tickets/bulk",
        {"ids": [first.pk], "action": "macro", "macro": 99999},
        format="json",
    )
    assert field_errors(assert_problem(unknown, 400, "validation_error")) == {
        "macro": "does_not_exist"
    }
