"""Reads behind the desk's list: capped counts, highlights, page calendars, view columns."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ruledesk import errors
from ruledesk.tenancy.models import Organization, User
from workflows import lookups, search, selectors, services
from workflows.models import BusinessCalendar, SlaPolicy, Ticket
from workflows.services import saved_views, taxonomy
from workflows.sla import selectors as sla_selectors

pytestmark = pytest.mark.django_db


def make_tickets(requester: User, count: int, description: str = "") -> list[Ticket]:
    return [
        services.ticket_create(actor=requester, title=f"Ticket {n}", description=description)
        for n in range(count)
    ]


def test_capped_counts_count_each_list_up_to_the_cap_in_one_query(
    agent: User, requester: User
) -> None:
    make_tickets(requester, 5)
    visible = selectors.tickets_visible_to(agent)
    with CaptureQueriesContext(connection) as captured:
        counts = lookups.capped_counts(
            [visible, visible.filter(title__endswith="1"), visible.none()], cap=3
        )
    assert counts == [4, 1, 0]  # 5 tickets: cap + 1 says "more than 3"
    assert len(captured.captured_queries) == 1
    assert "LIMIT 4" in captured.captured_queries[0]["sql"]
    assert lookups.capped_counts([], cap=3) == []


def test_counts_never_see_another_organizations_tickets(
    agent: User, requester: User, outsider: User
) -> None:
    make_tickets(requester, 2)
    assert lookups.capped_counts([selectors.tickets_visible_to(outsider)], cap=9) == [0]


def test_mark_terms_marks_whole_words_in_any_case_and_keeps_every_character() -> None:
    marked = search.mark_terms("VPN <b>down</b> again, vpnx", "vpn -again")
    assert marked == [("VPN", True), (" <b>down</b> again, vpnx", False)]
    assert search.mark_terms("Printer", "") == [("Printer", False)]


def test_headlines_mark_the_description_excerpt(agent: User, requester: User) -> None:
    ticket = make_tickets(requester, 1, description="The printer \x02jams\x03 every day")[0]
    found = search.headlines([ticket.pk], "jams")
    title, excerpt = found[ticket.pk]
    assert ("jams", True) in excerpt
    # A control character in the text cannot fake a mark.
    assert all("\x02" not in text and "\x03" not in text for text, _ in excerpt)
    assert search.headlines([], "x") == {}


def test_policy_calendars_load_every_page_policy_in_one_query(acme: Organization) -> None:
    calendar = BusinessCalendar.objects.create(
        organization=acme,
        name="Office",
        timezone="Europe/Warsaw",
        hours={"mon": [["09:00", "17:00"]]},
    )
    policies = [
        SlaPolicy.objects.create(
            organization=acme,
            name=f"P{n}",
            calendar=calendar,
            first_response_minutes=60,
            resolution_minutes=480,
        )
        for n in range(3)
    ]
    with CaptureQueriesContext(connection) as captured:
        found = sla_selectors.policy_calendars([p.pk for p in policies] * 2)
    assert len(captured.captured_queries) == 1
    assert {str(c.timezone) for c in found.values()} == {"Europe/Warsaw"}
    assert sla_selectors.policy_calendars([]) == {}


def test_saved_view_columns_are_checked_and_stored(agent: User) -> None:
    view = saved_views.saved_view_create(
        actor=agent, name="Mine", filters={"assignee": "me"}, columns=["title", "sla"]
    )
    assert view.columns == ["title", "sla"]
    saved_views.saved_view_update(actor=agent, view=view, columns=["number", "title"])
    view.refresh_from_db()
    assert view.columns == ["number", "title"]
    for bad in (["title", "title"], ["status"], ["title", "colour"], "title"):
        with pytest.raises(errors.ValidationFailed):
            saved_views.saved_view_update(actor=agent, view=view, columns=bad)
    view.refresh_from_db()
    assert view.columns == ["number", "title"]


def test_pickers_list_only_live_names_of_the_actors_organization(
    admin: User, agent: User, outsider: User
) -> None:
    taxonomy.category_create(actor=admin, name="Network")
    archived = taxonomy.tag_create(actor=admin, name="netflix")
    taxonomy.tag_archive(actor=admin, tag=archived)
    taxonomy.tag_create(actor=admin, name="network")
    assert [c.name for c in lookups.categories_matching(agent, "net")] == ["Network"]
    assert [t.name for t in lookups.tags_matching(agent, "net")] == ["network"]
    assert list(lookups.categories_matching(outsider, "net")) == []
