"""CSAT links (api.md, CSAT): issued signed and single use, answered once, 404/409/410."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.db import connections
from django.utils import timezone
from rest_framework.test import APIClient

from reporting import csat
from reporting.models import CsatSurvey
from ruledesk.events.models import DomainEvent
from ruledesk.notifications.models import EmailMessage
from ruledesk.tenancy.models import Organization, Role, User
from rules_engine.services import rules_install_defaults
from tests import factories, threads
from tests.rules_engine.conftest import dispatch_all
from workflows import services
from workflows.models import Ticket

BASE = "https://desk.example.test"


@pytest.fixture(autouse=True)
def base_url(settings: Any) -> None:
    settings.RULEDESK_BASE_URL = BASE


def _client(user: User | None = None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def _resolved(requester: User, agent: User) -> Ticket:
    ticket = services.ticket_create(actor=requester, title="Printer jams")
    services.ticket_transition(actor=agent, ticket=ticket, name="resolve")
    return ticket


def _request(agent: User, ticket: Ticket, **body: Any) -> dict[str, Any]:
    response = _client(agent).post(
        f"/api/v1/tickets/{ticket.pk}/csat-request",
        body,
        format="json",
        HTTP_HOST="localhost",
        HTTP_X_FORWARDED_HOST="evil.example",
    )
    assert response.status_code == 201, response.content
    return dict(response.json())


@pytest.mark.django_db
def test_a_request_issues_a_link_from_the_base_url_and_mails_it(
    acme: Organization, agent: User, requester: User
) -> None:
    ticket = _resolved(requester, agent)
    body = _request(agent, ticket)
    token = body["token"]
    assert body["url"] == f"{BASE}/csat/{token}"  # never the request's (forwarded) host
    assert len(token) >= 43
    survey = CsatSurvey.objects.get(ticket=ticket)
    assert survey.token_hash == csat.token_hash(token) != token  # only the hash is stored
    assert survey.expires_at - survey.sent_at == timedelta(days=28)
    mail = EmailMessage.objects.get(kind="csat.survey")
    assert mail.to_email == requester.email
    assert body["url"] in mail.body_text and body["url"] in mail.body_html
    assert "evil.example" not in mail.body_text


@pytest.mark.django_db
def test_the_link_answers_once_then_409(acme: Organization, agent: User, requester: User) -> None:
    ticket = _resolved(requester, agent)
    token = _request(agent, ticket)["token"]
    anonymous = _client()
    shown = anonymous.get(f"/api/v1/csat/{token}")
    assert shown.status_code == 200
    assert shown.json() == {
        "ticket_number": f"ACME-{ticket.number}",
        "title": "Printer jams",
        "already_answered": False,
    }
    first = anonymous.post(f"/api/v1/csat/{token}", {"score": 4, "comment": "Fast."}, format="json")
    assert first.status_code == 201, first.content
    assert first.json()["score"] == 4
    again = anonymous.post(f"/api/v1/csat/{token}", {"score": 1}, format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "conflict"
    assert anonymous.get(f"/api/v1/csat/{token}").json()["already_answered"] is True
    survey = CsatSurvey.objects.get(ticket=ticket)
    assert (survey.score, survey.comment) == (4, "Fast.")
    event = DomainEvent.objects.get(type="csat.received")
    assert event.payload["score"] == 4 and event.ticket_id == ticket.pk


@pytest.mark.django_db
def test_a_second_link_of_an_answered_ticket_answers_409(
    acme: Organization, agent: User, requester: User
) -> None:
    ticket = _resolved(requester, agent)
    first = _request(agent, ticket)["token"]
    second = _request(agent, ticket)["token"]
    assert _client().post(f"/api/v1/csat/{first}", {"score": 5}, format="json").status_code == 201
    assert _client().post(f"/api/v1/csat/{second}", {"score": 2}, format="json").status_code == 409
    refused = _client(agent).post(f"/api/v1/tickets/{ticket.pk}/csat-request", {}, format="json")
    assert refused.status_code == 409


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "post"])
def test_tampered_and_unknown_tokens_are_404(
    acme: Organization, agent: User, requester: User, method: str
) -> None:
    token = _request(agent, _resolved(requester, agent))["token"]
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    for wrong in (tampered, "unknown", "x" * 200):
        response = getattr(_client(), method)(f"/api/v1/csat/{wrong}", {"score": 5}, format="json")
        assert response.status_code == 404, wrong
        assert response.json()["code"] == "not_found"
    assert not CsatSurvey.objects.filter(answered_at__isnull=False).exists()


@pytest.mark.django_db
def test_an_expired_link_is_410(acme: Organization, agent: User, requester: User) -> None:
    token = _request(agent, _resolved(requester, agent), expires_in_minutes=5)["token"]
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        for method in ("get", "post"):
            response = getattr(_client(), method)(
                f"/api/v1/csat/{token}", {"score": 5}, format="json"
            )
            assert response.status_code == 410
            assert response.json()["code"] == "gone"


@pytest.mark.django_db
@pytest.mark.parametrize("score", [0, 6, "5", True, None, 4.5])
def test_a_score_outside_1_to_5_or_not_an_integer_is_400(
    acme: Organization, agent: User, requester: User, score: Any
) -> None:
    token = _request(agent, _resolved(requester, agent))["token"]
    response = _client().post(f"/api/v1/csat/{token}", {"score": score}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "score"


@pytest.mark.django_db
def test_requesters_cannot_send_surveys_and_outsiders_do_not_see_the_ticket(
    acme: Organization, agent: User, requester: User, outsider: User
) -> None:
    ticket = _resolved(requester, agent)
    path = f"/api/v1/tickets/{ticket.pk}/csat-request"
    assert _client(requester).post(path, {}, format="json").status_code == 403
    assert _client(outsider).post(path, {}, format="json").status_code == 404
    bad = _client(agent).post(path, {"expires_in_minutes": 43201}, format="json")
    assert bad.status_code == 400


@pytest.mark.django_db
def test_the_default_rule_sends_a_survey_on_resolution_once(
    acme: Organization, agent: User, requester: User
) -> None:
    rules_install_defaults(organization_id=acme.pk)
    dispatch_all()
    ticket = services.ticket_create(actor=requester, title="Printer jams")
    services.ticket_transition(actor=agent, ticket=ticket, name="resolve")
    dispatch_all()
    survey = CsatSurvey.objects.get(ticket=ticket)
    assert survey.cycle == 0 and survey.requester_id == requester.pk
    assert EmailMessage.objects.filter(kind="csat.survey", recipient=requester).count() == 1
    # Redelivering the request sends nothing twice.
    requested = DomainEvent.objects.get(type="csat.requested")
    DomainEvent.objects.filter(pk=requested.pk).update(status="pending")
    dispatch_all()
    assert CsatSurvey.objects.filter(ticket=ticket).count() == 1


@pytest.mark.django_db
def test_a_rule_can_react_to_the_answer_score(
    acme: Organization, admin: User, agent: User, requester: User
) -> None:
    from tests.rules_engine.conftest import make_rule

    make_rule(
        admin,
        event="csat.received",
        conditions={"all": [{"field": "csat.score", "operator": "lte", "value": 2}]},
        actions=[{"type": "add_tags", "tags": ["unhappy"]}],
    )
    ticket = _resolved(requester, agent)
    token = _request(agent, ticket)["token"]
    assert _client().post(f"/api/v1/csat/{token}", {"score": 2}, format="json").status_code == 201
    dispatch_all()
    assert list(Ticket.objects.get(pk=ticket.pk).tags.values_list("name", flat=True)) == ["unhappy"]


def _race(token_of: list[str], score: int = 5) -> list[int]:
    start = threading.Barrier(len(token_of))
    statuses: list[int] = []

    def answer(token: str) -> None:
        try:
            start.wait(timeout=threads.DEADLINE)
            response = _client().post(f"/api/v1/csat/{token}", {"score": score}, format="json")
            statuses.append(response.status_code)
        finally:
            connections.close_all()

    racers = [threads.started(answer, token) for token in token_of]
    threads.join_all(racers)
    return sorted(statuses)


@pytest.mark.xdist_group("reporting-csat-race")
@pytest.mark.django_db(transaction=True)
def test_parallel_answers_on_one_link_record_one() -> None:
    org = factories.organization("acme")
    agent = factories.user(org, Role.AGENT)
    requester = factories.user(org, Role.REQUESTER)
    ticket = _resolved(requester, agent)
    token = csat.csat_request(actor=agent, ticket=ticket).token
    assert _race([token] * 6) == [201, 409, 409, 409, 409, 409]
    assert CsatSurvey.objects.filter(answered_at__isnull=False).count() == 1
    assert DomainEvent.objects.filter(type="csat.received").count() == 1


@pytest.mark.xdist_group("reporting-csat-race")
@pytest.mark.django_db(transaction=True)
def test_parallel_answers_on_two_links_of_one_ticket_record_one() -> None:
    org = factories.organization("acme")
    agent = factories.user(org, Role.AGENT)
    requester = factories.user(org, Role.REQUESTER)
    ticket = _resolved(requester, agent)
    tokens = [csat.csat_request(actor=agent, ticket=ticket).token for _ in range(4)]
    assert _race(tokens) == [201, 409, 409, 409]
    assert CsatSurvey.objects.filter(answered_at__isnull=False).count() == 1
    assert DomainEvent.objects.filter(type="csat.received").count() == 1
