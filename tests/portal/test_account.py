"""The account page: profile, language, theme, shortcuts, and the notification matrix."""

from __future__ import annotations

import pytest

from ruledesk.notifications.models import NotificationPreference
from ruledesk.notifications.services import preferences_get
from ruledesk.tenancy.models import User
from tests.portal.helpers import page, signed_in

pytestmark = pytest.mark.django_db


def test_account_page_shows_the_current_settings(agent: User) -> None:
    response = page(signed_in(agent), "/account")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="Bob Agent"' in html
    assert 'name="theme" value="system"' in html and "checked" in html
    assert 'name="ticket.assigned:email"' in html and 'name="sla.breached:in_app"' in html


def test_saving_the_profile_changes_name_language_theme_and_shortcuts(agent: User) -> None:
    client = signed_in(agent)
    response = client.post(
        "/account", {"name": "Robert", "locale": "pl", "theme": "dark"}, follow=True
    )
    agent.refresh_from_db()
    assert (agent.name, agent.locale, agent.theme, agent.shortcuts_enabled) == (
        "Robert",
        "pl",
        "dark",
        False,  # an unticked checkbox is "off"
    )
    html = response.content.decode()
    assert '<html lang="pl" data-theme="dark">' in html


@pytest.mark.parametrize(
    "bad",
    [{"theme": "neon"}, {"locale": "de"}, {"name": "x" * 201}],
)
def test_invalid_profile_input_is_refused_on_its_field_and_changes_nothing(
    agent: User, bad: dict[str, str]
) -> None:
    form = {"name": "Robert", "locale": "en", "theme": "light", **bad}
    response = signed_in(agent).post("/account", form)
    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.content.decode()
    agent.refresh_from_db()
    assert (agent.name, agent.theme) == ("Bob Agent", "system")


def test_notification_matrix_saves_exactly_the_ticked_cells(agent: User) -> None:
    client = signed_in(agent)
    response = client.post(
        "/account/notifications", {"ticket.assigned:email": "on", "sla.breached:in_app": "on"}
    )
    assert response.status_code == 302
    prefs = preferences_get(user=agent)
    assert prefs["ticket.assigned"] == {"email": True, "in_app": False}
    assert prefs["sla.breached"] == {"email": False, "in_app": True}
    assert prefs["ticket.created"] == {"email": False, "in_app": False}
    assert NotificationPreference.objects.filter(user=agent).count() == 16


def test_notification_matrix_of_one_user_leaves_others_alone(agent: User, admin: User) -> None:
    before = preferences_get(user=admin)
    signed_in(agent).post("/account/notifications", {})
    assert preferences_get(user=admin) == before
    assert not NotificationPreference.objects.filter(user=admin).exists()
