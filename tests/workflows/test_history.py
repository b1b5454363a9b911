"""Ticket history: references in `from`/`to` embedded like everywhere else, resolved in batch."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ruledesk import keyset
from ruledesk.tenancy.models import Organization, Role, Team, User
from tests import factories
from tests.api.problems import assert_problem, field_errors
from tests.workflows.conftest import fresh, make_ticket
from workflows import services
from workflows.models import Category, Ticket


def _history(client: Any, ticket: Ticket, query: str = "") -> dict[str, Any]:
    response = client.get(f"/api/v1/tickets/{ticket.pk}/history{query}")
    assert response.status_code == 200, response.content
    body: dict[str, Any] = response.json()
    return body


def _changes(body: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    return [(e["field"], e["from"], e["to"]) for e in body["results"] if e["kind"] == "field"]


def _user(user: User, email: bool = True) -> dict[str, Any]:
    return {"id": user.pk, "name": user.name, "email": user.email if email else None}


def _named(obj: Any) -> dict[str, Any]:
    return {"id": obj.pk, "name": obj.name}


@pytest.fixture
def setting(acme: Organization, admin: User, agent: User, requester: User) -> dict[str, Any]:
    """A requester's ticket: assigned, categorised and given a team, then all of it changed."""
    support = factories.team(acme, "Support", agent)
    desk = factories.team(acme, "Desk", admin)
    hardware = services.category_create(actor=admin, name="Hardware")
    software = services.category_create(actor=admin, name="Software")
    ticket = make_ticket(requester)
    services.ticket_update(
        actor=admin,
        ticket=fresh(ticket),
        assignee_id=agent.pk,
        category_id=hardware.pk,
        team_id=support.pk,
    )
    services.ticket_update(
        actor=admin,
        ticket=fresh(ticket),
        assignee_id=admin.pk,
        category_id=software.pk,
        team_id=desk.pk,
        priority="high",
    )
    services.ticket_update(actor=admin, ticket=fresh(ticket), assignee_id=None, team_id=None)
    return {
        "ticket": ticket,
        "support": support,
        "desk": desk,
        "hardware": hardware,
        "software": software,
    }


def test_assignee_category_and_team_are_embedded_objects(api, admin, agent, setting) -> None:
    s = setting
    assert _changes(_history(api(agent), s["ticket"])) == [
        ("category", None, _named(s["hardware"])),
        ("assignee", None, _user(agent)),
        ("team", None, _named(s["support"])),
        ("priority", "medium", "high"),
        ("category", _named(s["hardware"]), _named(s["software"])),
        ("assignee", _user(agent), _user(admin)),
        ("team", _named(s["support"]), _named(s["desk"])),
        ("assignee", _user(admin), None),
        ("team", _named(s["desk"]), None),
    ]


def test_requesters_see_no_staff_email_in_history(api, admin, agent, requester, setting) -> None:
    changes = _changes(_history(api(requester), setting["ticket"]))
    assignees = [(before, after) for field, before, after in changes if field == "assignee"]
    assert assignees == [
        (None, _user(agent, email=False)),
        (_user(agent, email=False), _user(admin, email=False)),
        (_user(admin, email=False), None),
    ]


def test_deleted_references_keep_their_id_with_a_null_name(api, admin, agent, setting) -> None:
    s = setting
    desk_id, hardware_id = s["desk"].pk, s["hardware"].pk
    Team.objects.filter(pk=desk_id).delete()
    services.category_merge(actor=admin, source=s["hardware"], target=s["software"])
    assert not Category.objects.filter(pk=hardware_id).exists()

    changes = _changes(_history(api(agent), s["ticket"]))

    assert ("category", None, {"id": hardware_id, "name": None}) in changes
    assert ("team", _named(s["support"]), {"id": desk_id, "name": None}) in changes
    assert ("team", {"id": desk_id, "name": None}, None) in changes


def test_a_deleted_user_stays_embedded_by_name(api, admin, agent, setting) -> None:
    User.objects.filter(pk=agent.pk).update(deleted_at=timezone.now(), is_active=False)
    changes = _changes(_history(api(admin), setting["ticket"]))
    assert ("assignee", None, _user(agent)) in changes


def test_an_unknown_user_id_is_a_ref_with_null_name_and_email(api, acme, admin, setting) -> None:
    """A history row naming a user that no longer exists at all (hard-deleted)."""
    ticket = setting["ticket"]
    gone = factories.user(acme, Role.AGENT)
    services.ticket_update(actor=admin, ticket=fresh(ticket), assignee_id=gone.pk)
    Ticket.history.filter(assignee_id=gone.pk).update(assignee_id=gone.pk + 10_000)

    changes = _changes(_history(api(admin), ticket))

    ghost = {"id": gone.pk + 10_000, "name": None, "email": None}
    assert changes[-1] == ("assignee", None, ghost)


def test_query_count_does_not_grow_with_entries(api, acme, admin, agent, requester) -> None:
    teams = [factories.team(acme, f"Team {n}") for n in range(6)]
    categories = [services.category_create(actor=admin, name=f"Cat {n}") for n in range(6)]
    assignees = [agent, admin] * 3

    def ticket_with(changes: int) -> Ticket:
        ticket = make_ticket(requester)
        for n in range(changes):
            services.ticket_update(
                actor=admin,
                ticket=fresh(ticket),
                assignee_id=assignees[n].pk,
                category_id=categories[n].pk,
                team_id=teams[n].pk,
                title=f"Title {n}",
            )
            author = (agent, admin)[n % 2]  # stays under the per-user comment cooldown
            services.comment_create(actor=author, ticket=fresh(ticket), body=f"Note {n}")
        services.ticket_transition(actor=admin, ticket=fresh(ticket), name="open")
        return ticket

    client = api(agent)
    small, large = ticket_with(1), ticket_with(6)
    _history(client, small)  # warm the grants cache and the token's last-use stamp

    def count(ticket: Ticket) -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            body = _history(client, ticket, "?page_size=100")
        return len(captured.captured_queries), len(body["results"])

    (few_queries, few), (many_queries, many) = count(small), count(large)
    assert (few, many) == (4 + 1 + 1, 6 * 4 + 6 + 1)
    assert many_queries == few_queries


def test_history_pages_embed_each_page_and_follow_links(api, admin, agent, setting) -> None:
    client = api(agent)
    everything = _changes(_history(client, setting["ticket"]))
    seen: list[Any] = []
    body = _history(client, setting["ticket"], "?page_size=2")
    while True:
        seen += _changes(body)
        if not body["next"]:
            break
        parts = urlsplit(body["next"])
        body = _history(client, setting["ticket"], f"?{parts.query}")
    assert seen == everything
    back = client.get(body["previous"]).json()
    assert back["next"]


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "MTA=",  # the former format: base64 of an offset
        keyset.encode_token({"o": "history", "n": -1}),
        keyset.encode_token({"o": "history", "n": "5"}),
        keyset.encode_token({"o": "history", "n": 10**12}),
        keyset.encode_token({"o": "id", "v": [1]}),
    ],
)
def test_a_bad_history_cursor_is_a_400(api, agent, setting, cursor: str) -> None:
    response = api(agent).get(f"/api/v1/tickets/{setting['ticket'].pk}/history", {"cursor": cursor})
    assert field_errors(assert_problem(response, 400, "validation_error")) == {"cursor": "invalid"}
