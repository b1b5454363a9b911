"""Public replies and internal notes: who may post, who may read them anywhere, mentions, cooldown."""

from __future__ import annotations

import time
from typing import Any

import pytest
import time_machine

from ruledesk.tenancy.models import Role, User
from tests import factories
from tests.api.problems import assert_problem, field_errors
from tests.workflows.conftest import fresh, make_ticket
from workflows import services
from workflows.models import Comment, Ticket


def _post(client: Any, ticket: Ticket, body: str, visibility: str | None = None) -> Any:
    data = {"body": body} if visibility is None else {"body": body, "visibility": visibility}
    return client.post(f"/api/v1/tickets/{ticket.pk}/comments", data, format="json")


@pytest.fixture
def thread(agent: User, requester: User) -> dict[str, Any]:
    """A requester's ticket with a public reply and an internal note mentioning a code word."""
    ticket = make_ticket(requester, title="Screen flickers")
    public = services.comment_create(actor=agent, ticket=ticket, body="Try another cable.")
    internal = services.comment_create(
        actor=agent, ticket=ticket, body="Suspect zebracorn firmware.", visibility="internal"
    )
    return {"ticket": ticket, "public": public, "internal": internal}


def test_agent_posts_public_reply_and_internal_note(api, agent, requester) -> None:
    ticket = make_ticket(requester)
    client = api(agent)
    reply = _post(client, ticket, "We are **on it**.")
    note = _post(client, ticket, "Check the logs.", "internal")
    assert (reply.status_code, note.status_code) == (201, 201)
    body = reply.json()
    assert set(body) == {
        "id",
        "author",
        "body",
        "body_html",
        "visibility",
        "mentions",
        "created_at",
    }
    assert body["author"] == {"id": agent.pk, "name": agent.name, "email": agent.email}
    assert (body["body"], body["visibility"], body["mentions"]) == (
        "We are **on it**.",
        "public",
        [],
    )
    assert "<strong>on it</strong>" in body["body_html"]
    assert note.json()["visibility"] == "internal"
    assert list(Comment.objects.order_by("id").values_list("visibility", flat=True)) == [
        "public",
        "internal",
    ]


def test_requester_replies_publicly_but_cannot_post_internal_notes(api, requester) -> None:
    ticket = make_ticket(requester)
    client = api(requester)
    assert _post(client, ticket, "Any news?").status_code == 201
    assert_problem(_post(client, ticket, "Sneaky note", "internal"), 403, "permission_denied")
    assert list(Comment.objects.values_list("body", flat=True)) == ["Any news?"]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"body": ""}, "body"),
        ({"body": "   "}, "body"),
        ({}, "body"),
        ({"body": "x", "visibility": "secret"}, "visibility"),
        ({"body": "x", "author": 1}, "author"),
        ({"body": "x" * 50_001}, "body"),
    ],
)
def test_invalid_comment_is_400_naming_the_field(api, agent, requester, data, field) -> None:
    ticket = make_ticket(requester)
    response = api(agent).post(f"/api/v1/tickets/{ticket.pk}/comments", data, format="json")
    assert field in field_errors(assert_problem(response, 400, "validation_error"))
    assert not Comment.objects.exists()


def test_requester_never_sees_internal_notes_in_the_comment_list(
    api, agent, requester, thread
) -> None:
    url = f"/api/v1/tickets/{thread['ticket'].pk}/comments"
    mine = api(requester).get(url)
    assert [c["id"] for c in mine.json()["results"]] == [thread["public"].pk]
    theirs = api(agent).get(url)
    assert [c["id"] for c in theirs.json()["results"]] == [
        thread["public"].pk,
        thread["internal"].pk,
    ]


def test_requester_gets_404_for_an_internal_note_detail(api, agent, requester, thread) -> None:
    base = f"/api/v1/tickets/{thread['ticket'].pk}/comments"
    assert_problem(api(requester).get(f"{base}/{thread['internal'].pk}"), 404, "not_found")
    assert (
        api(requester).get(f"{base}/{thread['public'].pk}").json()["body"] == "Try another cable."
    )
    assert api(agent).get(f"{base}/{thread['internal'].pk}").json()["visibility"] == "internal"


def test_comment_resolves_only_through_its_own_ticket(api, agent, requester, thread) -> None:
    other = make_ticket(requester, title="Other")
    response = api(agent).get(f"/api/v1/tickets/{other.pk}/comments/{thread['public'].pk}")
    assert_problem(response, 404, "not_found")


