"""The desk's ticket list: views with capped counts, chips, columns, SLA text, bulk, search."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.utils import timezone

from ruledesk.tenancy.models import Organization, User
from tests import factories
from tests.portal.helpers import HX, csp_violations, fragment, page, queries_of, signed_in
from workflows import services
from workflows.models import BusinessCalendar, SavedView, SlaPolicy, Ticket
from workflows.services import saved_views

pytestmark = pytest.mark.django_db


def _tickets(requester: User, count: int, title: str = "Printer jams") -> list[Ticket]:
    return [
        services.ticket_create(actor=requester, title=f"{title} {n}", description="toner")
        for n in range(count)
    ]


def _with_sla(acme: Organization, tickets: list[Ticket]) -> None:
    calendar = BusinessCalendar.objects.create(
        organization=acme,
        name=f"Always {len(tickets)} {tickets[0].pk}",
        timezone="UTC",
        hours={d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
    )
    policy = SlaPolicy.objects.create(
        organization=acme,
        name=calendar.name,
        calendar=calendar,
        first_response_minutes=60,
        resolution_minutes=480,
    )
    Ticket.objects.filter(pk__in=[t.pk for t in tickets]).update(sla_policy=policy)


def test_desk_home_is_the_list_with_default_views_and_counts(agent: User, requester: User) -> None:
    _tickets(requester, 3)
    response = page(signed_in(agent), "/desk/")
    html = response.content.decode()
    assert response.status_code == 200
    for label in ("All open", "Mine", "Unassigned", "SLA at risk"):
        assert label in html
    assert html.count("Printer jams") == 3
    assert "ACME-" in html
    assert csp_violations(html) == []


def test_counts_are_capped(agent: User, requester: User, settings: object) -> None:
    from portal.viewmodels import queue

    _tickets(requester, 4)
    original = queue.COUNT_CAP
    queue.COUNT_CAP = 2
    try:
        html = page(signed_in(agent), "/desk/").content.decode()
    finally:
        queue.COUNT_CAP = original
    assert "2+" in html


def test_poll_fragment_answers_304_while_unchanged_and_200_after_a_change(
    agent: User, admin: User, requester: User
) -> None:
    ticket = _tickets(requester, 1)[0]
    client = signed_in(agent)
    first = fragment(client, "/desk/")
    assert first.status_code == 200
    assert 'id="queue-view-list" hx-swap-oob="true"' in first.content.decode()
    etag = first["ETag"]
    same = client.get("/desk/", HTTP_IF_NONE_MATCH=etag, **HX)
    assert same.status_code == 304
    services.ticket_update(actor=admin, ticket=ticket, title="Changed by another agent")
    changed = client.get("/desk/", HTTP_IF_NONE_MATCH=etag, **HX)
    assert changed.status_code == 200
    assert "Changed by another agent" in changed.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        "priority=urgent",
        "created_after=yesterday",
        "category=abc",
        "ordering=title",
        "cursor=forged",
        "sla=late",
        "assignee=%C2%B2",
    ],
)
def test_bad_filter_values_show_an_inline_error_never_a_500(agent: User, query: str) -> None:
    response = page(signed_in(agent), f"/desk/?{query}")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="alert"' in html and "These filters cannot be applied" in html


def test_chips_filter_and_remove(agent: User, admin: User, requester: User) -> None:
    mine, other = _tickets(requester, 2)
    services.ticket_update(actor=admin, ticket=mine, assignee_id=agent.pk, priority="high")
    client = signed_in(agent)
    html = page(client, "/desk/?priority=high").content.decode()
    assert "Printer jams 0" in html and "Printer jams 1" not in html
    assert "Priority:" in html
    # The "Mine" view's assignee filter, cleared in the URL, shows every open ticket.
    cleared = page(client, "/desk/?view=mine&assignee=").content.decode()
    assert "Printer jams 1" in cleared
    only_mine = page(client, "/desk/?view=mine").content.decode()
    assert "Printer jams 1" not in only_mine and "Printer jams 0" in only_mine
    # Checkboxes of the filter form repeat the key.
    both = page(client, "/desk/?status=new&status=open&priority=").content.decode()
    assert "Printer jams 0" in both and "Printer jams 1" in both


def test_query_counts_equal_for_1_and_50_rows(
    acme: Organization, agent: User, requester: User
) -> None:
    _with_sla(acme, _tickets(requester, 1))
    client = signed_in(agent)
    one = queries_of(client, "/desk/")
    one_fragment = queries_of(client, "/desk/", **HX)
    _with_sla(acme, _tickets(requester, 49))
    fifty = queries_of(client, "/desk/")
    assert fifty == one
    assert queries_of(client, "/desk/", **HX) == one_fragment
    assert one <= 15
    searched_one = queries_of(client, "/desk/?q=toner&status=")
    assert searched_one <= 15


def test_sla_column_says_paused_breached_and_time_left(
    acme: Organization, agent: User, requester: User
) -> None:
    running, paused, breached = _tickets(requester, 3)
    _with_sla(acme, [running, paused, breached])
    now = timezone.now()
    Ticket.objects.filter(pk=running.pk).update(
        first_response_due_at=now + timedelta(minutes=125),
        resolution_due_at=now + timedelta(hours=8),
    )
    Ticket.objects.filter(pk=paused.pk).update(
        sla_paused=True, resolution_due_at=now + timedelta(hours=3)
    )
    Ticket.objects.filter(pk=breached.pk).update(
        first_response_breached=True, first_response_due_at=now - timedelta(minutes=15)
    )
    html = page(signed_in(agent), "/desk/?cols=title,sla").content.decode()
    assert "On track" in html and "2 h 4 min left" in html
    assert "Paused" in html
    assert "Breached" in html and "15 min ago" in html


def test_columns_from_url_and_stored_on_a_saved_view(
    agent: User, admin: User, requester: User
) -> None:
    ticket = _tickets(requester, 1)[0]
    services.ticket_update(actor=admin, ticket=ticket, priority="high")
    client = signed_in(agent)
    html = page(client, "/desk/?cols=title,requester,priority").content.decode()
    assert 'class="col-requester"' in html and 'class="col-sla"' not in html
    response = client.post(
        "/desk/views",
        {"name": "Urgent", "state": "view=all&priority=high&cols=title,priority"},
    )
    view = SavedView.objects.get(owner=agent, name="Urgent")
    assert response.status_code == 302 and response["Location"] == f"/desk/?view={view.pk}"
    assert view.filters == {"status": "new,open,waiting_on_requester", "priority": "high"}
    assert view.columns == ["title", "priority"]
    client.post(f"/desk/views/{view.pk}/columns", {"state": f"view={view.pk}&cols=title,team"})
    view.refresh_from_db()
    assert view.columns == ["title", "team"]
    html = page(client, f"/desk/?view={view.pk}").content.decode()
    assert 'class="col-team"' in html


def test_saving_a_team_view_requires_membership(
    acme: Organization, agent: User, admin: User
) -> None:
    mine = factories.team(acme, "Support", agent)
    theirs = factories.team(acme, "Billing", admin)
    client = signed_in(agent)
    refused = client.post("/desk/views", {"name": "Theirs", "state": "", "team": theirs.pk})
    assert refused.status_code == 400
    assert not SavedView.objects.filter(name="Theirs").exists()
    client.post("/desk/views", {"name": "Ours", "state": "view=unassigned", "team": mine.pk})
    view = SavedView.objects.get(name="Ours")
    assert view.shared_with_team_id == mine.pk
    assert view.filters["assignee"] == "none"


def test_only_the_owner_stores_columns(agent: User, admin: User, acme: Organization) -> None:
    team = factories.team(acme, "Support", agent, admin)
    view = saved_views.saved_view_create(
        actor=admin, name="Shared", filters={}, shared_with_team_id=team.pk
    )
    response = signed_in(agent).post(
        f"/desk/views/{view.pk}/columns", {"state": f"view={view.pk}&cols=title"}
    )
    assert response.status_code == 403
    view.refresh_from_db()
    assert view.columns == []


def test_bulk_transition_reports_each_refusal_and_changes_nothing_refused(
    agent: User, requester: User
) -> None:
    fresh, done = _tickets(requester, 2)
    services.ticket_transition(actor=agent, ticket=done, name="resolve")
    services.ticket_transition(actor=agent, ticket=Ticket.objects.get(pk=done.pk), name="close")
    before = Ticket.objects.get(pk=done.pk)
    response = signed_in(agent).post(
        "/desk/bulk",
        {"ids": [fresh.pk, done.pk], "action": "transition", "transition": "open"},
        **HX,
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "1 ticket changed" in html and "1 refused" in html
    assert Ticket.objects.get(pk=fresh.pk).status == "open"
    after = Ticket.objects.get(pk=done.pk)
    assert after.status == "closed" and after.updated_at == before.updated_at
    assert html.count("bulk-refused") == 1


def test_bulk_assign_priority_and_tags(agent: User, requester: User) -> None:
    one, two = _tickets(requester, 2)
    client = signed_in(agent)
    ids = [one.pk, two.pk]
    client.post("/desk/bulk", {"ids": ids, "action": "assign", "assignee": "me"})
    client.post("/desk/bulk", {"ids": ids, "action": "set_priority", "priority": "critical"})
    client.post("/desk/bulk", {"ids": ids, "action": "add_tags", "tags": "vip, billing"})
    for ticket in Ticket.objects.filter(pk__in=ids):
        assert ticket.assignee_id == agent.pk and ticket.priority == "critical"
        assert sorted(ticket.tags.values_list("name", flat=True)) == ["billing", "vip"]


def test_bulk_assign_without_javascript_takes_a_typed_name_or_email(
    agent: User, admin: User, requester: User
) -> None:
    one, two = _tickets(requester, 2)
    client = signed_in(agent)
    ids = [one.pk, two.pk]
    client.post("/desk/bulk", {"ids": ids, "action": "assign", "text": admin.email.upper()})
    assert set(Ticket.objects.filter(pk__in=ids).values_list("assignee_id", flat=True)) == {
        admin.pk
    }
    nobody = client.post(
        "/desk/bulk", {"ids": ids, "action": "assign", "text": "zz-no-such-agent"}, **HX
    )
    assert nobody.status_code == 400 and "No agent matches" in nobody.content.decode()
    many = client.post("/desk/bulk", {"ids": ids, "action": "assign", "text": "acme.test"}, **HX)
    assert many.status_code == 400 and "Several agents match" in many.content.decode()
    assert set(Ticket.objects.filter(pk__in=ids).values_list("assignee_id", flat=True)) == {
        admin.pk
    }


def test_bulk_without_selection_or_value_says_why(agent: User, requester: User) -> None:
    ticket = _tickets(requester, 1)[0]
    client = signed_in(agent)
    none = client.post("/desk/bulk", {"action": "transition", "transition": "open"}, **HX)
    assert none.status_code == 400 and "Select at least one ticket" in none.content.decode()
    bad = client.post("/desk/bulk", {"ids": [ticket.pk], "action": "set_priority"}, **HX)
    assert bad.status_code == 400 and "Choose a priority" in bad.content.decode()
    assert Ticket.objects.get(pk=ticket.pk).priority == ticket.priority


def test_search_jumps_to_a_number_or_lists_highlighted_results(
    agent: User, requester: User
) -> None:
    ticket = services.ticket_create(
        actor=requester, title="VPN <b>broken</b>", description="The vpn drops hourly"
    )
    client = signed_in(agent)
    for text in (f"ACME-{ticket.number}", f"#{ticket.number}", str(ticket.number)):
        response = client.get("/desk/search?" + urlencode({"q": text}))
        assert response["Location"] == f"/desk/tickets/ACME-{ticket.number}"
    response = client.get("/desk/search?q=vpn")
    assert response["Location"] == "/desk/?view=all&status=&q=vpn"
    html = page(client, response["Location"]).content.decode()
    assert "<mark>VPN</mark> &lt;b&gt;broken&lt;/b&gt;" in html
    assert "<mark>vpn</mark> drops" in html


def test_pickers_offer_matches_as_filter_links(
    acme: Organization, agent: User, requester: User
) -> None:
    factories.team(acme, "Network ops")
    client = signed_in(agent)
    html = fragment(client, "/desk/pick/team?text=netw&base=view%3Dmine").content.decode()
    assert "Network ops" in html and "view=mine&amp;team=" in html
    people = fragment(client, f"/desk/pick/requester?text={requester.email[:6]}").content.decode()
    assert requester.display_name in people
    assert fragment(client, "/desk/pick/nothing").status_code == 404


def test_a_requester_never_reaches_the_list(requester: User) -> None:
    assert signed_in(requester).get("/desk/").status_code == 403
    assert signed_in(requester).post("/desk/bulk", {}).status_code == 403
