"""Desk work in Chromium: board moves by keyboard, menu and drag (refusals snap back with
their reason), the `?` shortcut sheet and turning shortcuts off, and a ticket filed on
behalf of a requester through the autocomplete."""

from __future__ import annotations

import time

from playwright.sync_api import Locator, Page, expect

from ruledesk.tenancy.models import Organization, Role, User
from tests import factories
from tests.browser.checks import watch_console
from tests.browser.conftest import PageFactory
from workflows import services
from workflows.models import Ticket


def _cast() -> tuple[User, User, User, list[Ticket]]:
    org: Organization = factories.organization("acme", name="Acme")
    requester = factories.user(org, Role.REQUESTER, email="carol@acme.test", name="Carol")
    agent = factories.user(org, Role.AGENT, name="Dana")
    admin = factories.user(org, Role.ADMIN, name="Ada")
    tickets = [
        services.ticket_create(actor=requester, title=f"Ticket {name}", description="")
        for name in ("one", "two", "three")
    ]
    return requester, agent, admin, tickets


def _card(page: Page, status: str, number: str) -> Locator:
    return page.locator(f'.board-cards[data-status="{status}"] .board-card[data-number="{number}"]')


def _stored(ticket: Ticket, status: str) -> None:
    for _ in range(50):
        if Ticket.objects.values_list("status", flat=True).get(pk=ticket.pk) == status:
            return
        time.sleep(0.1)
    raise AssertionError(f"{ticket.number} never became {status}")


def test_an_agent_moves_tickets_on_the_board(new_page: PageFactory) -> None:
    _, agent, admin, (one, two, three) = _cast()
    page = new_page(user=agent)
    errors = watch_console(page)
    page.goto("/desk/board")
    n1, n2, n3 = (f"ACME-{t.number}" for t in (one, two, three))

    # Keyboard: "]" moves the focused card one column right (new -> open).
    page.locator(f'.board-card[data-number="{n1}"]').focus()
    page.keyboard.press("]")
    expect(_card(page, "open", n1)).to_be_visible()
    expect(page.locator("#toasts")).to_contain_text(f"{n1} moved to Open")
    _stored(one, "open")
    assert page.evaluate("document.activeElement.dataset.number") == n1

    # A refused keyboard move: no transition leads back to New; the card stays in Open.
    page.keyboard.press("[")
    expect(page.locator("#toasts")).to_contain_text("No transition leads from Open to New")
    expect(_card(page, "open", n1)).to_be_visible()
    _stored(one, "open")

    # "Move to…": m opens the card's menu; its first choice (Open) takes the transition.
    page.locator(f'.board-card[data-number="{n2}"]').focus()
    page.keyboard.press("m")
    expect(page.locator(f'.board-card[data-number="{n2}"] details.board-move')).to_have_attribute(
        "open", ""
    )
    assert page.evaluate("document.activeElement.value") == "open"
    page.keyboard.press("Enter")
    expect(_card(page, "open", n2)).to_be_visible()
    _stored(two, "open")

    # Drag and drop: Open -> Resolved is the "resolve" transition.
    _card(page, "open", n2).drag_to(page.locator('.board-column[data-status="resolved"]'))
    expect(_card(page, "resolved", n2)).to_be_visible()
    _stored(two, "resolved")

    # A stale card: someone resolved "three" meanwhile; dropping it on Open snaps it back.
    services.ticket_transition(actor=admin, ticket=three, name="resolve")
    _card(page, "new", n3).drag_to(page.locator('.board-column[data-status="open"]'))
    expect(page.locator("#toasts")).to_contain_text("someone moved it")
    expect(_card(page, "new", n3)).to_be_visible()
    _stored(three, "resolved")
    # The refusals are answers (409), which Chromium logs as failed loads; nothing else.
    assert not [e for e in errors if "/desk/board/move" not in e], errors


def test_the_shortcut_sheet_and_turning_shortcuts_off(new_page: PageFactory) -> None:
    _, agent, _, (one, *_rest) = _cast()
    page = new_page(user=agent)
    page.goto("/desk/board")
    page.locator("body").press("?")
    sheet = page.locator("#shortcut-sheet")
    expect(sheet).to_be_visible()
    expect(sheet).to_contain_text("Move the focused card one column left or right")
    expect(sheet.locator('a[href="/account#id_shortcuts_enabled"]')).to_be_visible()
    page.keyboard.press("Escape")
    expect(sheet).to_be_hidden()

    # "g d" goes to the dashboard.
    page.locator("body").press("g")
    page.keyboard.press("d")
    page.wait_for_url("**/desk/dashboard")

    User.objects.filter(pk=agent.pk).update(shortcuts_enabled=False)
    page.goto("/desk/board")
    page.locator("body").press("?")
    expect(sheet).to_be_hidden()
    number = f"ACME-{one.number}"
    page.locator(f'.board-card[data-number="{number}"]').focus()
    page.keyboard.press("]")
    page.wait_for_timeout(300)
    expect(_card(page, "new", number)).to_be_visible()
    assert Ticket.objects.values_list("status", flat=True).get(pk=one.pk) == "new"
    # Without the key, the navigation's link opens the sheet, and it is a page of its own.
    page.get_by_role("link", name="Keyboard shortcuts").click()
    expect(sheet).to_be_visible()
    page.goto("/desk/shortcuts")
    expect(page.locator("h1")).to_have_text("Keyboard shortcuts")


def test_an_agent_files_a_ticket_for_a_requester(new_page: PageFactory) -> None:
    requester, agent, _, _ = _cast()
    page = new_page(user=agent)
    page.goto("/desk/tickets/new")
    page.locator("#id_requester_q").press_sequentially("caro", delay=30)
    option = page.locator("#requester-options").get_by_label("Carol")
    expect(option).to_be_visible()
    option.check()
    page.locator("#id_title").fill("Monitor flickers")
    page.locator("#id_description").fill("Since *Monday*.")
    page.locator("#id_priority").select_option("high")
    page.locator("#id_new_tags").fill("monitor")
    page.locator("#id_title").press("Enter")  # the form's default button creates it
    page.wait_for_url("**/desk/tickets/ACME-*")
    ticket = Ticket.objects.get(title="Monitor flickers")
    assert ticket.requester_id == requester.pk and ticket.priority == "high"
    assert page.url.endswith(f"/desk/tickets/ACME-{ticket.number}")
