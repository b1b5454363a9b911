"""The public survey page (/csat/<token>): no sign-in, a 1-5 radio group, answered once."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from reporting import csat
from reporting.models import CsatSurvey
from ruledesk.tenancy.models import User
from tests.portal.helpers import parse
from workflows import services
from workflows.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(requester: User, agent: User) -> Ticket:
    ticket = services.ticket_create(actor=requester, title="Printer jams")
    services.ticket_transition(actor=agent, ticket=ticket, name="resolve")
    return ticket


@pytest.fixture
def token(agent: User, ticket: Ticket) -> str:
    return csat.csat_request(actor=agent, ticket=ticket).token


def test_the_link_shows_a_radio_group_of_five_scores_without_sign_in(
    token: str, ticket: Ticket
) -> None:
    response = Client().get(f"/csat/{token}")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('type="radio"') == 5
    assert "<fieldset" in html and "<legend>" in html
    assert f"ACME-{ticket.number}" in html
    assert not CsatSurvey.objects.filter(answered_at__isnull=False).exists()  # GET records nothing


def test_an_answer_is_stored_and_the_page_thanks(token: str, ticket: Ticket) -> None:
    client = Client()
    response = client.post(f"/csat/{token}", {"score": "4", "comment": "Quick, thanks."})
    assert response.status_code == 302
    assert response["Location"] == f"/csat/{token}"
    survey = CsatSurvey.objects.get(ticket=ticket)
    assert (survey.score, survey.comment) == (4, "Quick, thanks.")
    thanks = client.get(f"/csat/{token}")
    assert thanks.status_code == 200
    assert 'type="radio"' not in thanks.content.decode()
    again = client.post(f"/csat/{token}", {"score": "1"})
    assert again.status_code == 409
    assert CsatSurvey.objects.get(ticket=ticket).score == 4


def test_a_refused_answer_changes_nothing_and_names_the_error(token: str) -> None:
    response = Client().post(f"/csat/{token}", {"score": "9"})
    assert response.status_code == 400
    page = parse(response.content.decode())
    assert page is not None
    assert 'aria-describedby="id_score_error"' in response.content.decode()
    assert not CsatSurvey.objects.filter(answered_at__isnull=False).exists()


def test_unknown_and_expired_links(agent: User, ticket: Ticket) -> None:
    assert Client().get("/csat/forged").status_code == 404
    short = csat.csat_request(actor=agent, ticket=ticket, expires_in_minutes=1).token
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        assert Client().get(f"/csat/{short}").status_code == 410
        assert Client().post(f"/csat/{short}", {"score": "5"}).status_code == 410


def test_the_page_speaks_polish(token: str) -> None:
    html = Client(HTTP_ACCEPT_LANGUAGE="pl").get(f"/csat/{token}").content.decode()
    assert '<html lang="pl"' in html
    assert "Oceń otrzymaną pomoc" in html


def test_the_answer_shows_on_the_agent_ticket_page(agent: User, ticket: Ticket, token: str) -> None:
    from tests.portal.helpers import page, signed_in

    url = f"/desk/tickets/ACME-{ticket.number}"
    before = page(signed_in(agent), url).content.decode()
    assert 'id="csat-title"' not in before
    csat.csat_answer(token=token, score=2, comment="Took <b>long</b>.")
    html = page(signed_in(agent), url).content.decode()
    assert 'id="csat-title"' in html
    assert "2 of 5" in html
    assert "Took &lt;b&gt;long&lt;/b&gt;." in html


def test_answers_are_rate_limited_per_client_ip(token: str, settings: object) -> None:
    from portal.views.csat import PER_IP

    client = Client()
    statuses = [
        client.post(f"/csat/{token}", {"score": "9"}).status_code for _ in range(PER_IP.limit)
    ]
    assert set(statuses) == {400}
    refused = client.post(f"/csat/{token}", {"score": "5"})
    assert refused.status_code == 429 and refused.has_header("Retry-After")
    assert not CsatSurvey.objects.filter(answered_at__isnull=False).exists()
