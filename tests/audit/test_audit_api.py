"""GET /api/v1/audit-events: read-only, tenant-scoped, filterable, with request id and client IP."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from ruledesk.audit import services as audit
from ruledesk.audit.models import AuditEvent
from ruledesk.tenancy.models import User
from tests import factories

EVENTS = "/api/v1/audit-events"


def _actions(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [event["action"] for event in response.json()["results"]]


@pytest.fixture
def dated_events(admin: User, agent: User) -> dict[str, AuditEvent]:
    """Three events at known instants, with distinct actors, actions and object types."""
    made = {}
    for name, at, actor, action, obj_type in (
        ("early", "2026-01-10T09:00:00Z", admin, "team.create", "team"),
        ("middle", "2026-02-10T09:00:00Z", agent, "ticket.update", "ticket"),
        ("late", "2026-03-10T09:00:00Z", admin, "user.role_change", "user"),
    ):
        with time_machine.travel(datetime.fromisoformat(at), tick=False):
            made[name] = audit.record(actor=actor, action=action, obj_type=obj_type, obj_id=7)
    return made


# --- read-only -------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_every_write_method_answers_405(api, admin: User, dated_events, method: str) -> None:
    before = list(AuditEvent.objects.order_by("pk").values_list("pk", "action", "changes"))
    body = {"id": dated_events["late"].pk, "action": "forged"}
    response = getattr(api(admin), method)(EVENTS, body, format="json")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    assert list(AuditEvent.objects.order_by("pk").values_list("pk", "action", "changes")) == before


# --- who may read ----------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["agent", "requester"])
def test_non_admins_cannot_read_the_audit_log(api, request, persona: str) -> None:
    response = api(request.getfixturevalue(persona)).get(EVENTS)
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_anonymous_cannot_read_the_audit_log(api, admin: User) -> None:
    response = api(None).get(EVENTS)
    assert response.status_code == 401


def test_outsider_never_sees_acme_events(
    api, acme, globex, admin: User, agent: User, outsider: User
) -> None:
    api(admin).patch(f"/api/v1/users/{agent.pk}", {"role": "admin"}, format="json")
    acme_ids = set(AuditEvent.objects.filter(organization_id=acme.pk).values_list("pk", flat=True))
    assert acme_ids
    client = api(outsider)
    for query in (
        "",
        f"?actor={admin.pk}",
        "?action=user.role_change",
        "?object_type=user",
        "?page_size=100",
    ):
        results = client.get(f"{EVENTS}{query}").json()["results"]
        assert not acme_ids & {e["id"] for e in results}, query
    seen = {e["id"] for e in client.get(f"{EVENTS}?page_size=100").json()["results"]}
    assert seen == set(
        AuditEvent.objects.filter(organization_id=globex.pk).values_list("pk", flat=True)
    )
    assert client.get(f"{EVENTS}?action=user.role_change").json()["results"] == []


# --- representation, request id, ip ----------------------------------------------------


def test_event_carries_actor_changes_request_id_and_client_ip(
    api, admin: User, requester: User
) -> None:
    client = api(admin)
    response = client.patch(
        f"/api/v1/users/{requester.pk}",
        {"role": "agent"},
        format="json",
        HTTP_X_REQUEST_ID="req-role-change.1",
        REMOTE_ADDR="203.0.113.7",
    )
    assert response.status_code == 200
    assert response["X-Request-ID"] == "req-role-change.1"
    event = AuditEvent.objects.get(action="user.role_change")
    assert (event.request_id, event.ip) == ("req-role-change.1", "203.0.113.7")

    listing = client.get(f"{EVENTS}?action=user.role_change")

    assert listing.json()["results"] == [
        {
            "id": event.pk,
            "at": event.created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "actor": {"id": admin.pk, "name": "Alice Admin", "email": "admin@acme.test"},
            "action": "user.role_change",
            "object_type": "user",
            "object_id": str(requester.pk),
            "changes": {"role": ["requester", "agent"]},
            "request_id": "req-role-change.1",
            "ip": "203.0.113.7",
        }
    ]


def test_event_without_request_id_header_gets_the_generated_one(
    api, admin: User, agent: User
) -> None:
    response = api(admin).patch(f"/api/v1/users/{agent.pk}", {"name": "Bobby"}, format="json")
    event = AuditEvent.objects.get(action="user.update")
    assert event.request_id == response["X-Request-ID"]
    assert len(event.request_id) == 32
    assert event.ip == "127.0.0.1"


def test_unsafe_request_id_is_replaced_not_stored(api, admin: User, agent: User) -> None:
    response = api(admin).patch(
        f"/api/v1/users/{agent.pk}",
        {"name": "Bobby"},
        format="json",
        HTTP_X_REQUEST_ID="<script>alert(1)</script>",
    )
    event = AuditEvent.objects.get(action="user.update")
    assert event.request_id == response["X-Request-ID"]
    assert "<" not in event.request_id


def test_system_events_have_no_actor(api, acme, admin: User) -> None:
    results = api(admin).get(f"{EVENTS}?action=organization.create").json()["results"]
    assert len(results) == 1
    assert results[0]["actor"] is None
    assert results[0]["changes"] == {"slug": "acme", "name": "Acme"}
    assert results[0]["request_id"] == ""
    assert results[0]["ip"] is None


def test_events_are_newest_first(api, admin: User, dated_events) -> None:
    ids = [e["id"] for e in api(admin).get(f"{EVENTS}?object_type=ticket").json()["results"]]
    assert ids == [dated_events["middle"].pk]
    response = api(admin).get(f"{EVENTS}?actor={admin.pk}")
    assert _actions(response) == ["user.role_change", "team.create"]


# --- filters ---------------------------------------------------------------------------


def test_actor_filter(api, admin: User, agent: User, dated_events) -> None:
    assert _actions(api(admin).get(f"{EVENTS}?actor={agent.pk}")) == ["ticket.update"]
    assert _actions(api(admin).get(f"{EVENTS}?actor=999999999")) == []


def test_action_filter(api, admin: User, dated_events) -> None:
    response = api(admin).get(f"{EVENTS}?action=team.create")
    assert [e["id"] for e in response.json()["results"]] == [dated_events["early"].pk]
    assert _actions(api(admin).get(f"{EVENTS}?action=team")) == []


def test_object_type_filter(api, admin: User, dated_events) -> None:
    response = api(admin).get(f"{EVENTS}?object_type=user&actor={admin.pk}")
    assert [e["id"] for e in response.json()["results"]] == [dated_events["late"].pk]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("created_after=2026-02-01T00:00:00Z", ["late", "middle"]),
        ("created_after=2026-02-10T09:00:00Z", ["late", "middle"]),  # inclusive
        ("created_before=2026-02-10T09:00:00Z", ["early"]),  # exclusive
        (
            "created_after=2026-01-01T00:00:00Z&created_before=2026-03-01T00:00:00Z",
            ["middle", "early"],
        ),
        ("created_after=2026-02-10T10:00:00%2B01:00", ["late", "middle"]),  # 09:00 UTC
        ("created_after=2026-02-10T09:00:01", ["late"]),  # naive means UTC
        ("created_after=2027-01-01T00:00:00Z", []),
    ],
)
def test_time_filters(api, admin: User, dated_events, query: str, expected: list[str]) -> None:
    response = api(admin).get(f"{EVENTS}?{query}&object_type__in=ignored")
    by_id = {event.pk: name for name, event in dated_events.items()}
    names = [by_id[e["id"]] for e in response.json()["results"] if e["id"] in by_id]
    assert response.status_code == 200
    assert names == expected


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("actor", "abc"),
        ("actor", "-1"),
        ("actor", "1.5"),
        ("actor", ""),
        ("actor", "%C2%B2"),
        ("actor", "%D9%A3"),
        ("actor", "9" * 40),
        ("created_after", "yesterday"),
        ("created_after", "2026-13-01T00:00:00"),
        ("created_after", "2026-02-30T00:00:00Z"),
        ("created_after", "2026-01-01T25:00:00Z"),
        ("created_after", "2026-01-01T00:00:00+99:00"),
        ("created_after", "x" * 500),
        ("created_before", "not-a-date"),
        ("created_before", "2026-01-01T00:00:00Zjunk"),
    ],
)
def test_invalid_filter_answers_400_naming_the_parameter(
    api, admin: User, param: str, value: str
) -> None:
    response = api(admin).get(f"{EVENTS}?{param}={value}")
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert [e["field"] for e in response.json()["errors"]] == [param]


def test_huge_text_filters_are_harmless(api, admin: User, dated_events) -> None:
    response = api(admin).get(EVENTS, {"action": "a" * 5000, "object_type": "ü" * 500})
    assert response.status_code == 200
    assert response.json()["results"] == []


def test_filters_never_widen_to_another_organization(
    api, globex, admin: User, outsider: User, dated_events
) -> None:
    theirs = factories.team(globex, "Globex Team")
    response = api(admin).get(f"{EVENTS}?actor={outsider.pk}&object_type=team")
    assert response.json()["results"] == []
    response = api(admin).get(f"{EVENTS}?action=team.create&organization={globex.pk}")
    assert [e["id"] for e in response.json()["results"]] == [dated_events["early"].pk]
    assert AuditEvent.objects.filter(action="team.create", object_id=str(theirs.pk)).exists()
