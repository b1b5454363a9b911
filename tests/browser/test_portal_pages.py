"""Every page of the shell in Chromium: axe, CSP, bytes, third parties and vitals.

Target A1 runs on every route × persona × language × theme of this issue; the
byte (P4), third-party and vitals (P5) checks on the main pages.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect

from ruledesk.notifications.models import Notification
from ruledesk.tenancy.models import Organization, Role, User
from tests import factories
from tests.browser import checks
from tests.browser.conftest import PageFactory
from workflows import services

ANONYMOUS_ROUTES = (
    "/login",
    "/password-reset",
    "/password-reset/sent",
    "/password-reset/MQ/forged-token",
    "/csat/forged-token",
    "/no-such-page",
)
REQUESTER_ROUTES = ("/help/", "/notifications", "/account", "/help/requests/{number}", "/desk/")
AGENT_ROUTES = (
    "/desk/",
    "/desk/?view=mine&status=&q=printer&cols=title,status,priority,sla,tags",
    "/desk/pick/team?text=a",
    "/desk/tickets/{number}",
    "/desk/tickets/{number}?tab=history",
    "/notifications?state=unread",
    "/logout",
    "/desk/board",
    "/desk/dashboard",
    "/desk/tickets/new",
    "/desk/shortcuts",
)
ADMIN_ROUTES = ("/console/", "/account", "/notifications", "/desk/tickets/{number}?tab=rules")


@dataclass
class Cast:
    admin: User
    agent: User
    requester: User
    number: str


@pytest.fixture
def cast(transactional_db: None) -> Cast:
    org: Organization = factories.organization("acme", name="Acme")
    admin = factories.user(org, Role.ADMIN, email="admin@acme.test", name="Alice Admin")
    agent = factories.user(org, Role.AGENT, email="agent@acme.test", name="Bob Agent")
    requester = factories.user(org, Role.REQUESTER, email="req@acme.test", name="Carol Req")
    ticket = services.ticket_create(
        actor=requester, title="Printer jams", description="It **jams** on page 2."
    )
    services.comment_create(
        actor=agent, ticket=ticket, body="Internal check", visibility="internal"
    )
    services.comment_create(actor=agent, ticket=ticket, body="On it.")
    number = f"ACME-{ticket.number}"
    for user in (admin, agent, requester):
        for i in range(3):
            Notification.objects.create(
                organization=org,
                recipient=user,
                event="ticket.replied",
                kind="ticket.replied",
                title=f"New reply on {number} ({i})",
                body="On it.",
                ticket_id=ticket.pk,
                ticket_number=number,
                audience="requester" if user.role == Role.REQUESTER else "agent",
                dedup_key=f"browser:{user.pk}:{i}",
            )
    return Cast(admin, agent, requester, number)


def _routes(cast: Cast) -> list[tuple[User | None, str]]:
    found: list[tuple[User | None, str]] = [(None, url) for url in ANONYMOUS_ROUTES]
    for user, urls in (
        (cast.requester, REQUESTER_ROUTES),
        (cast.agent, AGENT_ROUTES),
        (cast.admin, ADMIN_ROUTES),
    ):
        found += [(user, url.format(number=cast.number)) for url in urls]
    return found


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
@pytest.mark.parametrize("locale", ["en", "pl"])
def test_every_route_has_no_serious_accessibility_fault(
    new_page: PageFactory, cast: Cast, locale: str, color_scheme: str
) -> None:
    failures = []
    opened: dict[int | None, tuple[Page, list[str]]] = {}
    for user, url in _routes(cast):
        key = user.pk if user else None
        if key not in opened:
            page = new_page(user=user, locale=locale, color_scheme=color_scheme)
            opened[key] = (page, checks.watch_console(page))
        page, console = opened[key]
        response = page.goto(url)
        assert response is not None
        html = response.text()
        assert f'<html lang="{locale}"' in html, url
        assert not checks.inline_code(html), (url, checks.inline_code(html))
        violations = checks.axe_violations(page)
        if violations:
            failures.append(checks.format_violations(violations, f"{url} as {user or 'anonymous'}"))
        # A 403/404/410 page logs its own status; anything else is a fault (CSP, script).
        faults = [line for line in console if "the server responded with a status" not in line]
        assert not faults, (url, faults)
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("url", ["/login", "/notifications", "/account", "/desk/"])
def test_main_pages_stay_within_byte_budgets_and_call_no_other_origin(
    new_page: PageFactory, cast: Cast, url: str
) -> None:
    page = new_page(user=None if url == "/login" else cast.agent)
    transfer = checks.transferred_bytes(page, url)
    assert transfer.status == 200
    assert not transfer.problems(), transfer.report()
    assert transfer.js_bytes > 0 and transfer.css_bytes > 0, transfer.report()
    assert len(transfer.html.encode()) < 150_000


@pytest.mark.parametrize("url", ["/login", "/notifications", "/help/"])
def test_main_pages_paint_fast_and_do_not_shift(
    new_page: PageFactory, cast: Cast, url: str
) -> None:
    page = new_page(user=None if url == "/login" else cast.requester)
    vitals = checks.web_vitals_warm(page, url)
    assert vitals.lcp_ms is not None and not vitals.problems(), vitals.report()


def test_theme_follows_the_system_until_the_user_chooses(new_page: PageFactory, cast: Cast) -> None:
    page = new_page(user=cast.agent, color_scheme="dark")
    page.goto("/desk/")
    dark_bg = page.evaluate("getComputedStyle(document.body).backgroundColor")
    User.objects.filter(pk=cast.agent.pk).update(theme="light")
    page.goto("/desk/")
    light_bg = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert dark_bg == "rgb(17, 20, 24)" and light_bg == "rgb(246, 247, 249)"


def test_notification_filters_swap_the_feed_and_keep_the_url(
    new_page: PageFactory, cast: Cast
) -> None:
    page = new_page(user=cast.agent)
    page.goto("/notifications")
    page.evaluate("window.__marker = 'same document'")
    page.select_option("#id_state", "read")
    expect(page.locator("#feed")).to_contain_text("Nothing here")
    assert "/notifications?state=read" in page.url
    assert page.evaluate("window.__marker") == "same document"  # swapped, not reloaded
    page.go_back()
    expect(page.locator("#feed")).to_contain_text(f"New reply on {cast.number}")


def test_expired_session_under_htmx_lands_on_sign_in_with_the_way_back(
    new_page: PageFactory, cast: Cast
) -> None:
    page = new_page(user=cast.agent)
    page.goto("/notifications")
    page.context.clear_cookies()
    page.select_option("#id_state", "unread")
    page.wait_for_url("**/login?next=*")
    assert "next=%2Fnotifications" in page.url
