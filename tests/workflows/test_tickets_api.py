"""Creating, listing, filtering, ordering and editing tickets through the API."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from ruledesk.api.renderers import JSONRenderer
from ruledesk.tenancy.models import Organization, Role, User
from tests import factories
from tests.api.problems import assert_problem, field_errors
from tests.workflows.conftest import fresh, make_ticket
from workflows import selectors, services
from workflows.api.presenters import ticket_out
from workflows.models import BusinessCalendar, Category, SlaPolicy, Tag, Ticket

TICKET_KEYS = {
    "id", "number", "title", "description", "description_html", "status", "priority",
    "category", "tags", "requester", "assignee", "team", "created_at", "updated_at",
    "first_responded_at", "resolved_at", "closed_at", "reopen_count", "sla",
    "available_transitions",
}  # fmt: skip


def _ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def _ref(user: User) -> dict[str, Any]:
    return {"id": user.pk, "name": user.name, "email": user.email}


@pytest.fixture
def support(acme: Organization, agent: User):
    return factories.team(acme, "Support", agent)


@pytest.fixture
def hardware(admin: User) -> Category:
    return services.category_create(actor=admin, name="Hardware")


# --- create ---------------------------------------------------------------------------------


def test_requester_creates_ticket_numbered_per_organization(api, requester, outsider, acme) -> None:
    client = api(requester)
    first = client.post("/api/v1/tickets", {"title": "VPN down"}, format="json")
    second = client.post("/api/v1/tickets", {"title": "Mail slow"}, format="json")
    elsewhere = api(outsider).post("/api/v1/tickets", {"title": "Theirs"}, format="json")
    assert (first.status_code, second.status_code, elsewhere.status_code) == (201, 201, 201)
    assert (first.json()["number"], second.json()["number"]) == ("ACME-1", "ACME-2")
    assert elsewhere.json()["number"] == "GLOBEX-1"
    body = first.json()
    assert set(body) == TICKET_KEYS
    assert body["status"] == "new"
    assert body["priority"] == "medium"
    assert body["requester"] == _ref(requester)
    assert (body["assignee"], body["team"], body["category"], body["tags"]) == (
        None,
        None,
        None,
        [],
    )
    assert body["reopen_count"] == 0
    assert body["available_transitions"] == []
    assert body["sla"] == {
        "policy": None,
        "first_response_due_at": None,
        "resolution_due_at": None,
        "paused": False,
        "first_response_breached": False,
        "resolution_breached": False,
    }
    assert body["created_at"].endswith("Z")


def test_description_html_is_sanitized_markdown(api, requester) -> None:
    description = (
        "**Urgent** <script>alert(1)</script> [click](javascript:alert(2)) "
        '<img src=x onerror="alert(3)"> <a href="data:text/html,x">d</a> [docs](https://example.com)'
    )
    response = api(requester).post(
        "/api/v1/tickets", {"title": "XSS", "description": description}, format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert body["description"] == description
    html = body["description_html"]
    assert "<strong>Urgent</strong>" in html
    assert html.count("<a ") == 1
    assert '<a href="https://example.com"' in html
    for bad in ("<script", "<img", '<a href="javascript:', '<a href="data:', "style="):
        assert bad not in html.lower()
    assert Ticket.objects.get(pk=body["id"]).description_html == html


def test_agent_creates_ticket_with_category_tags_assignee_and_team(
    api, agent, support, hardware
) -> None:
    response = api(agent).post(
        "/api/v1/tickets",
        {
            "title": "Laptop",
            "priority": "high",
            "category": hardware.pk,
            "tags": ["vip", "printer"],
            "assignee": agent.pk,
            "team": support.pk,
        },
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["category"] == {"id": hardware.pk, "name": "Hardware"}
    assert body["team"] == {"id": support.pk, "name": "Support"}
    assert body["assignee"] == _ref(agent)
    assert body["tags"] == ["printer", "vip"]
    assert body["priority"] == "high"
    assert sorted(Tag.objects.values_list("name", flat=True)) == ["printer", "vip"]


def test_category_default_team_is_applied_on_create(api, admin, requester, support) -> None:
    category = services.category_create(actor=admin, name="Access", default_team_id=support.pk)
    response = api(requester).post(
        "/api/v1/tickets", {"title": "Badge", "category": category.pk}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["team"] == {"id": support.pk, "name": "Support"}


@pytest.mark.parametrize(
    "extra",
    [
        {"tags": ["vip"]},
        {"tags": []},
        {"assignee": "agent"},
        {"assignee": None},
        {"team": "support"},
        {"team": None},
    ],
)
def test_requester_sending_staff_fields_on_create_is_forbidden(
    api, requester, agent, support, extra: dict[str, Any]
) -> None:
    values = {"agent": agent.pk, "support": support.pk}
    body = {
        "title": "Mine",
        **{k: values.get(v, v) if isinstance(v, str) else v for k, v in extra.items()},
    }
    response = api(requester).post("/api/v1/tickets", body, format="json")
    assert_problem(response, 403, "permission_denied")
    assert not Ticket.objects.exists()
    assert not Tag.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "x", "status": "closed"}, "status"),
        ({"title": "x", "organization": 2}, "organization"),
        ({"title": "x", "requester": 1}, "requester"),
        ({"title": "x", "priority": "urgent"}, "priority"),
        ({"title": ""}, "title"),
        ({}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": "x", "category": "one"}, "category"),
        ({"title": "x", "category": 2**60}, "category"),
        ({"title": "x", "tags": "vip"}, "tags"),
    ],
)
def test_invalid_create_is_400_naming_the_field(
    api, agent, body: dict[str, Any], field: str
) -> None:
    response = api(agent).post("/api/v1/tickets", body, format="json")
    problem = assert_problem(response, 400, "validation_error")
    assert field in field_errors(problem)
    assert not Ticket.objects.exists()


# --- references to other objects --------------------------------------------------------------


def test_archived_category_and_tag_are_refused_on_new_tickets(api, admin, agent, hardware) -> None:
    tag = services.tag_create(actor=admin, name="legacy")
    services.category_archive(actor=admin, category=hardware)
    services.tag_archive(actor=admin, tag=tag)
    client = api(agent)
    response = client.post(
        "/api/v1/tickets", {"title": "x", "category": hardware.pk}, format="json"
    )
    assert field_errors(assert_problem(response, 400, "validation_error")) == {
        "category": "archived"
    }
    response = client.post("/api/v1/tickets", {"title": "x", "tags": ["LEGACY"]}, format="json")
    assert field_errors(assert_problem(response, 400, "validation_error")) == {
        "tags[0]": "archived"
    }
    assert not Ticket.objects.exists()


def test_archived_category_and_tag_stay_on_old_tickets(
    api, admin, agent, requester, hardware
) -> None:
    ticket = make_ticket(agent, category_id=hardware.pk, tags=["legacy", "vip"])
    other = make_ticket(requester)
    services.category_archive(actor=admin, category=hardware)
    services.tag_archive(actor=admin, tag=Tag.objects.get(name="legacy"))
    client = api(agent)
    body = client.get(f"/api/v1/tickets/{ticket.pk}").json()
    assert (body["category"], body["tags"]) == (
        {"id": hardware.pk, "name": "Hardware"},
        ["legacy", "vip"],
    )
    # Editing other fields, or re-sending what the ticket already has, keeps them.
    response = client.patch(
        f"/api/v1/tickets/{ticket.pk}",
        {"priority": "low", "category": hardware.pk, "tags": ["legacy", "vip", "new"]},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert (response.json()["category"]["id"], response.json()["tags"]) == (
        hardware.pk,
        ["legacy", "new", "vip"],
    )
    # ... but they cannot be put on another ticket.
    for patch, field in (
        ({"category": hardware.pk}, "category"),
        ({"tags": ["legacy"]}, "tags[0]"),
    ):
        response = client.patch(f"/api/v1/tickets/{other.pk}", patch, format="json")
        assert field_errors(assert_problem(response, 400, "validation_error")) == {
            field: "archived"
        }
    other = fresh(other)
    assert (other.category_id, list(other.tags.all())) == (None, [])


def test_other_organizations_references_are_unknown_and_never_leak(
    api, agent, outsider, globex
) -> None:
    their_category = services.category_create(actor=outsider, name="Secret Project X")
    their_team = factories.team(globex, "Globex Ops", outsider)
    client = api(agent)
    ticket = make_ticket(agent)
    for field, value in (
        ("category", their_category.pk),
        ("team", their_team.pk),
        ("assignee", outsider.pk),
    ):
        created = client.post("/api/v1/tickets", {"title": "x", field: value}, format="json")
        patched = client.patch(f"/api/v1/tickets/{ticket.pk}", {field: value}, format="json")
        for response in (created, patched):
            problem = assert_problem(response, 400, "validation_error")
            assert field_errors(problem) == {field: "does_not_exist"}
            text = response.content.decode()
            assert "Secret Project" not in text and "Globex" not in text and "globex" not in text
    stored = fresh(ticket)
    assert (stored.category_id, stored.team_id, stored.assignee_id) == (None, None, None)
    assert Ticket.objects.count() == 1


def test_requester_cannot_be_assigned(api, agent, requester) -> None:
    ticket = make_ticket(requester)
    response = api(agent).patch(
        f"/api/v1/tickets/{ticket.pk}", {"assignee": requester.pk}, format="json"
    )
    assert field_errors(assert_problem(response, 400, "validation_error")) == {
        "assignee": "does_not_exist"
    }
    assert fresh(ticket).assignee_id is None


# --- update -----------------------------------------------------------------------------------


def test_agent_patches_every_editable_field(api, agent, requester, support, hardware) -> None:
    ticket = make_ticket(requester)
    client = api(agent)
    response = client.patch(
        f"/api/v1/tickets/{ticket.pk}",
        {
            "title": "Printer really on fire",
            "priority": "critical",
            "category": hardware.pk,
            "tags": ["fire"],
            "assignee": agent.pk,
            "team": support.pk,
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["title"], body["priority"], body["tags"]) == (
        "Printer really on fire",
        "critical",
        ["fire"],
    )
    assert body["category"] == {"id": hardware.pk, "name": "Hardware"}
    assert body["assignee"] == _ref(agent)
    assert body["team"] == {"id": support.pk, "name": "Support"}
    assert response["ETag"]
    # Clearing works too.
    response = client.patch(
        f"/api/v1/tickets/{ticket.pk}",
        {"category": None, "assignee": None, "team": None, "tags": []},
        format="json",
    )
    body = response.json()
    assert (body["category"], body["assignee"], body["team"], body["tags"]) == (
        None,
        None,
        None,
        [],
    )
    history = client.get(f"/api/v1/tickets/{ticket.pk}/history").json()["results"]
    assert {e["field"] for e in history if e["kind"] == "field"} == {
        "title", "priority", "category", "assignee", "team",
    }  # fmt: skip


def test_patch_with_current_etag_succeeds_and_stale_etag_is_412(api, agent, requester) -> None:
    ticket = make_ticket(requester)
    client = api(agent)
    url = f"/api/v1/tickets/{ticket.pk}"
    etag = client.get(url)["ETag"]
    assert etag.startswith('"')
    first = client.patch(url, {"priority": "high"}, format="json", HTTP_IF_MATCH=etag)
    assert first.status_code == 200
    assert first["ETag"] != etag
    stale = client.patch(url, {"priority": "low"}, format="json", HTTP_IF_MATCH=etag)
    assert_problem(stale, 412, "precondition_failed")
    assert fresh(ticket).priority == "high"
    again = client.patch(url, {"priority": "low"}, format="json", HTTP_IF_MATCH=first["ETag"])
    assert again.status_code == 200
    assert client.get(url)["ETag"] == again["ETag"]


@pytest.mark.parametrize("role", ["requester", "agent", "admin"])
def test_patch_of_status_is_400_for_everyone(api, acme, requester, role: str) -> None:
    actor = requester if role == "requester" else factories.user(acme, role)
    ticket = make_ticket(requester)
    response = api(actor).patch(f"/api/v1/tickets/{ticket.pk}", {"status": "closed"}, format="json")
    assert field_errors(assert_problem(response, 400, "validation_error")) == {
        "status": "read_only"
    }
    assert fresh(ticket).status == "new"


@pytest.mark.parametrize(
    "patch",
    [{"title": "Mine now"}, {"priority": "critical"}, {"assignee": "agent"}, {"tags": ["x"]}],
)
def test_requester_patch_is_forbidden_and_changes_nothing(
    api, agent, requester, patch: dict[str, Any]
) -> None:
    ticket = make_ticket(requester)
    before = fresh(ticket)
    body = {k: agent.pk if v == "agent" else v for k, v in patch.items()}
    response = api(requester).patch(f"/api/v1/tickets/{ticket.pk}", body, format="json")
    assert_problem(response, 403, "permission_denied")
    after = fresh(ticket)
    assert (after.title, after.priority, after.assignee_id, after.updated_at) == (
        before.title,
        before.priority,
        before.assignee_id,
        before.updated_at,
    )
    assert not Tag.objects.exists()


@pytest.mark.parametrize("field", ["number", "requester", "created_at", "reopen_count", "bogus"])
def test_patch_of_read_only_or_unknown_field_is_400(api, agent, requester, field: str) -> None:
    ticket = make_ticket(requester)
    response = api(agent).patch(f"/api/v1/tickets/{ticket.pk}", {field: 1}, format="json")
    assert field in field_errors(assert_problem(response, 400, "validation_error"))


# --- list, filters, ordering ------------------------------------------------------------------


def test_requesters_see_only_their_own_tickets_agents_see_the_organization(
    api, acme, agent, admin, requester
) -> None:
    other = factories.user(acme, Role.REQUESTER)
    mine = make_ticket(requester)
    theirs = make_ticket(other)
    assert _ids(api(requester).get("/api/v1/tickets")) == [mine.pk]
    assert _ids(api(other).get("/api/v1/tickets")) == [theirs.pk]
    assert_problem(api(requester).get(f"/api/v1/tickets/{theirs.pk}"), 404, "not_found")
    for staff in (agent, admin):
        assert _ids(api(staff).get("/api/v1/tickets")) == [theirs.pk, mine.pk]
    # No parameter widens a requester's scope.
    assert _ids(api(requester).get(f"/api/v1/tickets?requester={other.pk}")) == []


@pytest.fixture
def catalogue(acme, admin, agent, requester, support, hardware) -> dict[str, Any]:
    """Five tickets with distinct attributes, created a day apart (oldest first)."""
    other = factories.user(acme, Role.REQUESTER, email="requester2@acme.test")
    software = services.category_create(actor=admin, name="Software")
    now = timezone.now()
    specs: list[dict[str, Any]] = [
        {"actor": requester, "title": "Printer jammed", "description": "paper everywhere",
         "priority": "low"},
        {"actor": agent, "title": "Laptop broken", "priority": "high", "category_id": hardware.pk,
         "tags": ["vip"], "assignee_id": agent.pk, "team_id": support.pk},
        {"actor": other, "title": "Password reset", "priority": "critical"},
        {"actor": agent, "title": "Install editor", "category_id": software.pk,
         "tags": ["vip", "onboarding"], "assignee_id": admin.pk},
        {"actor": requester, "title": "Monitor flickers", "priority": "medium"},
    ]  # fmt: skip
    tickets = []
    for index, spec in enumerate(specs):
        actor = spec.pop("actor")
        ticket = services.ticket_create(actor=actor, **spec)
        stamp = now - timedelta(days=len(specs) - index)
        Ticket.objects.filter(pk=ticket.pk).update(
            created_at=stamp, updated_at=now - timedelta(hours=index)
        )
        tickets.append(ticket)
    services.ticket_transition(actor=agent, ticket=tickets[1], name="open")
    services.ticket_transition(actor=agent, ticket=tickets[3], name="resolve")
    Ticket.objects.filter(pk=tickets[1].pk).update(resolution_breached=True)
    # SLA: every ticket under one policy; #2 is inside its warning window (at risk).
    calendar = BusinessCalendar.objects.create(
        organization=acme, name="Office", timezone="UTC", hours={"mon": [["09:00", "17:00"]]}
    )
    any_ticket = SlaPolicy.objects.create(
        organization=acme,
        name="Any",
        calendar=calendar,
        first_response_minutes=60,
        resolution_minutes=480,
    )
    Ticket.objects.filter(pk__in=[t.pk for t in tickets]).update(sla_policy=any_ticket)
    Ticket.objects.filter(pk=tickets[2].pk).update(
        resolution_due_at=now + timedelta(minutes=20),
        resolution_warn_at=now - timedelta(minutes=10),
    )
    Ticket.objects.filter(pk=tickets[4].pk).update(resolution_due_at=now + timedelta(days=2))
    # Touching updated_at again so the update ordering is the fixed one below.
    for index, ticket in enumerate(tickets):
        Ticket.objects.filter(pk=ticket.pk).update(updated_at=now - timedelta(hours=index))
    return {
        "t": [t.pk for t in tickets],
        "other": other,
        "software": software,
        "now": now,
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", [4, 3, 2, 1, 0]),
        ("status=new", [4, 2, 0]),
        ("status=open,resolved", [3, 1]),
        ("priority=critical", [2]),
        ("priority=low,high", [1, 0]),
        ("category={hardware}", [1]),
        ("tag=vip", [3, 1]),
        ("tag=VIP", [3, 1]),
        ("tag=nothing", []),
        ("assignee=me", [1]),
        ("assignee={admin}", [3]),
        ("assignee=none", [4, 2, 0]),
        ("team={support}", [1]),
        ("requester={requester}", [4, 0]),
        ("requester={other}", [2]),
        ("q=printer", [0]),
        ("q=paper", [0]),
        ("q=laptop OR editor", [3, 1]),
        ("sla=breached", [1]),
        ("sla=at_risk", [2]),
        # ok = under a policy, running (not resolved/closed), not at risk, not breached.
        ("sla=ok", [4, 0]),
        ("sla=breached,at_risk", [2, 1]),
        ("created_after={day3}", [4, 3, 2]),
        ("created_before={day3}", [1, 0]),
        ("created_after={day3}&created_before={day1}", [3, 2]),
        ("status=new&priority=low", [0]),
        ("ordering=created_at", [0, 1, 2, 3, 4]),
        ("ordering=-created_at", [4, 3, 2, 1, 0]),
        ("ordering=updated_at", [4, 3, 2, 1, 0]),
        ("ordering=-updated_at", [0, 1, 2, 3, 4]),
        ("ordering=priority", [0, 3, 4, 1, 2]),
        ("ordering=-priority", [2, 1, 4, 3, 0]),
        ("bogus=1&page=9", [4, 3, 2, 1, 0]),
    ],
)
def test_list_filters_and_orderings(
    api, agent, admin, requester, support, hardware, catalogue, query: str, expected: list[int]
) -> None:
    now = catalogue["now"]
    query = query.format(
        hardware=hardware.pk,
        admin=admin.pk,
        support=support.pk,
        requester=requester.pk,
        other=catalogue["other"].pk,
        day3=(now - timedelta(days=3, hours=1)).isoformat().replace("+00:00", "Z"),
        # Yesterday's midnight: after #3 (two days ago), not after #4 (a day ago), at
        # every time of day (an hour earlier, it failed from 00:00 to 01:00 UTC).
        day1=(now - timedelta(days=1)).date().isoformat(),
    )
    response = api(agent).get(f"/api/v1/tickets?{query}".replace("+", "%2B"))
    assert _ids(response) == [catalogue["t"][i] for i in expected]


def test_resolution_due_ordering_pages_through_tickets_without_deadlines(
    api, agent, catalogue
) -> None:
    client = api(agent)
    seen: list[int] = []
    url: str | None = "/api/v1/tickets?ordering=resolution_due_at&page_size=2"
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        seen += [row["id"] for row in response.json()["results"]]
        url = response.json()["next"]
    t = catalogue["t"]
    assert seen[:2] == [t[2], t[4]]
    assert sorted(seen) == sorted(t)


@pytest.mark.parametrize(
    "query",
    [
        "status=bogus",
        "status=new,bogus",
        "priority=urgent",
        "category=abc",
        "category=-1",
        "category=1.5",
        "category=%C2%B2",
        "team=99999999999999999999",
        "requester=me",
        "assignee=someone",
        "assignee=%C2%B2",
        "sla=late",
        "created_after=yesterday",
        "created_after=2026-13-45",
        "created_before=2026-02-30T25:00:00",
        "ordering=title",
        "ordering=-resolution_due_at",
        "page_size=0",
        "cursor=%%%",
    ],
)
def test_invalid_list_parameters_are_400_never_500(api, agent, requester, query: str) -> None:
    make_ticket(requester)
    response = api(agent).get(f"/api/v1/tickets?{query}")
    assert_problem(response, 400, "validation_error")


def test_requester_search_finds_only_their_tickets(api, acme, requester) -> None:
    other = factories.user(acme, Role.REQUESTER)
    mine = make_ticket(requester, title="Keyboard sticky")
    make_ticket(other, title="Keyboard missing")
    assert _ids(api(requester).get("/api/v1/tickets?q=keyboard")) == [mine.pk]


def test_forged_cursor_on_resolution_due_ordering_is_400(api, agent, requester) -> None:
    import base64

    make_ticket(requester)
    cursor = base64.b64encode(b"o=0&p=not-a-date").decode()
    response = api(agent).get(f"/api/v1/tickets?ordering=resolution_due_at&cursor={cursor}")
    assert field_errors(assert_problem(response, 400, "validation_error")) == {"cursor": "invalid"}


def test_every_list_item_is_what_the_detail_answers(
    api, acme, admin, agent, requester, support, hardware
) -> None:
    """The list and the detail present rows (presenters.ticket_rows_out), writes a model
    (ticket_out): both must give the same representation, for staff and for requesters
    (hidden e-mails), with every relation set or empty and tickets in several statuses."""
    calendar = BusinessCalendar.objects.create(
        organization=acme, name="Office", timezone="UTC", hours={"mon": [["09:00", "17:00"]]}
    )
    SlaPolicy.objects.create(
        organization=acme,
        name="High",
        priority="high",
        calendar=calendar,
        first_response_minutes=60,
        resolution_minutes=480,
    )
    full = services.ticket_create(
        actor=agent,
        title="Full",
        description="**Bold**",
        priority="high",
        category_id=hardware.pk,
        tags=["vip", "Printer", "alpha"],
        assignee_id=agent.pk,
        team_id=support.pk,
    )
    bare = services.ticket_create(actor=requester, title="Bare")
    resolved = services.ticket_create(actor=requester, title="Resolved", priority="high")
    services.ticket_transition(actor=agent, ticket=resolved, name="resolve")
    services.ticket_update(actor=agent, ticket=fresh(bare), assignee_id=admin.pk)
    assert Ticket.objects.get(pk=full.pk).sla_policy_id is not None
    for viewer in (agent, admin, requester):
        client = api(viewer)
        listed = client.get("/api/v1/tickets?page_size=100").json()["results"]
        assert len(listed) == (3 if viewer != requester else 2)
        for item in listed:
            assert set(item) == TICKET_KEYS
            assert item == client.get(f"/api/v1/tickets/{item['id']}").json()
            model = selectors.access_ticket(viewer, item["id"])
            assert item == json.loads(JSONRenderer().render(ticket_out(model, viewer)))


@pytest.mark.parametrize("who", ["requester", "agent"])
def test_the_201_of_a_create_is_the_ticket_a_get_reads_next(
    api, who, acme, requester, agent, support, hardware
) -> None:
    """The 201 is built from the ticket just written, not read back: it must equal the
    detail in every field (references, SLA clocks and policy, transitions, timestamps)."""
    calendar = BusinessCalendar.objects.create(
        organization=acme, name="Office", timezone="UTC", hours={"mon": [["09:00", "17:00"]]}
    )
    SlaPolicy.objects.create(
        organization=acme,
        name="Any",
        calendar=calendar,
        first_response_minutes=60,
        resolution_minutes=480,
        reminder_percent=75,
        position=0,
    )
    body: dict[str, Any] = {"title": "Laptop", "description": "It **beeps**", "priority": "high"}
    if who == "agent":
        body |= {"category": hardware.pk, "assignee": agent.pk, "team": support.pk}
    client = api(requester if who == "requester" else agent)
    created = client.post("/api/v1/tickets", body, format="json")
    assert created.status_code == 201
    read = client.get(f"/api/v1/tickets/{created.json()['id']}")
    assert created.json() == read.json()
    assert created.json()["sla"]["policy"]["name"] == "Any"
    assert created.json()["sla"]["first_response_due_at"] is not None
