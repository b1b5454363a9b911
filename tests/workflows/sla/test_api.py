"""The SLA REST API: calendars, policies, preview, simulate (api.md, SLA)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ruledesk.audit.models import AuditEvent
from tests.api.problems import assert_problem, field_errors
from workflows import services
from workflows.models import Ticket
from workflows.sla.models import BusinessCalendar, SlaPolicy

from .conftest import MONDAY_10, OFFICE, at

pytestmark = pytest.mark.django_db

CAL = "/api/v1/business-calendars"
POL = "/api/v1/sla-policies"


def calendar_body(**changes: Any) -> dict[str, Any]:
    return {"name": "Office", "timezone": "Europe/Warsaw", "hours": OFFICE, **changes}


def test_calendar_create_read_update_delete(api, admin, agent) -> None:
    client = api(admin)
    body = calendar_body(
        hours={"mon": [["13:00", "17:00"], ["08:00", "12:00"]], "sat": [["22:00", "24:00"]]},
        holidays=["2026-12-25", "2026-12-24", "2026-12-25"],
    )
    created = client.post(CAL, body, format="json")
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["name"] == "Office" and data["timezone"] == "Europe/Warsaw"
    assert data["hours"] == {
        "mon": [["08:00", "12:00"], ["13:00", "17:00"]],
        "tue": [], "wed": [], "thu": [], "fri": [],
        "sat": [["22:00", "24:00"]],
        "sun": [],
    }  # fmt: skip
    assert data["holidays"] == ["2026-12-24", "2026-12-25"]
    path = f"{CAL}/{data['id']}"
    assert api(agent).get(path).json() == data
    patched = client.patch(path, {"name": "Office hours", "holidays": []}, format="json")
    assert patched.status_code == 200
    assert (patched.json()["name"], patched.json()["holidays"]) == ("Office hours", [])
    assert client.delete(path).status_code == 204
    assert not BusinessCalendar.objects.exists()
    actions = list(
        AuditEvent.objects.filter(object_type="business_calendar").values_list("action", flat=True)
    )
    assert sorted(actions) == [
        "business_calendar.create",
        "business_calendar.delete",
        "business_calendar.update",
    ]


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"hours": {"mon": [["09:00", "12:00"], ["11:00", "13:00"]]}}, {"hours.mon[1]": "overlap"}),
        ({"hours": {"mon": [["11:00", "13:00"], ["09:00", "12:00"]]}}, {"hours.mon[1]": "overlap"}),
        ({"hours": {"monday": [["09:00", "17:00"]]}}, {"hours.monday": "invalid_choice"}),
        ({"hours": {"mon": [["9:00", "17:00"]]}}, {"hours.mon[0][0]": "invalid"}),
        ({"hours": {"mon": [["09:00", "24:01"]]}}, {"hours.mon[0][1]": "invalid"}),
        ({"hours": {"mon": [["24:00", "24:00"]]}}, {"hours.mon[0][0]": "invalid"}),
        ({"hours": {"mon": [["17:00", "09:00"]]}}, {"hours.mon[0]": "invalid"}),
        ({"hours": {"mon": [["09:00"]]}}, {"hours.mon[0]": "invalid"}),
        ({"hours": {}}, {"hours": "empty"}),
        ({"hours": {"mon": []}}, {"hours": "empty"}),
        ({"timezone": "Mars/Olympus"}, {"timezone": "invalid_choice"}),
        ({"holidays": ["2026-12-25", "2026-13-01"]}, {"holidays[1]": "invalid"}),
        ({"name": ""}, {"name": "blank"}),
        ({"bogus": 1}, {"bogus": "unknown_field"}),
    ],
)
def test_calendar_validation(api, admin, changes, errors) -> None:
    response = api(admin).post(CAL, calendar_body(**changes), format="json")
    body = assert_problem(response, 400, "validation_error")
    assert field_errors(body) == errors
    assert not BusinessCalendar.objects.exists()


def test_calendar_name_conflict_and_delete_in_use(api, admin) -> None:
    client = api(admin)
    first = client.post(CAL, calendar_body(), format="json").json()
    assert_problem(client.post(CAL, calendar_body(name="OFFICE"), format="json"), 409, "conflict")
    client.post(
        POL,
        {
            "name": "P",
            "calendar": first["id"],
            "first_response_minutes": 5,
            "resolution_minutes": 9,
        },
        format="json",
    )
    assert_problem(client.delete(f"{CAL}/{first['id']}"), 409, "conflict")
    assert BusinessCalendar.objects.filter(pk=first["id"]).exists()


def test_requesters_and_agents_cannot_write_and_other_orgs_see_404(
    api, admin, agent, requester, outsider
) -> None:
    created = api(admin).post(CAL, calendar_body(), format="json").json()
    path = f"{CAL}/{created['id']}"
    assert_problem(api(requester).get(CAL), 403, "permission_denied")
    assert_problem(api(requester).get(path), 403, "permission_denied")
    assert_problem(api(agent).patch(path, {"name": "X"}, format="json"), 403, "permission_denied")
    assert_problem(api(agent).delete(path), 403, "permission_denied")
    for method in ("get", "patch", "delete"):
        assert_problem(getattr(api(outsider), method)(path), 404, "not_found")
    assert api(outsider).get(CAL).json()["results"] == []
    assert BusinessCalendar.objects.get().name == "Office"


def _policy_body(calendar_id: int, **changes: Any) -> dict[str, Any]:
    return {
        "name": "Standard",
        "calendar": calendar_id,
        "first_response_minutes": 60,
        "resolution_minutes": 480,
        **changes,
    }


@pytest.fixture
def calendar(admin) -> BusinessCalendar:
    from workflows.sla import services as sla

    return sla.business_calendar_create(actor=admin, name="Office", timezone="UTC", hours=OFFICE)


def test_policy_create_read_update_delete(api, admin, agent, calendar) -> None:
    hardware = services.category_create(actor=admin, name="Hardware")
    client = api(admin)
    response = client.post(
        POL, _policy_body(calendar.pk, priority="high", category=hardware.pk), format="json"
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert {k: v for k, v in data.items() if k not in ("id", "created_at", "updated_at")} == {
        "name": "Standard",
        "priority": "high",
        "category": {"id": hardware.pk, "name": "Hardware"},
        "calendar": {"id": calendar.pk, "name": "Office"},
        "first_response_minutes": 60,
        "resolution_minutes": 480,
        "reminder_percent": 80,
        "position": 0,
        "active": True,
    }
    path = f"{POL}/{data['id']}"
    assert api(agent).get(path).json() == data
    patched = client.patch(path, {"priority": None, "category": None, "position": 5}, format="json")
    assert patched.status_code == 200
    assert (patched.json()["priority"], patched.json()["category"], patched.json()["position"]) == (
        None,
        None,
        5,
    )
    assert SlaPolicy.history.filter(id=data["id"]).count() == 2
    assert client.delete(path).status_code == 204
    assert not SlaPolicy.objects.exists()


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"first_response_minutes": 0}, {"first_response_minutes": "min_value"}),
        ({"resolution_minutes": 525601}, {"resolution_minutes": "max_value"}),
        ({"reminder_percent": 100}, {"reminder_percent": "max_value"}),
        ({"reminder_percent": 0}, {"reminder_percent": "min_value"}),
        ({"position": -1}, {"position": "min_value"}),
        ({"priority": "urgent"}, {"priority": "invalid_choice"}),
        ({"calendar": 10**9}, {"calendar": "does_not_exist"}),
        ({"category": 10**9}, {"category": "does_not_exist"}),
    ],
)
def test_policy_validation(api, admin, calendar, changes, errors) -> None:
    response = api(admin).post(POL, _policy_body(calendar.pk, **changes), format="json")
    assert field_errors(assert_problem(response, 400, "validation_error")) == errors
    assert not SlaPolicy.objects.exists()


def test_policy_refs_to_another_org_are_400_and_duplicates_409(
    api, admin, outsider, calendar
) -> None:
    from workflows.sla import services as sla

    theirs = sla.business_calendar_create(
        actor=outsider, name="Theirs", timezone="UTC", hours=OFFICE
    )
    their_category = services.category_create(actor=outsider, name="Theirs")
    client = api(admin)
    bad = client.post(POL, _policy_body(theirs.pk), format="json")
    assert field_errors(assert_problem(bad, 400, "validation_error")) == {
        "calendar": "does_not_exist"
    }
    bad = client.post(POL, _policy_body(calendar.pk, category=their_category.pk), format="json")
    assert field_errors(assert_problem(bad, 400, "validation_error")) == {
        "category": "does_not_exist"
    }
    assert client.post(POL, _policy_body(calendar.pk), format="json").status_code == 201
    dup = client.post(POL, _policy_body(calendar.pk, name="STANDARD"), format="json")
    assert_problem(dup, 409, "conflict")
    policy_id = SlaPolicy.objects.get().pk
    assert_problem(api(outsider).get(f"{POL}/{policy_id}"), 404, "not_found")


def test_deleting_a_policy_in_use_is_a_conflict(api, admin, requester, calendar) -> None:
    created = api(admin).post(POL, _policy_body(calendar.pk), format="json").json()
    services.ticket_create(actor=requester, title="Uses it")
    assert_problem(api(admin).delete(f"{POL}/{created['id']}"), 409, "conflict")
    assert SlaPolicy.objects.filter(pk=created["id"]).exists()


def test_preview(api, agent, admin, requester, calendar) -> None:
    client = api(admin)
    client.post(POL, _policy_body(calendar.pk, name="High", priority="high", position=1,
                                  first_response_minutes=30, resolution_minutes=120), format="json")  # fmt: skip
    client.post(POL, _policy_body(calendar.pk, position=9), format="json")
    body = {"priority": "high", "created_at": "2026-11-20T16:00:00Z"}  # a Friday
    preview = api(agent).post(f"{POL}/preview", body, format="json")
    assert preview.status_code == 200, preview.content
    high = SlaPolicy.objects.get(name="High")
    assert preview.json() == {
        "policy": {"id": high.pk, "name": "High"},
        "first_response_due_at": "2026-11-20T16:30:00Z",
        "resolution_due_at": "2026-11-23T10:00:00Z",
    }
    assert_problem(
        api(requester).post(f"{POL}/preview", body, format="json"), 403, "permission_denied"
    )


def test_preview_without_a_matching_policy(api, agent) -> None:
    response = api(agent).post(f"{POL}/preview", {"priority": "low"}, format="json")
    assert response.json() == {
        "policy": None,
        "first_response_due_at": None,
        "resolution_due_at": None,
    }


def test_simulate_replays_history_under_a_draft(api, admin, agent, requester, calendar) -> None:
    with time_machine.travel(MONDAY_10, tick=False):
        fast = services.ticket_create(actor=requester, title="answered fast", priority="high")
        slow = services.ticket_create(actor=requester, title="answered slowly", priority="high")
        waiting = services.ticket_create(actor=requester, title="waits", priority="low")
    with time_machine.travel(at("2026-11-23T10:10+00:00"), tick=False):
        services.comment_create(actor=agent, ticket=fast, body="Hi")
        services.ticket_transition(actor=agent, ticket=waiting, name="open")
        services.ticket_transition(actor=agent, ticket=waiting, name="wait_on_requester")
    with time_machine.travel(at("2026-11-23T12:00+00:00"), tick=False):
        services.comment_create(actor=agent, ticket=slow, body="Hi")
        services.ticket_transition(actor=agent, ticket=fast, name="resolve")
    with time_machine.travel(MONDAY_10 - timedelta(days=30), tick=False):
        services.ticket_create(actor=requester, title="outside the range")
    draft = {"calendar": calendar.pk, "first_response_minutes": 60, "resolution_minutes": 120}
    body = {"policy": draft, "from": "2026-11-23", "to": "2026-11-24T00:00:00Z"}
    with time_machine.travel(at("2026-11-23T15:00+00:00"), tick=False):
        response = api(admin).post(f"{POL}/simulate", body, format="json")
    assert response.status_code == 200, response.content
    # fast: replied 10:10, resolved 12:00 (in time); slow: replied 12:00 (late), unresolved at 15:00
    # (late); waits: paused since 10:10, so 10 minutes used of each target (in time).
    zero = {"tickets": 0, "first_response_breaches": 0, "resolution_breaches": 0}
    assert response.json() == {
        "tickets": 3,
        "first_response_breaches": 1,
        "resolution_breaches": 1,
        "by_priority": {
            "low": {"tickets": 1, "first_response_breaches": 0, "resolution_breaches": 0},
            "medium": zero,
            "high": {"tickets": 2, "first_response_breaches": 1, "resolution_breaches": 1},
            "critical": zero,
        },
        "truncated": False,
    }
    only_low = {**body, "policy": {**draft, "priority": "low"}}
    with time_machine.travel(at("2026-11-23T15:00+00:00"), tick=False):
        assert api(admin).post(f"{POL}/simulate", only_low, format="json").json()["tickets"] == 1
    bad = api(admin).post(f"{POL}/simulate", {**body, "from": "yesterday"}, format="json")
    assert field_errors(assert_problem(bad, 400, "validation_error")) == {"from": "invalid"}
    backwards = api(admin).post(f"{POL}/simulate", {**body, "to": "2026-11-01"}, format="json")
    assert field_errors(assert_problem(backwards, 400, "validation_error")) == {"to": "invalid"}
    assert_problem(
        api(agent).post(f"{POL}/simulate", body, format="json"), 403, "permission_denied"
    )


def _count(client: Any, path: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return len(captured.captured_queries), len(response.json()["results"])


def test_list_query_counts_do_not_grow_with_rows(api, admin, agent) -> None:
    from workflows.sla import services as sla

    category = services.category_create(actor=admin, name="Hardware")
    client = api(agent)
    calendar = sla.business_calendar_create(actor=admin, name="C0", timezone="UTC", hours=OFFICE)
    sla.sla_policy_create(actor=admin, name="P0", calendar_id=calendar.pk, category_id=category.pk,
                          first_response_minutes=5, resolution_minutes=9)  # fmt: skip
    client.get(CAL)  # warm the per-organization permission cache
    one = (_count(client, CAL), _count(client, POL))
    for n in range(1, 12):
        other = sla.business_calendar_create(
            actor=admin, name=f"C{n}", timezone="UTC", hours=OFFICE
        )
        sla.sla_policy_create(actor=admin, name=f"P{n}", calendar_id=other.pk, category_id=category.pk,
                              first_response_minutes=5, resolution_minutes=9)  # fmt: skip
    many = (_count(client, CAL), _count(client, POL))
    assert [rows for _, rows in one] == [1, 1] and [rows for _, rows in many] == [12, 12]
    assert [queries for queries, _ in one] == [queries for queries, _ in many]


def test_policies_list_in_evaluation_order(api, admin, calendar) -> None:
    from workflows.sla import services as sla

    for name, position in (("B", 20), ("A", 10), ("C", 20)):
        sla.sla_policy_create(actor=admin, name=name, calendar_id=calendar.pk, position=position,
                              first_response_minutes=5, resolution_minutes=9)  # fmt: skip
    names = [p["name"] for p in api(admin).get(POL).json()["results"]]
    assert names == ["A", "B", "C"]


def test_demo_seed_gives_tickets_due_times(acme, admin, requester) -> None:
    from fixtures import demo_sla

    early = services.ticket_create(actor=requester, title="Before the SLA existed", priority="low")
    demo_sla.seed(acme)
    demo_sla.seed(acme)  # idempotent
    assert BusinessCalendar.objects.filter(organization=acme).count() == 1
    assert sorted(SlaPolicy.objects.filter(organization=acme).values_list("priority", "position")) == [
        ("critical", 100), ("high", 110), ("low", 130), ("medium", 120),
    ]  # fmt: skip
    early = Ticket.objects.select_related("sla_policy").get(pk=early.pk)
    assert early.sla_policy is not None and early.sla_policy.name == "Low"
    assert early.resolution_due_at is not None
    later = services.ticket_create(actor=requester, title="After", priority="critical")
    assert Ticket.objects.get(pk=later.pk).sla_policy.name == "Critical"  # type: ignore[union-attr]
