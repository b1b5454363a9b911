"""What a person does with the shell, in Chromium: by keyboard alone, and without JavaScript.

Each persona signs in, lands on the home of their role, follows a notification
to its ticket, clears the feed, switches language and theme, and signs out —
pressing keys only (target A2). The same core runs with JavaScript off (R1).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from ruledesk.notifications.models import Notification
from ruledesk.tenancy.models import Organization, Role, User
from tests import factories
from tests.browser.conftest import ContextFactory, PageFactory
from workflows import services

HOMES = {Role.ADMIN: "/console/", Role.AGENT: "/desk/", Role.REQUESTER: "/help/"}


def tab_to(page: Page, selector: str, limit: int = 80) -> None:
    """Press Tab until the focused element matches `selector` (fails after `limit` presses)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement?.matches(s) ?? false", selector):
            return
    raise AssertionError(f"Tab never reached {selector!r}")


def _member(role: str) -> tuple[User, str]:
    org: Organization = factories.organization("acme", name="Acme")
    requester = factories.user(org, Role.REQUESTER, email="carol@acme.test", name="Carol")
    user = requester if role == Role.REQUESTER else factories.user(org, role, name="Dana")
    ticket = services.ticket_create(actor=requester, title="Printer jams", description="")
    number = f"ACME-{ticket.number}"
    for i in range(2):
        Notification.objects.create(
            organization=org,
            recipient=user,
            event="ticket.replied",
            kind="ticket.replied",
            title=f"New reply on {number} #{i}",
            ticket_id=ticket.pk,
            ticket_number=number,
            audience="requester" if role == Role.REQUESTER else "agent",
            dedup_key=f"journey:{i}",
        )
    return user, number


@pytest.mark.parametrize("role", [Role.ADMIN, Role.AGENT, Role.REQUESTER])
def test_a_person_works_the_shell_by_keyboard_alone(
    new_page: PageFactory, transactional_db: None, role: Role
) -> None:
    user, number = _member(role)
    page = new_page()
    page.goto("/login")

    # Sign in: the e-mail field has focus on arrival.
    assert page.evaluate("document.activeElement.id") == "id_email"
    page.keyboard.type(user.email)
    page.keyboard.press("Tab")
    page.keyboard.type(factories.PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{HOMES[role]}")
    expect(page.locator("h1")).to_be_visible()

    # The skip link is the first stop and moves focus to the main landmark.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    # The bell opens the center; a notification leads to its ticket and is then read.
    tab_to(page, "#bell")
    page.keyboard.press("Enter")
    page.wait_for_url("**/notifications")
    expect(page.locator("#bell")).to_contain_text("2 unread")
    tab_to(page, ".feed-title a")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/{number}")
    expect(page.locator("h1")).to_contain_text("Printer jams")
    page.go_back()
    page.reload()
    expect(page.locator("#bell")).to_contain_text("1 unread")

    # Clear the rest.
    tab_to(page, 'form[action="/notifications/read-all"] button')
    page.keyboard.press("Enter")
    expect(page.locator("#bell")).to_contain_text("0 unread")
    assert not Notification.objects.filter(recipient=user, read_at__isnull=True).exists()

    # Language and theme on the account page, reached through the account menu.
    tab_to(page, "details.menu summary")
    page.keyboard.press("Enter")
    tab_to(page, 'details.menu a[href="/account"]')
    page.keyboard.press("Enter")
    page.wait_for_url("**/account")
    tab_to(page, "#id_locale")
    page.keyboard.type("Polski")
    tab_to(page, 'input[name="theme"]')
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.value") == "dark"
    tab_to(page, 'form[action="/account"] button[type="submit"]')
    page.keyboard.press("Enter")
    expect(page.locator("html")).to_have_attribute("lang", "pl")
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    expect(page.locator("h1")).to_have_text("Konto i preferencje")

    # Sign out from the menu.
    tab_to(page, "details.menu summary")
    page.keyboard.press("Enter")
    tab_to(page, 'form[action="/logout"] button')
    page.keyboard.press("Enter")
    page.wait_for_url("**/login")
    assert page.goto("/notifications") is not None
    assert "/login?next=" in page.url


def test_without_javascript_sign_in_switch_language_clear_and_sign_out(
    no_js_context: ContextFactory, transactional_db: None
) -> None:
    user, _ = _member(Role.AGENT)
    page = no_js_context().new_page()
    page.goto("/login")
    page.select_option("#language-menu", "pl")
    page.get_by_role("button", name="Change").click()
    expect(page.locator("html")).to_have_attribute("lang", "pl")
    page.fill("#id_email", user.email)
    page.fill("#id_password", factories.PASSWORD)
    page.get_by_role("button", name="Zaloguj się").click()
    page.wait_for_url("**/desk/")
    # Signed in, the user's own language (English) wins over the cookie.
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.goto("/notifications")
    page.get_by_role("button", name="Mark all as read").click()
    page.wait_for_url("**/notifications")
    assert not Notification.objects.filter(recipient=user, read_at__isnull=True).exists()
    page.locator("details.menu summary").click()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login")
    expect(page.locator("#toasts")).to_contain_text("Wylogowano.")
