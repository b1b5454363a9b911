"""Idempotency-Key on every POST of the API (api.md), walked over the persona table's rows.

Each POST row is sent twice with one key by the first persona it succeeds for: the
second answer is the first one replayed (status, body, `Idempotent-Replayed`) and
no table changes between the two. The key's other paths — another body, a request
still in flight, two at once, a server error — are tested on ticket creation.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connections, transaction
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.test import APIClient, APIRequestFactory

from ruledesk.api import idempotency
from ruledesk.api.models import IdempotencyRecord
from ruledesk.tenancy.models import User
from tests import threads
from tests.api.problems import assert_problem
from tests.security import snapshot
from tests.security.test_url_personas import PERSONAS, TABLE, Row, World
from tests.security.test_url_personas import world as world  # noqa: F401 - the fixture
from workflows.models import Ticket, TicketCounter

KEY = "replay-key-1"
# POST rows whose success cannot be replayed with the same meaning, each with why.
NOT_REPLAYABLE: dict[str, str] = {
    "api/v1/auth/token": (
        "signing in is anonymous (keys are per user), and a replay would have to store and "
        "hand out the bearer token a second time"
    ),
    "api/v1/csat/<str:token>": (
        "a survey answer is anonymous (keys are per user) and single use by design: "
        "a repeated answer is refused 409 and records nothing"
    ),
}


def _succeeding_persona(row: Row) -> str | None:
    return next((p for p in PERSONAS if p != "anonymous" and row.expect[p] < 300), None)


API_POSTS = [
    pytest.param(row, persona, id=f"POST /{row.route} as {persona}")
    for row in TABLE
    if row.method == "POST" and row.route.startswith("api/")
    for persona in [_succeeding_persona(row)]
    if persona is not None and row.route not in NOT_REPLAYABLE
]


def test_every_api_post_is_walked() -> None:
    posts = {row.route for row in TABLE if row.method == "POST" and row.route.startswith("api/")}
    walked = {param.values[0].route for param in API_POSTS}  # type: ignore[union-attr]
    refused_for_all = {
        row.route
        for row in TABLE
        if row.method == "POST"
        and row.route.startswith("api/")
        and _succeeding_persona(row) is None
    }
    assert posts - walked - refused_for_all - set(NOT_REPLAYABLE) == set()
    assert len(walked) > 20  # the walk found the API's POST routes


@pytest.mark.parametrize(("row", "persona"), API_POSTS)
def test_a_replayed_post_answers_the_same_and_changes_nothing(
    row: Row, persona: str, world: World, api: Callable[[User | None], APIClient]
) -> None:
    path, body = row.request(world, persona)
    client = api(world.personas[persona])

    first = client.post(path, body, format="json", HTTP_IDEMPOTENCY_KEY=KEY)
    after_first = snapshot.tables()
    second = client.post(path, body, format="json", HTTP_IDEMPOTENCY_KEY=KEY)

    assert first.status_code == row.expect[persona], first.content[:300]
    assert "Idempotent-Replayed" not in first
    assert second.status_code == first.status_code
    assert second["Idempotent-Replayed"] == "true"
    assert second.content == first.content
    assert snapshot.changes(after_first, snapshot.tables()) == {}


def _create(client: APIClient, title: str = "Printer jams", key: str = KEY) -> Any:
    return client.post("/api/v1/tickets", {"title": title}, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_the_same_key_with_another_body_answers_422_and_creates_nothing(
    api: Callable[[User | None], APIClient], requester: User
) -> None:
    client = api(requester)
    assert _create(client).status_code == 201

    response = _create(client, title="Another title")

    assert_problem(response, 422, "idempotency_conflict")
    assert Ticket.objects.count() == 1


def test_a_key_whose_first_request_is_still_running_answers_409(
    api: Callable[[User | None], APIClient], requester: User
) -> None:
    """The claim is taken before the work; a second request meanwhile must not do it again."""
    client = api(requester)
    request = APIRequestFactory().post(
        "/api/v1/tickets", {"title": "Printer jams"}, format="json", HTTP_IDEMPOTENCY_KEY=KEY
    )
    request.user = requester
    claim = idempotency.begin(_drf(request))
    assert claim is not None and claim.status_code is None

    response = _create(client)

    assert_problem(response, 409, "conflict")
    assert Ticket.objects.count() == 0


def test_a_server_error_releases_the_key_and_a_retry_does_the_work(
    api: Callable[[User | None], APIClient], requester: User
) -> None:
    request = APIRequestFactory().post(
        "/api/v1/tickets", {"title": "Printer jams"}, format="json", HTTP_IDEMPOTENCY_KEY=KEY
    )
    request.user = requester
    claim = idempotency.begin(_drf(request))
    assert claim is not None

    idempotency.finish(claim, Response({"code": "server_error"}, status=503))

    assert not IdempotencyRecord.objects.filter(user=requester, key=KEY).exists()
    retry = _create(api(requester))
    assert retry.status_code == 201
    assert "Idempotent-Replayed" not in retry
    assert Ticket.objects.count() == 1


def _drf(request: Any) -> Request:
    drf = Request(request, parsers=[JSONParser()])
    drf.user = request.user
    return drf


@pytest.mark.django_db(transaction=True)
def test_two_requests_with_one_key_at_once_create_one_ticket(
    api: Callable[[User | None], APIClient], requester: User
) -> None:
    """The first request claims the key and then waits on the ticket-number lock this test
    holds; the second arrives while it waits. Only one ticket may come of it."""
    first_client, second_client = api(requester), api(requester)
    assert _create(first_client, key="warm-up").status_code == 201  # the counter row exists
    answers: dict[str, Any] = {}
    pids: list[int] = []

    def send(name: str, client: APIClient) -> None:
        try:
            pids.append(threads.backend_pid())
            answers[name] = _create(client)
        finally:
            connections.close_all()

    org = requester.organization_id
    assert org is not None
    with transaction.atomic():
        TicketCounter.objects.select_for_update().get(organization_id=org)
        first = threads.started(send, "first", first_client)
        threads.wait_until(
            lambda: len(pids) == 1 and threads.waiting_on_locks(pids) == 1,
            "the first request to claim its key and block on the number lock",
        )
        second = threads.started(send, "second", second_client)
        threads.wait_until(
            lambda: "second" in answers or threads.waiting_on_locks(pids[1:]) == 1,
            "the second request to answer or wait",
        )
    threads.join_all([first, second])

    assert answers["first"].status_code == 201
    assert answers["second"].status_code in (201, 409)
    if answers["second"].status_code == 201:
        assert answers["second"]["Idempotent-Replayed"] == "true"
        assert answers["second"].json() == answers["first"].json()
    assert Ticket.objects.filter(organization_id=org).count() == 2  # warm-up + one
