"""The ticket workspace in Chromium: an agent's keyboard journey, and two agents at once."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from ruledesk.tenancy.models import Organization, Role, User
from tests import factories
from tests.browser.conftest import ContextFactory, PageFactory
from tests.browser.test_journeys import tab_to
from workflows import services
from workflows.collab import macros
from workflows.models import Comment, Ticket


def _cast() -> tuple[User, User, User, Ticket]:
    org: Organization = factories.organization("acme", name="Acme")
    admin = factories.user(org, Role.ADMIN, email="admin@acme.test", name="Alice Admin")
    agent = factories.user(org, Role.AGENT, email="agent@acme.test", name="Bob Agent")
    requester = factories.user(org, Role.REQUESTER, email="carol@acme.test", name="Carol")
    factories.team(org, "Support", agent, admin)
    ticket = services.ticket_create(actor=requester, title="Printer jams", description="It jams.")
    return admin, agent, requester, ticket


def _leave_fields(page: Page) -> None:
    page.evaluate("document.activeElement && document.activeElement.blur()")


def _focus_composer(page: Page) -> None:
    _leave_fields(page)
    page.keyboard.press("r")
    assert page.evaluate("document.activeElement.id") == "composer-body"


@pytest.mark.usefixtures("transactional_db")
def test_an_agent_works_a_ticket_by_keyboard(new_page: PageFactory) -> None:
    admin, agent, requester, ticket = _cast()
    macro = macros.macro_create(
        actor=admin,
        name="Ask for model",
        body="Which model, {{requester.name}}?",
        add_tags=["printer"],
    )
    number = f"ACME-{ticket.number}"
    page = new_page(user=agent)
    page.goto(f"/desk/tickets/{number}")
    expect(page.locator("#ticket-number")).to_have_text(number)

    # An internal note: "i" switches the mode, which changes the heading and the button.
    _leave_fields(page)
    page.keyboard.press("i")
    expect(page.locator("#composer-title")).to_have_text("Internal note")
    expect(page.locator(".composer-send")).to_have_text("Add internal note")
    page.keyboard.press("Tab")  # from the radio into the text area
    assert page.evaluate("document.activeElement.id") == "composer-body"
    page.keyboard.type("Toner is low, check tray 2")
    tab_to(page, ".composer-send")
    page.keyboard.press("Enter")
    expect(page.locator(".comment-internal")).to_contain_text("Toner is low")
    expect(page.locator(".comment-internal .pill-internal")).to_have_text("Internal")

    # A public reply waits out its undo window, then leaves.
    _leave_fields(page)
    page.keyboard.press("i")
    expect(page.locator("#composer-title")).to_have_text("Reply to requester")
    _focus_composer(page)
    page.keyboard.type("We are sending a technician.")
    tab_to(page, ".composer-send")
    page.keyboard.press("Enter")
    expect(page.locator(".undo-bar")).to_be_visible()
    expect(page.locator(".comment-public")).to_contain_text("sending a technician", timeout=10_000)
    drafts = page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('ruledesk:draft'))")
    assert drafts == []

    # A macro, previewed on this ticket, then applied.
    tab_to(page, f'a[data-macro="{macro.pk}"]')
    page.keyboard.press("Enter")
    expect(page.locator("#macro-preview")).to_contain_text("Which model, Carol?")
    tab_to(page, "#macro-preview button")
    page.keyboard.press("Enter")
    expect(page.locator("#property-tags")).to_contain_text("printer")

    # Priority by keyboard (the select saves on change).
    tab_to(page, "#property-priority")
    page.keyboard.press("ArrowDown")
    expect(page.locator(".ticket-number")).to_contain_text("High")

    # Assignee through the autocomplete.
    tab_to(page, "#property-assignee summary")
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    page.keyboard.type("Alice")
    expect(page.locator("#options-assignee button")).to_have_count(1)
    expect(page.locator("#options-assignee button")).to_contain_text("Alice Admin")
    tab_to(page, "#options-assignee button")
    page.keyboard.press("Enter")
    expect(page.locator('[data-property="assignee"]')).to_have_text("Alice Admin")

    # Resolve.
    tab_to(page, 'button[data-transition="resolve"]')
    page.keyboard.press("Enter")
    expect(page.locator(".ticket-number")).to_contain_text("Resolved")
    fresh = Ticket.objects.get(pk=ticket.pk)
    assert (fresh.status, fresh.priority, fresh.assignee_id) == ("resolved", "high", admin.pk)
    assert Comment.objects.filter(ticket=ticket).count() == 3

    # The requester sees the public reply only.
    mine = new_page(user=requester)
    mine.goto(f"/help/requests/{number}")
    expect(mine.locator("main")).to_contain_text("sending a technician")
    expect(mine.locator("main")).not_to_contain_text("Toner is low")


@pytest.mark.usefixtures("transactional_db")
def test_two_agents_see_each_other_and_a_stale_reply_keeps_its_draft(
    new_context: ContextFactory,
) -> None:
    admin, agent, _requester, ticket = _cast()
    number = f"ACME-{ticket.number}"
    first = new_context(user=agent).new_page()
    second = new_context(user=admin).new_page()
    first.goto(f"/desk/tickets/{number}")
    second.goto(f"/desk/tickets/{number}")

    expect(first.locator("#presence")).to_contain_text("Alice Admin is viewing", timeout=3_000)
    expect(second.locator("#presence")).to_contain_text("Bob Agent is viewing", timeout=3_000)

    # The first agent starts a reply; the second sees it, then changes the priority.
    first.locator("#composer-body").fill("Draft that must survive")
    expect(second.locator("#presence")).to_contain_text("Bob Agent is replying", timeout=5_000)
    second.select_option("#property-priority", "high")
    expect(second.locator(".ticket-number")).to_contain_text("High")
    expect(first.locator(".ticket-number")).to_contain_text("High", timeout=3_000)

    # Sending over the newer version is refused; the draft stays; sending again works.
    first.locator('input[name="visibility"][value="internal"]').check()
    first.locator("#composer-body").fill("Draft that must survive")
    first.locator(".composer-send").click()
    expect(first.locator("#composer .alert-error")).to_contain_text(re.compile("changed since"))
    expect(first.locator("#composer-body")).to_have_value("Draft that must survive")
    assert not Comment.objects.filter(ticket=ticket).exists()
    first.locator(".composer-send").click()
    expect(first.locator(".comment-internal")).to_contain_text("Draft that must survive")


@pytest.mark.usefixtures("transactional_db")
def test_without_javascript_an_agent_replies_and_resolves(no_js_context: ContextFactory) -> None:
    _admin, agent, _requester, ticket = _cast()
    number = f"ACME-{ticket.number}"
    page = no_js_context(user=agent).new_page()
    page.goto(f"/desk/tickets/{number}")
    page.locator("#composer-body").fill("Replaced the fuser, please try again.")
    page.locator(".composer-send").click()
    expect(page.locator(".comment-public")).to_contain_text("Replaced the fuser")
    page.locator('button[data-transition="resolve"]').click()
    expect(page.locator(".ticket-number")).to_contain_text("Resolved")
    assert Ticket.objects.get(pk=ticket.pk).status == "resolved"