def test_requester_history_has_no_entry_about_internal_notes(api, agent, requester, thread) -> None:
    url = f"/api/v1/tickets/{thread['ticket'].pk}/history"
    mine = api(requester).get(url).json()["results"]
    theirs = api(agent).get(url).json()["results"]
    assert [e.get("to") for e in mine if e["kind"] == "comment"] == ["public"]
    assert [e.get("to") for e in theirs if e["kind"] == "comment"] == ["public", "internal"]
    assert "internal" not in str(mine)


def test_search_over_internal_notes_is_for_agents_only(api, agent, requester, thread) -> None:
    ticket = thread["ticket"]
    assert api(requester).get("/api/v1/tickets?q=zebracorn").json()["results"] == []
    assert [t["id"] for t in api(agent).get("/api/v1/tickets?q=zebracorn").json()["results"]] == [
        ticket.pk
    ]
    # Public replies are searchable by the requester.
    assert [t["id"] for t in api(requester).get("/api/v1/tickets?q=cable").json()["results"]] == [
        ticket.pk
    ]


def test_mentions_of_readers_in_the_organization_are_stored(
    api, acme, admin, agent, requester
) -> None:
    factories.user(acme, Role.AGENT, email="dave@acme.test", name="Dave Desk")
    ticket = make_ticket(requester)
    body = (
        "Ping @agent@acme.test and @DaveDesk, not @admin@globex.test nor @ghost@acme.test "
        "nor mail admin@acme.test."
    )
    response = _post(api(admin), ticket, body, "internal")
    assert response.status_code == 201
    mentions = response.json()["mentions"]
    assert sorted(m["email"] for m in mentions) == ["agent@acme.test", "dave@acme.test"]
    assert response.json()["body"] == body
    assert "@admin@globex.test" in response.json()["body_html"]
    assert "@ghost@acme.test" in response.json()["body_html"]


def test_other_organizations_users_are_never_mentioned(api, agent, requester, outsider) -> None:
    ticket = make_ticket(requester)
    response = _post(api(agent), ticket, f"cc @{outsider.email}")
    assert response.json()["mentions"] == []
    assert list(Comment.objects.get().mentions.all()) == []


def test_users_who_cannot_read_the_comment_are_not_mentioned(api, acme, agent, requester) -> None:
    stranger = factories.user(acme, Role.REQUESTER, email="stranger@acme.test")
    ticket = make_ticket(requester)
    client = api(agent)
    note = _post(client, ticket, "@requester@acme.test must not hear of this", "internal")
    assert note.json()["mentions"] == []
    reply = _post(client, ticket, "@requester@acme.test and @stranger@acme.test")
    assert [m["id"] for m in reply.json()["mentions"]] == [requester.pk]
    assert stranger.pk not in Comment.objects.values_list("mentions", flat=True)


def test_first_response_is_the_first_public_agent_comment(api, agent, admin, requester) -> None:
    ticket = make_ticket(requester)
    _post(api(requester), ticket, "Hello?")
    _post(api(agent), ticket, "Looking", "internal")
    assert fresh(ticket).first_responded_at is None
    first = _post(api(agent), ticket, "On it.")
    responded = fresh(ticket).first_responded_at
    assert responded is not None
    assert (
        first.json()["created_at"]
        == api(agent).get(f"/api/v1/tickets/{ticket.pk}").json()["first_responded_at"]
    )
    _post(api(admin), ticket, "Also on it.")
    _post(api(requester), ticket, "Thanks.")
    assert fresh(ticket).first_responded_at == responded


def test_sixth_comment_within_ten_seconds_is_rate_limited(api, agent, requester, settings) -> None:
    ticket = make_ticket(requester)
    client = api(agent)
    window_start = (int(time.time()) // 10 + 1) * 10  # the start of the next 10 s window
    with time_machine.travel(window_start + 0.5, tick=False):
        codes = [_post(client, ticket, f"reply {n}").status_code for n in range(5)]
        limited = _post(client, ticket, "one too many")
    assert codes == [201] * 5
    assert_problem(limited, 429, "rate_limited")
    assert int(limited["Retry-After"]) in range(1, 11)
    assert Comment.objects.count() == settings.RULEDESK_RATE_COMMENTS_PER_10S == 5
    assert not Comment.objects.filter(body="one too many").exists()
