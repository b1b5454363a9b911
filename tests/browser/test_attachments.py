"""Attachments in Chromium: a requester drops a screenshot, an agent downloads it; an agent's
internal file (the composer in note mode) never shows in the requester's view."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from ruledesk.tenancy.models import Organization, Role, User
from tests import factories
from tests.browser.conftest import PageFactory
from tests.workflows.attachments.helpers import TEXT, png, run_queued
from workflows import services
from workflows.attachments.models import Attachment, ScanStatus
from workflows.models import Ticket

DROP = """([name, type, data]) => {
  const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  const transfer = new DataTransfer();
  transfer.items.add(new File([bytes], name, {type}));
  const zone = document.querySelector("[data-attachment-zone]");
  zone.dispatchEvent(new DragEvent("dragover", {dataTransfer: transfer, bubbles: true, cancelable: true}));
  zone.dispatchEvent(new DragEvent("drop", {dataTransfer: transfer, bubbles: true, cancelable: true}));
}"""


@pytest.fixture
def files(settings: Any, tmp_path: Path) -> Path:
    from django.conf import settings as django_settings

    base = dict(django_settings.STORAGES)
    base["attachments"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "files"), "base_url": None},
    }
    settings.STORAGES = base
    settings.RULEDESK_CLAMD = "off"  # the scan itself is tested against clamd elsewhere
    return tmp_path / "files"


def _cast() -> tuple[User, User, Ticket]:
    org: Organization = factories.organization("acme", name="Acme")
    agent = factories.user(org, Role.AGENT, email="agent@acme.test", name="Bob Agent")
    requester = factories.user(org, Role.REQUESTER, email="carol@acme.test", name="Carol")
    factories.team(org, "Support", agent)
    ticket = services.ticket_create(actor=requester, title="Screen flickers")
    return agent, requester, ticket


def _scanned(page: Page, name: str) -> None:
    """The page shows the file as being scanned; the worker's scan runs; the list refreshes."""
    expect(page.locator(".upload-item .upload-state").last).to_have_text("Scanning")
    assert "clean" in run_queued("scan_attachment")
    expect(page.get_by_role("link", name=name)).to_be_visible(timeout=8_000)


@pytest.mark.usefixtures("transactional_db")
def test_requester_drops_a_screenshot_and_the_agent_downloads_it(
    new_page: PageFactory, files: Path
) -> None:
    agent, requester, ticket = _cast()
    image = png(4, 4)

    page = new_page(user=requester)
    page.goto(f"/help/requests/ACME-{ticket.number}")
    expect(page.get_by_text("Images up to 10 MB", exact=False)).to_be_visible()
    page.evaluate(DROP, ["screenshot.png", "image/png", base64.b64encode(image).decode()])
    _scanned(page, "screenshot.png")
    stored = Attachment.objects.get()
    assert (stored.visibility, stored.scan_status) == ("public", ScanStatus.CLEAN)

    desk = new_page(user=agent)
    desk.goto(f"/desk/tickets/ACME-{ticket.number}")
    with desk.expect_response(lambda r: "/files/download" in r.url) as answer:
        desk.get_by_role("link", name="screenshot.png").click()
    response = answer.value
    assert response.status == 200
    assert response.body() == image
    assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.usefixtures("transactional_db")
def test_an_internal_attachment_never_shows_to_the_requester(
    new_page: PageFactory, files: Path
) -> None:
    agent, requester, ticket = _cast()
    desk = new_page(user=agent)
    desk.goto(f"/desk/tickets/ACME-{ticket.number}")
    # The composer's mode decides the visibility of what is attached next.
    desk.get_by_label("Internal note", exact=True).check()
    expect(desk.locator("[data-attachment-visibility]")).to_have_value("internal")
    desk.locator("input[type=file][name=file]").set_input_files(
        {"name": "runbook.txt", "mimeType": "text/plain", "buffer": TEXT}
    )
    _scanned(desk, "runbook.txt")
    assert Attachment.objects.get().visibility == "internal"

    page = new_page(user=requester)
    page.goto(f"/help/requests/ACME-{ticket.number}")
    expect(page.get_by_text("No attachments yet.")).to_be_visible()
    assert "runbook" not in page.content()
