"""The dashboard's key figures: cards with definitions, the SLA chart and its table, filters."""

from __future__ import annotations

import re

import pytest

from ruledesk.tenancy.models import Organization, User
from tests import factories
from tests.portal.helpers import csp_violations, page, parse, signed_in
from workflows import services

pytestmark = pytest.mark.django_db


def _figures(html: str) -> list[str]:
    found = re.findall(r'<dd class="kpi-value">(.*?)</dd>', html, re.S)
    return [" ".join(value.split()) for value in found]


@pytest.fixture
def tickets(acme: Organization, agent: User, requester: User) -> int:
    support = factories.team(acme, "Support", agent)
    hardware = services.category_create(actor=factories.user(acme, "admin"), name="Hardware")
    mine = services.ticket_create(actor=requester, title="In Support", category_id=hardware.pk)
    services.ticket_update(actor=agent, ticket=mine, team_id=support.pk)
    services.comment_create(actor=agent, ticket=mine, body="On it.")
    services.ticket_transition(actor=agent, ticket=mine, name="resolve")
    services.ticket_create(actor=requester, title="Elsewhere")
    return support.pk


def test_cards_show_the_figures_with_their_definitions(agent: User, tickets: int) -> None:
    html = page(signed_in(agent), "/desk/dashboard").content.decode()
    figures = _figures(html)
    assert len(figures) == 6
    assert figures[-1] == "2 · 1 · 1"  # created · resolved · backlog
    assert "Mean time to first response" in html and "Business minutes" in html
    assert 'id="kpi-sla-title"' in html and "SLA compliance per target" in html
    assert html.count("<details") >= 1
    assert not csp_violations(html)
    assert parse(html) is not None


def test_the_team_filter_narrows_every_figure(agent: User, tickets: int) -> None:
    html = page(signed_in(agent), f"/desk/dashboard?team={tickets}").content.decode()
    assert _figures(html)[-1] == "1 · 1 · 0"
    assert f'<option value="{tickets}" selected>Support</option>' in html


def test_a_foreign_or_bad_filter_shows_everything(
    agent: User, tickets: int, globex: Organization
) -> None:
    foreign = factories.team(globex, "Theirs")
    for query in (f"team={foreign.pk}", "team=abc", "category=99999999"):
        html = page(signed_in(agent), f"/desk/dashboard?{query}").content.decode()
        assert _figures(html)[-1] == "2 · 1 · 1", query


def test_requesters_never_see_the_dashboard(requester: User) -> None:
    assert signed_in(requester).get("/desk/dashboard").status_code == 403
