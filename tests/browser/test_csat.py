"""A requester answers the satisfaction survey from the e-mailed link, by keyboard, in Polish too.

The default rule set asks on resolution; the link comes out of the outbox's e-mail, built
from RULEDESK_BASE_URL (here the live server), and opens without signing in.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from reporting.models import CsatSurvey
from ruledesk.notifications.models import EmailMessage
from ruledesk.tenancy.models import Role
from rules_engine.services import rules_install_defaults
from tests import factories
from tests.browser.checks import axe_violations, format_violations
from tests.browser.conftest import PageFactory
from tests.browser.test_journeys import tab_to
from tests.rules_engine.conftest import dispatch_all
from workflows import services


@pytest.mark.parametrize(("locale", "scheme"), [("en", "light"), ("pl", "dark")])
def test_a_requester_answers_the_survey_from_the_emailed_link(
    new_page: PageFactory, live_server: Any, settings: Any, locale: str, scheme: str
) -> None:
    settings.RULEDESK_BASE_URL = live_server.url
    org = factories.organization("acme", name="Acme")
    requester = factories.user(org, Role.REQUESTER, email="carol@acme.test", name="Carol")
    agent = factories.user(org, Role.AGENT, name="Dana")
    rules_install_defaults(organization_id=org.pk)
    ticket = services.ticket_create(actor=requester, title="Printer jams")
    services.ticket_transition(actor=agent, ticket=ticket, name="resolve")
    dispatch_all()
    mail = EmailMessage.objects.get(kind="csat.survey", recipient=requester)
    found = re.search(r"http\S+/csat/\S+", mail.body_text)
    assert found is not None
    link = found.group(0)
    assert link.startswith(live_server.url)

    page = new_page(locale=locale, color_scheme=scheme)  # not signed in
    page.goto(link)
    heading = {"en": "Rate the help you got", "pl": "Oceń otrzymaną pomoc"}[locale]
    expect(page.locator("h1")).to_have_text(heading)
    assert page.locator('input[type="radio"][name="score"]').count() == 5
    violations = axe_violations(page)
    assert violations == [], format_violations(violations, link)

    tab_to(page, 'input[name="score"]')
    page.keyboard.press("Space")  # the first option: 5
    page.locator("textarea[name=comment]").fill("Fixed in minutes.")
    tab_to(page, "button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url(link)
    expect(page.locator('input[type="radio"]')).to_have_count(0)
    survey = CsatSurvey.objects.get(ticket=ticket)
    assert (survey.score, survey.comment) == (5, "Fixed in minutes.")
    violations = axe_violations(page)
    assert violations == [], format_violations(violations, link)
