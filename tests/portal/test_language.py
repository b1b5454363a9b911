"""Language: the user's, then the organization's default (new users), then the browser's."""

from __future__ import annotations

import pytest
from django.test import Client

from ruledesk.tenancy.models import Organization, User
from tests import factories
from tests.portal.helpers import page, signed_in

pytestmark = pytest.mark.django_db


def test_anonymous_visitor_gets_the_browser_language() -> None:
    html = page(Client(), "/login", HTTP_ACCEPT_LANGUAGE="pl,en;q=0.5").content.decode()
    assert '<html lang="pl"' in html


def test_language_switch_before_sign_in_is_remembered_in_a_cookie() -> None:
    client = Client()
    response = client.post("/language", {"language": "pl", "next": "/login"})
    assert response.status_code == 302 and response["Location"] == "/login"
    assert client.cookies["django_language"].value == "pl"
    assert '<html lang="pl"' in page(client, "/login").content.decode()


def test_the_user_language_wins_over_the_browser(agent: User) -> None:
    agent.locale = "pl"
    agent.save(update_fields=["locale"])
    client = signed_in(agent)
    response = page(client, "/desk/", HTTP_ACCEPT_LANGUAGE="en")
    assert '<html lang="pl"' in response.content.decode()
    assert response["Content-Language"] == "pl"


def test_switching_language_signed_in_saves_it_on_the_account(agent: User) -> None:
    client = signed_in(agent)
    client.post("/language", {"language": "pl", "next": "/desk/"})
    agent.refresh_from_db()
    assert agent.locale == "pl"


def test_unknown_language_is_refused_and_changes_nothing(agent: User) -> None:
    client = signed_in(agent)
    response = client.post("/language", {"language": "xx"})
    assert response.status_code == 400
    agent.refresh_from_db()
    assert agent.locale == "en"


def test_new_users_start_in_the_organization_language(db: None) -> None:
    org: Organization = factories.organization("polska")
    org.default_locale = "pl"
    org.save(update_fields=["default_locale"])
    user = factories.user(org, "requester")
    assert '<html lang="pl"' in page(signed_in(user), "/help/").content.decode()


def test_the_api_keeps_english_problems_for_a_polish_user(agent: User) -> None:
    agent.locale = "pl"
    agent.save(update_fields=["locale"])
    client = signed_in(agent)
    response = client.get("/api/v1/tickets/999999")
    assert response.status_code == 404
    assert response.json()["title"] == "Not found"
