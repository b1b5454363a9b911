"""Desk work screens: the board and its moves, a new ticket on behalf, the dashboard, shortcuts."""

from __future__ import annotations

import pytest

from ruledesk.access import services as access_services
from ruledesk.tenancy.models import Organization, User
from tests import factories
from tests.portal.helpers import csp_violations, fragment, page, queries_of, signed_in
from workflows import services
from workflows.models import Ticket

pytestmark = pytest.mark.django_db


def _ticket(requester: User, title: str = "Printer on fire", **fields: object) -> Ticket:
    return services.ticket_create(actor=requester, title=title, **fields)  # type: ignore[arg-type]


def _number(ticket: Ticket) -> str:
    return f"ACME-{ticket.number}"


def _status(ticket: Ticket) -> str:
    return Ticket.objects.values_list("status", flat=True).get(pk=ticket.pk)


# --- Board -------------------------------------------------------------------------


def test_board_shows_a_column_per_status_with_cards(agent: User, requester: User) -> None:
    new = _ticket(requester, "Fresh one")
    opened = _ticket(requester, "Opened one")
    services.ticket_transition(actor=agent, ticket=opened, name="open")
    response = page(signed_in(agent), "/desk/board")
    html = response.content.decode()
    assert response.status_code == 200 and not csp_violations(html)
    for status in ("new", "open", "waiting_on_requester", "resolved", "closed"):
        assert f'<section class="board-column" data-status="{status}"' in html
    new_col = html.split('data-status="new"', 1)[1].split("</section>", 1)[0]
    assert _number(new) in new_col and _number(opened) not in new_col
    assert "Priority: Medium" in html  # a labelled badge, not colour alone


def test_board_filters_like_the_list_with_chips(agent: User, requester: User) -> None:
    _ticket(requester, "Low one", priority="low")
    _ticket(requester, "High one", priority="high")
    html = page(signed_in(agent), "/desk/board?priority=high").content.decode()
    assert "High one" in html and "Low one" not in html
    assert 'class="chip"' in html and "Priority: High" in html
    assert 'href="/desk/?priority=high"' in html  # the list with the same filters
    assert 'href="/desk/board"' in html  # the chip's remove link


def test_board_chips_name_the_team_and_requester_not_their_ids(
    agent: User, requester: User, acme: Organization
) -> None:
    support = factories.team(acme, "Second line", agent)
    html = page(
        signed_in(agent), f"/desk/board?team={support.pk}&requester={requester.pk}"
    ).content.decode()
    chips = html.split('class="chips"', 1)[1].split("</ul>", 1)[0]
    assert "Team: Second line" in chips
    assert f"Requester: {requester.display_name}" in chips
    assert f"Team: {support.pk}<" not in chips


def test_a_resolved_card_offers_reopen_through_the_ticket_pages_reason_form(
    admin: User, requester: User
) -> None:
    ticket = _ticket(requester, "Done one")
    services.ticket_transition(actor=admin, ticket=ticket, name="resolve")
    html = page(signed_in(admin), "/desk/board").content.decode()
    card = html.split(f'data-number="{_number(ticket)}"', 1)[1].split("</li>", 1)[0]
    link = f"/desk/tickets/{_number(ticket)}?reopen=1#reopen-reason"
    assert link in card and 'value="open"' not in card
    landing = page(signed_in(admin), link.split("#")[0]).content.decode()
    assert '<details class="reopen" open>' in landing


def test_board_status_filter_limits_the_columns(agent: User, requester: User) -> None:
    html = page(signed_in(agent), "/desk/board?status=new,open").content.decode()
    assert 'data-status="open"' in html and 'board-column" data-status="closed"' not in html


def test_board_bad_filter_is_400(agent: User) -> None:
    assert signed_in(agent).get("/desk/board?priority=urgent").status_code == 400


def test_board_columns_page_by_keyset(agent: User, requester: User) -> None:
    for i in range(18):
        _ticket(requester, f"Ticket {i:02}")
    client = signed_in(agent)
    html = page(client, "/desk/board").content.decode()
    assert html.count('class="board-card"') == 15
    more = (
        html.split('class="board-more"', 1)[1]
        .split('hx-get="', 1)[1]
        .split('"', 1)[0]
        .replace("&amp;", "&")
    )
    assert more.startswith("/desk/board/column/new?cursor=")
    rest = fragment(client, more).content.decode()
    assert rest.count('class="board-card"') == 3 and "board-more" not in rest
    assert "<html" not in rest
    whole = page(client, more).content.decode()
    assert "<html" in whole and whole.count('class="board-card"') == 3


