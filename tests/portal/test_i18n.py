"""No visible string outside the catalogue (ui.md target I1, second half).

A pseudo-locale is compiled from the committed Polish catalogue with every
translation replaced by its wrapped msgid (⟦…⟧). Every page is then rendered in
it: whatever visible text is left once the wrapped parts, the people's own data
and `<time>` values are taken out is a string that never went through gettext.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from reporting import csat
from ruledesk.notifications.models import Notification
from ruledesk.tenancy.models import User
from workflows import services

pytestmark = pytest.mark.django_db

PO = Path(settings.BASE_DIR) / "locale/pl/LC_MESSAGES/django.po"
VISIBLE_ATTRIBUTES = ("placeholder", "aria-label", "title", "alt", "label")
# Innermost first: a translated label inside a translated sentence nests the marks.
WRAPPED = re.compile(r"⟦[^⟦⟧]*⟧", re.S)


def _po_entries(source: str) -> list[dict[str, str]]:
    """The fields of each PO entry, strings still escaped as in the file."""
    entries = []
    for block in source.split("\n\n"):
        fields: dict[str, str] = {}
        current = ""
        for line in block.strip().splitlines():
            field = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) "(.*)"$', line)
            if field:
                current = field.group(1)
                fields[current] = field.group(2)
            elif line.startswith('"') and current:
                fields[current] += line[1:-1]
        if "msgid" in fields:
            entries.append(fields)
    return entries


def _pseudo_po(source: str) -> str:
    """The catalogue with every translation replaced by its wrapped msgid; the header kept."""
    header, *entries = _po_entries(source)
    plurals = re.search(r"nplurals=(\d+)", header["msgstr"])
    assert plurals is not None, "the catalogue header names its plural forms"
    lines = ['msgid ""', 'msgstr "' + header["msgstr"] + '"', ""]
    for entry in entries:
        if "msgctxt" in entry:
            lines.append(f'msgctxt "{entry["msgctxt"]}"')
        lines.append(f'msgid "{entry["msgid"]}"')
        if "msgid_plural" in entry:
            lines.append(f'msgid_plural "{entry["msgid_plural"]}"')
            for n in range(int(plurals.group(1))):
                text = entry["msgid"] if n == 0 else entry["msgid_plural"]
                lines.append(f'msgstr[{n}] "⟦{text}⟧"')
        else:
            lines.append(f'msgstr "⟦{entry["msgid"]}⟧"')
        lines.append("")
    return "\n".join(lines)


@pytest.fixture
def pseudo(tmp_path: Path, settings: Any) -> None:
    assert shutil.which("msgfmt"), "GNU gettext is installed by `make gettext`"
    target = tmp_path / "locale/pl/LC_MESSAGES"
    target.mkdir(parents=True)
    (target / "django.po").write_text(_pseudo_po(PO.read_text()))
    subprocess.run(
        ["msgfmt", "-o", str(target / "django.mo"), str(target / "django.po")], check=True
    )
    settings.LOCALE_PATHS = [tmp_path / "locale"]  # resets Django's translation caches


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.chunks: list[str] = []
        self._skip: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "time"):
            self._skip.append(tag)
        for name, value in attrs:
            if name in VISIBLE_ATTRIBUTES and value:
                self.chunks.append(value)
            if tag == "input" and name == "value" and ("type", "submit") in attrs and value:
                self.chunks.append(value)

    def handle_endtag(self, tag: str) -> None:
        if self._skip and self._skip[-1] == tag:
            self._skip.pop()

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.chunks.append(data)


def untranslated(html: str, data: list[str]) -> list[str]:
    parser = _Text()
    parser.feed(html)
    leftovers = []
    for chunk in parser.chunks:
        rest, previous = chunk, ""
        while rest != previous:
            previous, rest = rest, WRAPPED.sub(" ", rest)
        for value in sorted(data, key=len, reverse=True):
            rest = rest.replace(value, " ")
        if re.search(r"[^\W\d_]{2,}", rest):
            leftovers.append(chunk.strip())
    return leftovers


def test_pseudo_catalogue_wraps_what_it_translates(pseudo: None) -> None:
    from django.utils import translation

    with translation.override("pl"):
        assert translation.gettext("Sign in") == "⟦Sign in⟧"


def test_every_page_shows_only_catalogued_text(
    pseudo: None, admin: User, agent: User, requester: User
) -> None:
    ticket = services.ticket_create(actor=requester, title="Printer jams", description="It jams.")
    services.comment_create(actor=agent, ticket=ticket, body="On it.")
    number = f"ACME-{ticket.number}"
    survey = csat.csat_request(actor=agent, ticket=ticket).token
    for user in (admin, agent, requester):
        user.locale = "pl"
        user.save(update_fields=["locale"])
        assert user.organization_id is not None
        Notification.objects.create(
            organization_id=user.organization_id,
            recipient=user,
            event="ticket.assigned",
            kind="ticket.assigned",
            title="Assigned: Printer jams",
            body="Printer jams",
            ticket_id=ticket.pk,
            ticket_number=number,
            audience="requester" if user.role == "requester" else "agent",
            dedup_key=f"pseudo:{user.pk}",
        )
    data = [
        "Ruledesk",
        "Acme",
        "English",
        "Polski",
        "Printer jams",
        "printer",  # the list's text filter, shown in its chip and search field
        "soon",  # a bad created_after value, shown in its chip
        "It jams.",
        "On it.",
        "Assigned: Printer jams",
        number,
        *(u.name for u in (admin, agent, requester)),
        *(u.email for u in (admin, agent, requester)),
    ]
    pages: list[tuple[User | None, str]] = [
        (None, "/login"),
        (None, "/password-reset"),
        (None, "/password-reset/sent"),
        (None, "/password-reset/MQ/forged"),
        (None, "/no-such-page"),
        (None, f"/csat/{survey}"),
        (None, "/csat/forged"),
        (requester, "/help/"),
        (requester, f"/help/requests/{number}"),
        (requester, "/desk/"),
        (agent, "/desk/"),
        (agent, "/desk/?status=&q=printer&created_after=soon"),
        (agent, "/desk/pick/team"),
        (agent, f"/desk/tickets/{number}"),
        (agent, "/desk/board"),
        (agent, "/desk/board/column/new"),
        (agent, "/desk/dashboard"),
        (agent, "/desk/tickets/new"),
        (agent, "/desk/shortcuts"),
        (agent, f"/desk/tickets/{number}?tab=history"),
        (agent, f"/desk/tickets/{number}?edit=title"),
        (admin, f"/desk/tickets/{number}?tab=rules"),
        (agent, f"/desk/tickets/{number}/pick/assignee?q=a"),
        (admin, "/console/"),
        (admin, "/account"),
        (admin, "/notifications"),
        (admin, "/logout"),
        (requester, "/notifications?state=read"),
    ]
    found: dict[str, list[str]] = {}
    for visitor, url in pages:
        client = Client(HTTP_ACCEPT_LANGUAGE="pl")
        if visitor is not None:
            client.force_login(visitor)
        html = client.get(url).content.decode()
        assert '<html lang="pl"' in html, url
        leftovers = untranslated(html, data)
        if leftovers:
            found[url] = leftovers
    assert found == {}


def test_the_check_catches_a_string_outside_the_catalogue() -> None:
    html = "<main><p>⟦Known⟧</p><p>Hard-coded words</p><time>7 grudnia</time></main>"
    assert untranslated(html, []) == ["Hard-coded words"]
