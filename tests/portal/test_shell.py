"""The base layout every screen stands on: landmarks, title, header, CSP, static files."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage

from ruledesk.notifications.models import Notification
from ruledesk.tenancy.models import User
from tests.portal.helpers import (
    csp_violations,
    fragment,
    ids,
    page,
    parse,
    queries_of,
    signed_in,
)

pytestmark = pytest.mark.django_db


def _notify(user: User, n: int) -> None:
    assert user.organization_id is not None
    start = Notification.objects.filter(recipient=user).count()
    Notification.objects.bulk_create(
        Notification(
            organization_id=user.organization_id,
            recipient=user,
            event="ticket.assigned",
            kind="ticket.assigned",
            title=f"Assigned {i}",
            audience="agent",
            dedup_key=f"shell:{user.pk}:{start + i}",
        )
        for i in range(n)
    )


def test_shell_has_landmarks_skip_link_title_and_header_parts(agent: User) -> None:
    _notify(agent, 3)
    response = page(signed_in(agent), "/notifications")
    html = response.content.decode()

    assert response.status_code == 200
    assert "<title>Notifications · Acme · Ruledesk</title>" in html
    assert '<a class="skip-link" href="#main">' in html
    assert {"main", "toasts", "bell", "header-search"} <= ids(html)
    tags = [tag for tag, _ in parse(html).tags]
    assert tags.count("header") == 1 and tags.count("main") == 1 and tags.count("footer") == 1
    assert 'role="status"' in html and 'role="search"' in html
    assert "Notifications, 3 unread" in html
    assert "Acme" in html and agent.email in html  # organization and account menu
    assert 'action="/language"' in html and 'action="/logout"' in html


def test_requester_header_has_no_ticket_search_and_no_desk_link(requester: User) -> None:
    html = page(signed_in(requester), "/help/").content.decode()
    assert "header-search" not in ids(html)
    assert 'href="/desk/"' not in html and 'href="/console/"' not in html
    assert 'href="/help/"' in html


def test_pages_carry_no_inline_script_style_or_handlers(admin: User) -> None:
    client = signed_in(admin)
    for url in ("/console/", "/desk/", "/help/", "/account", "/notifications", "/logout"):
        response = page(client, url)
        assert response.status_code == 200, url
        assert csp_violations(response.content.decode()) == [], url
        assert "script-src 'self'" in response["Content-Security-Policy"]
        assert "unsafe-inline" not in response["Content-Security-Policy"]


def test_htmx_is_vendored_with_its_version_and_configured_by_meta(agent: User) -> None:
    html = page(signed_in(agent), "/desk/").content.decode()
    script = re.search(
        r'<script src="(/static/portal/vendor/htmx-2\.0\.11\.min\.[0-9a-f]{12}\.js)"', html
    )
    assert script is not None
    match = re.search(r"<meta name=\"htmx-config\" content='([^']+)'>", html)
    assert match is not None
    config = json.loads(match.group(1))
    assert config["includeIndicatorStyles"] is False
    assert config["allowEval"] is False
    assert config["selfRequestsOnly"] is True
    headers = re.search(r"<body hx-headers='([^']+)'", html)
    assert headers is not None and "X-CSRFToken" in json.loads(headers.group(1))


def test_static_files_are_hashed_and_compressed(client: object) -> None:
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    assert manifest.exists(), "run `make static` (collectstatic) before the tests"
    hashed = staticfiles_storage.url("portal/css/app.css")
    assert re.fullmatch(r"/static/portal/css/app\.[0-9a-f]{12}\.css", hashed)
    stored = Path(settings.STATIC_ROOT) / hashed.removeprefix("/static/")
    assert stored.exists()
    assert stored.with_name(stored.name + ".gz").exists()
    assert stored.with_name(stored.name + ".br").exists()


def test_theme_follows_the_user_choice(agent: User) -> None:
    client = signed_in(agent)
    assert 'data-theme="system"' in page(client, "/desk/").content.decode()
    agent.theme = "dark"
    agent.save(update_fields=["theme"])
    assert 'data-theme="dark"' in page(client, "/desk/").content.decode()


def test_shortcuts_flag_reaches_the_page(agent: User) -> None:
    client = signed_in(agent)
    assert 'data-shortcuts="on"' in page(client, "/desk/").content.decode()
    agent.shortcuts_enabled = False
    agent.save(update_fields=["shortcuts_enabled"])
    assert 'data-shortcuts="off"' in page(client, "/desk/").content.decode()


def test_unread_badge_fragment_and_conditional_request(agent: User) -> None:
    client = signed_in(agent)
    _notify(agent, 2)
    first = fragment(client, "/notifications/unread")
    assert first.status_code == 200
    body = first.content.decode()
    assert body.startswith('<a id="bell"') and "<html" not in body
    assert "Notifications, 2 unread" in body
    again = fragment(client, "/notifications/unread", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    _notify_one_more = Notification.objects.filter(recipient=agent).first()
    assert _notify_one_more is not None
    Notification.objects.filter(pk=_notify_one_more.pk).update(read_at="2026-01-01T00:00:00Z")
    changed = fragment(client, "/notifications/unread", HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200 and "Notifications, 1 unread" in changed.content.decode()


def test_shell_costs_the_same_queries_whatever_the_unread_count(agent: User) -> None:
    client = signed_in(agent)
    _notify(agent, 1)
    queries_of(client, "/desk/")  # the first request fills the grants cache
    few = queries_of(client, "/desk/")
    _notify(agent, 60)
    many = queries_of(client, "/desk/")
    # /desk/ is the ticket list: its own reads (views, counts, page) within ui.md's 15.
    assert few == many <= 15


def test_history_restore_and_boosted_requests_get_the_whole_page(agent: User) -> None:
    client = signed_in(agent)
    for header in ("HTTP_HX_HISTORY_RESTORE_REQUEST", "HTTP_HX_BOOSTED"):
        response = fragment(client, "/notifications?state=unread", **{header: "true"})
        assert "<html" in response.content.decode(), header