def test_board_queries_do_not_grow_with_cards(agent: User, requester: User) -> None:
    client = signed_in(agent)
    _ticket(requester, "One")
    queries_of(client, "/desk/board")  # warm caches (matrix, session)
    one = queries_of(client, "/desk/board")
    for i in range(30):
        _ticket(requester, f"More {i}", tags=None)
    many = queries_of(client, "/desk/board")
    assert one == many <= 15


def test_move_takes_the_transition_and_renders_the_card(agent: User, requester: User) -> None:
    ticket = _ticket(requester)
    client = signed_in(agent)
    data = {"number": _number(ticket), "seen": "new", "to": "open", "next": "/desk/board"}
    response = client.post("/desk/board/move", data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-status="open"' in html and "moved to Open" in html
    assert _status(ticket) == "open"


def test_move_without_scripts_redirects_back_with_a_message(agent: User, requester: User) -> None:
    ticket = _ticket(requester)
    client = signed_in(agent)
    data = {"number": _number(ticket), "seen": "new", "to": "resolved", "next": "/desk/board?q=x"}
    response = client.post("/desk/board/move", data)
    assert response.status_code == 302 and response["Location"] == "/desk/board?q=x"
    assert _status(ticket) == "resolved"
    html = client.get("/desk/board").content.decode()
    assert "moved to Resolved" in html


@pytest.mark.parametrize(
    ("seen", "to", "reason"),
    [
        ("open", "resolved", "someone moved it"),  # stale board
        ("new", "waiting_on_requester", "No transition leads from New to Waiting on requester"),
    ],
)
def test_refused_move_changes_nothing_and_says_why(
    agent: User, requester: User, seen: str, to: str, reason: str
) -> None:
    ticket = _ticket(requester)
    client = signed_in(agent)
    data = {"number": _number(ticket), "seen": seen, "to": to}
    response = client.post("/desk/board/move", data, HTTP_HX_REQUEST="true")
    assert response.status_code == 409
    assert response["HX-Retarget"] == "#toasts"
    assert reason in response.content.decode()
    assert _status(ticket) == "new"


def test_move_the_matrix_refuses_names_it(admin: User, agent: User, requester: User) -> None:
    access_services.matrix_update(
        actor=admin, grants={"ticket.transition.resolve": {"agent": False}}
    )
    ticket = _ticket(requester)
    data = {"number": _number(ticket), "seen": "new", "to": "resolved"}
    response = signed_in(agent).post("/desk/board/move", data, HTTP_HX_REQUEST="true")
    assert response.status_code == 403
    assert "Your role may not move tickets from New to Resolved" in response.content.decode()
    assert _status(ticket) == "new"
    html = page(signed_in(agent), "/desk/board").content.decode()
    card = html.split(_number(ticket), 1)[1].split("</li>", 1)[0]
    assert 'value="resolved"' not in card  # the menu does not offer it


def test_move_of_another_organizations_ticket_is_404(outsider: User, requester: User) -> None:
    ticket = _ticket(requester)
    data = {"number": _number(ticket), "seen": "new", "to": "open"}
    assert (
        signed_in(outsider).post("/desk/board/move", data, HTTP_HX_REQUEST="true").status_code
        == 404
    )
    assert _status(ticket) == "new"


# --- New ticket ----------------------------------------------------------------------


def test_new_ticket_page_and_requester_suggestions(agent: User, requester: User) -> None:
    client = signed_in(agent)
    html = page(client, "/desk/tickets/new").content.decode()
    assert 'name="requester_q"' in html and not csp_violations(html)
    assert "Only people who manage users can add a new requester" in html
    options = fragment(
        client, f"/desk/tickets/new/options/requester?requester_q={requester.name[:6]}"
    )
    body = options.content.decode()
    assert f'value="{requester.pk}"' in body and "<html" not in body


def test_new_ticket_suggestions_keep_the_choice_and_stay_in_the_organization(
    agent: User, requester: User, outsider: User
) -> None:
    client = signed_in(agent)
    url = f"/desk/tickets/new/options/requester?requester_q=zzz&requester={requester.pk}"
    body = fragment(client, url).content.decode()
    assert f'value="{requester.pk}" checked' in body
    body = fragment(
        client, f"/desk/tickets/new/options/requester?requester={outsider.pk}"
    ).content.decode()
    assert f'value="{outsider.pk}"' not in body


def test_new_ticket_is_filed_for_the_requester(
    agent: User, requester: User, acme: Organization
) -> None:
    team = factories.team(acme, "Hardware", agent)
    client = signed_in(agent)
    data = {
        "requester": requester.pk,
        "title": "Laptop broken",
        "description": "It **does not** boot.",
        "priority": "high",
        "team": team.pk,
        "new_tags": "laptop, urgent",
        "create": "1",
    }
    response = client.post("/desk/tickets/new", data)
    ticket = Ticket.objects.get(title="Laptop broken")
    assert (
        response.status_code == 302 and response["Location"] == f"/desk/tickets/{_number(ticket)}"
    )
    assert ticket.requester_id == requester.pk and ticket.priority == "high"
    assert ticket.team_id == team.pk and "<strong>does not</strong>" in ticket.description_html
    assert sorted(ticket.tags.values_list("name", flat=True)) == ["laptop", "urgent"]


def test_new_ticket_errors_land_on_the_fields_and_nothing_is_made(
    agent: User, outsider: User
) -> None:
    client = signed_in(agent)
    response = client.post(
        "/desk/tickets/new", {"requester": outsider.pk, "title": "", "create": "1"}
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="title_error"' in html or "id_title_error" in html
    response = client.post(
        "/desk/tickets/new",
        {"requester": outsider.pk, "title": "Hi", "priority": "low", "create": "1"},
    )
    assert response.status_code == 400 and "No such requester." in response.content.decode()
    assert not Ticket.objects.exists()


def test_new_requester_inline_only_for_who_manages_users(agent: User, admin: User) -> None:
    data = {
        "new_name": "Nina New",
        "new_email": "nina@acme.test",
        "title": "Hello",
        "priority": "low",
        "create": "1",
    }
    refused = signed_in(agent).post("/desk/tickets/new", data)
    assert refused.status_code == 400 and not User.objects.filter(email="nina@acme.test").exists()
    response = signed_in(admin).post("/desk/tickets/new", data)
    assert response.status_code == 302
    nina = User.objects.get(email="nina@acme.test")
    assert nina.role == "requester" and Ticket.objects.get(title="Hello").requester_id == nina.pk


def test_find_without_scripts_rerenders_the_suggestions(agent: User, requester: User) -> None:
    response = signed_in(agent).post(
        "/desk/tickets/new",
        {"requester_q": requester.email, "find": "requester", "title": "Keep me"},
    )
    html = response.content.decode()
    assert response.status_code == 200 and f'value="{requester.pk}"' in html and "Keep me" in html
    assert not Ticket.objects.exists()


# --- Dashboard and shortcuts -------------------------------------------------------------


def test_dashboard_without_teams_says_so(agent: User) -> None:
    html = page(signed_in(agent), "/desk/dashboard").content.decode()
    assert "You are in no team" in html and "Key figures, last 7 days" in html


def test_dashboard_with_a_team_draws_charts_with_tables(
    agent: User, requester: User, acme: Organization
) -> None:
    team = factories.team(acme, "Support", agent)
    ticket = _ticket(requester, "Mine")
    Ticket.objects.filter(pk=ticket.pk).update(team=team, assignee=agent)
    html = page(signed_in(agent), "/desk/dashboard?days=30").content.decode()
    assert html.count('role="img"') == 3 and html.count("<details") >= 3
    assert "Support" in html and "Waiting on me" in html and ticket.title in html
    assert not csp_violations(html)


def test_dashboard_queries_do_not_grow(agent: User, requester: User, acme: Organization) -> None:
    factories.team(acme, "Support", agent)
    client = signed_in(agent)
    queries_of(client, "/desk/dashboard")
    one = queries_of(client, "/desk/dashboard")
    for i in range(12):
        t = _ticket(requester, f"T{i}")
        Ticket.objects.filter(pk=t.pk).update(assignee=agent)
    assert queries_of(client, "/desk/dashboard") == one <= 15


def test_shortcut_sheet_page_and_layout(agent: User) -> None:
    client = signed_in(agent)
    html = page(client, "/desk/shortcuts").content.decode()
    assert "<kbd>?</kbd>" in html and "/account" in html
    board = page(client, "/desk/board").content.decode()
    assert '<template id="shortcut-rows"><tr><td><kbd>m</kbd>' in board
    assert 'aria-current="page"' in board.split('class="desk-nav"', 1)[1].split("</nav>", 1)[0]


@pytest.mark.parametrize(
    "url", ["/desk/board", "/desk/dashboard", "/desk/tickets/new", "/desk/shortcuts"]
)
def test_requesters_never_reach_desk_work_pages(requester: User, url: str) -> None:
    assert signed_in(requester).get(url).status_code == 403


def test_board_keeps_the_lists_ordering(agent: User, requester: User) -> None:
    _ticket(requester, "Older one")
    _ticket(requester, "Newer one")
    client = signed_in(agent)
    newest_first = page(client, "/desk/board").content.decode()
    assert newest_first.index("Newer one") < newest_first.index("Older one")
    oldest_first = page(client, "/desk/board?ordering=created_at").content.decode()
    assert oldest_first.index("Older one") < oldest_first.index("Newer one")
    assert 'class="chip"' not in oldest_first  # an ordering is not a filter
    assert signed_in(agent).get("/desk/board?ordering=nonsense").status_code == 400
