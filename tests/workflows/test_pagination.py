"""Keyset pagination of the ticket list: every ordering, both directions, ties, NULL deadlines,
inserts between pages, constant query counts, forged cursors and the index behind each page."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ruledesk import keyset
from ruledesk.tenancy.models import Role, User
from tests import factories
from tests.api.problems import assert_problem, field_errors
from tests.workflows.conftest import make_ticket
from workflows import ticket_filters
from workflows.models import PRIORITY_RANK, Priority, Ticket

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ORDERINGS = list(ticket_filters.ORDERINGS)
# (priority, created minutes after T0, updated minutes after T0, due hours after T0 or None):
# ties on every key, several tickets without a deadline, and a NULL deadline on the first id.
SPECS: list[tuple[str, int, int, int | None]] = [
    ("low", 0, 5, None),
    ("medium", 1, 5, 4),
    ("medium", 1, 3, None),
    ("high", 2, 9, 4),
    ("critical", 3, 1, 1),
    ("medium", 3, 1, None),
    ("low", 4, 7, 8),
    ("high", 5, 7, 4),
    ("medium", 5, 2, None),
    ("critical", 6, 0, 2),
    ("low", 7, 4, 8),
    ("high", 8, 6, None),
    ("medium", 9, 8, 1),
]


def _sort_key(ordering: str) -> Callable[[Ticket], Any]:
    """The order api.md promises, computed in Python from the stored values."""
    field = ordering.removeprefix("-")
    if field == "resolution_due_at":  # deadlines first, soonest first; none last
        return lambda t: (t.resolution_due_at is None, t.resolution_due_at or T0, t.pk)
    if field == "priority":
        return lambda t: (t.priority_rank, t.pk)
    return lambda t: (getattr(t, field), t.pk)


def _expected(ordering: str, ids: list[int] | None = None) -> list[int]:
    tickets = Ticket.objects.all() if ids is None else Ticket.objects.filter(pk__in=ids)
    ordered = sorted(tickets, key=_sort_key(ordering), reverse=ordering.startswith("-"))
    return [t.pk for t in ordered]


def _set(ticket: Ticket, priority: str, created: int, updated: int, due: int | None) -> None:
    Ticket.objects.filter(pk=ticket.pk).update(
        priority=priority,
        priority_rank=PRIORITY_RANK[Priority(priority)],
        created_at=T0 + timedelta(minutes=created),
        updated_at=T0 + timedelta(minutes=updated),
        resolution_due_at=None if due is None else T0 + timedelta(hours=due),
    )


@pytest.fixture
def tickets(requester: User) -> list[int]:
    made = []
    for n, spec in enumerate(SPECS):
        ticket = make_ticket(requester, title=f"Ticket {n}")
        _set(ticket, *spec)
        made.append(ticket.pk)
    return made


def _path(url: str) -> str:
    parts = urlsplit(url)
    assert parts.scheme == "http" and parts.netloc == "testserver"
    return f"{parts.path}?{parts.query}"


def _get(client: Any, url: str) -> dict[str, Any]:
    response = client.get(url)
    assert response.status_code == 200, response.content
    body: dict[str, Any] = response.json()
    return body


def _forward(client: Any, url: str) -> list[dict[str, Any]]:
    pages = [_get(client, url)]
    while pages[-1]["next"]:
        pages.append(_get(client, _path(pages[-1]["next"])))
    return pages


def _ids(pages: list[dict[str, Any]]) -> list[int]:
    return [row["id"] for page in pages for row in page["results"]]


def test_the_fixture_has_ties_and_missing_deadlines(tickets: list[int]) -> None:
    rows = Ticket.objects.filter(pk__in=tickets)
    assert len({t.priority_rank for t in rows}) == 4
    assert len({t.created_at for t in rows}) < len(tickets)
    assert len({t.updated_at for t in rows}) < len(tickets)
    assert sum(t.resolution_due_at is None for t in rows) == 5


@pytest.mark.parametrize("page_size", [1, 2, 5, 13, 100])
@pytest.mark.parametrize("ordering", ORDERINGS)
def test_walking_forward_and_back_visits_every_ticket_once_in_order(
    api, agent, tickets, ordering: str, page_size: int
) -> None:
    client = api(agent)
    expected = _expected(ordering)
    pages = _forward(client, f"/api/v1/tickets?ordering={ordering}&page_size={page_size}")

    assert _ids(pages) == expected
    assert [len(p["results"]) for p in pages[:-1]] == [page_size] * (len(pages) - 1)
    assert pages[0]["previous"] is None and pages[-1]["next"] is None
    assert all(p["previous"] for p in pages[1:])

    back = [pages[-1]]
    while back[-1]["previous"]:
        back.append(_get(client, _path(back[-1]["previous"])))
    assert _ids(list(reversed(back))) == expected
    assert [p["results"] for p in reversed(back)] == [p["results"] for p in pages]
    assert all(p["next"] for p in back[1:])


@pytest.mark.parametrize("ordering", ORDERINGS)
def test_links_keep_the_filters_ordering_and_page_size(api, agent, tickets, ordering) -> None:
    url = f"/api/v1/tickets?ordering={ordering}&page_size=2&status=new"
    first = _get(api(agent), url)
    query = parse_qs(urlsplit(first["next"]).query)
    assert {k: v for k, v in query.items() if k != "cursor"} == {
        "ordering": [ordering],
        "page_size": ["2"],
        "status": ["new"],
    }


@pytest.mark.parametrize("ordering", ORDERINGS)
def test_next_is_stable_while_tickets_are_inserted(
    api, agent, requester, tickets, ordering: str
) -> None:
    client = api(agent)
    first = _get(client, f"/api/v1/tickets?ordering={ordering}&page_size=4")
    boundary = first["results"][-1]["id"]
    # New tickets landing before, on (tied with) and after the boundary in every ordering.
    added = []
    for n, spec in enumerate([("critical", -5, -5, 0), ("low", 20, 20, None), SPECS[3]]):
        ticket = make_ticket(requester, title=f"Late {n}")
        _set(ticket, *spec)
        added.append(ticket.pk)

    rest = _forward(client, _path(first["next"]))

    now_expected = _expected(ordering)
    assert _ids(rest) == now_expected[now_expected.index(boundary) + 1 :]
    seen = [row["id"] for row in first["results"]] + _ids(rest)
    assert len(seen) == len(set(seen))
    assert set(tickets) <= set(seen)


@pytest.mark.parametrize("ordering", ORDERINGS)
def test_an_emptied_page_answers_empty_and_leads_back(api, agent, tickets, ordering) -> None:
    """The rows past a cursor were deleted: an empty page, whose `previous` still works."""
    client = api(agent)
    expected = _expected(ordering)
    first = _get(client, f"/api/v1/tickets?ordering={ordering}&page_size=10")
    Ticket.objects.filter(pk__in=expected[10:]).delete()

    empty = _get(client, _path(first["next"]))

    assert (empty["results"], empty["next"]) == ([], None)
    back = _get(client, _path(empty["previous"]))
    assert [row["id"] for row in back["results"]] == expected[:10]
    assert back["previous"] is None
    again = _get(client, _path(back["next"]))
    assert again["results"] == []


def _list_queries(client: Any, url: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        body = _get(client, url)
    return len(captured.captured_queries), len(body["results"])


@pytest.mark.parametrize("ordering", ORDERINGS)
def test_query_count_is_the_same_for_every_page_size_and_page(
    api, agent, tickets, ordering: str
) -> None:
    client = api(agent)
    client.get("/api/v1/tickets")  # warm the grants cache and the token's last-use stamp
    base = f"/api/v1/tickets?ordering={ordering}"
    counts = {size: _list_queries(client, f"{base}&page_size={size}") for size in (1, 25, 100)}
    second = _get(client, f"{base}&page_size=1")["next"]
    later = _list_queries(client, _path(second))
    back = _get(client, _path(second))["previous"]
    earlier = _list_queries(client, _path(back))

    assert {size: rows for size, (_, rows) in counts.items()} == {1: 1, 25: 13, 100: 13}
    assert {queries for queries, _ in [*counts.values(), later, earlier]} == {counts[1][0]}


INDEXES = {
    "created_at": "ticket_org_created",
    "-created_at": "ticket_org_created",
    "updated_at": "ticket_org_updated",
    "-updated_at": "ticket_org_updated",
    "priority": "ticket_org_prio",
    "-priority": "ticket_org_prio",
    "resolution_due_at": "ticket_org_res_due_key",
}


@pytest.mark.parametrize("direction", ["next", "previous"])
@pytest.mark.parametrize("ordering", ORDERINGS)
def test_every_page_is_one_index_range_scan(api, agent, tickets, ordering, direction) -> None:
    """The page query is answered from the ordering's index, the cursor as its range start."""
    client = api(agent)
    second = _get(client, f"/api/v1/tickets?ordering={ordering}&page_size=3")["next"]
    url = _path(second) if direction == "next" else _path(_get(client, _path(second))["previous"])
    with CaptureQueriesContext(connection) as captured:
        _get(client, url)
    [page_sql] = [
        q["sql"]
        for q in captured.captured_queries
        if 'FROM "workflows_ticket"' in q["sql"] and "LIMIT 4" in q["sql"]
    ]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        # A fixture table of a few rows makes "filter on organization, then sort" cost the
        # same as the range scan (at 1M rows it is not close); what is checked here is that the
        # page query *is* one index range scan of the ordering's index, the cursor its start.
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute(f"EXPLAIN {page_sql}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    # The page query reads only the id and the sort keys (workflows.selectors.page_keys), so an
    # index-only scan of the same index is as good.
    assert re.search(rf"Index (Only )?Scan (Backward )?using {INDEXES[ordering]} ", plan), plan
    assert "Sort" not in plan, plan
    index_cond = next(line for line in plan.splitlines() if "Index Cond" in line)
    assert "ROW(" in index_cond, plan


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "%%%",
        "ééé",
        "bz0wJnA9MjAyNi0wMS0wMQ==",  # a cursor of the previous (DRF) format
        keyset.encode_token({"o": "created_at,id", "v": ["yesterday", 1]}),
        keyset.encode_token({"o": "created_at,id", "v": ["2026-01-01T00:00:00", 1]}),
        keyset.encode_token({"o": "created_at,id", "v": [None, 1]}),
        keyset.encode_token({"o": "resolution_due_at,id", "v": ["9999-99-99", 1]}),
        keyset.encode_token({"o": "resolution_due_at,id", "v": [1]}),
        keyset.encode_token({"o": "priority_rank,id", "v": [99999999, 1]}),
        keyset.encode_token({"o": "priority_rank,id", "v": [2, "x"]}),
    ],
)
@pytest.mark.parametrize("ordering", ["created_at", "resolution_due_at", "priority"])
def test_a_garbage_or_forged_cursor_is_a_400(api, agent, tickets, ordering, cursor) -> None:
    response = api(agent).get("/api/v1/tickets", {"ordering": ordering, "cursor": cursor})
    assert field_errors(assert_problem(response, 400, "validation_error")) == {"cursor": "invalid"}


def test_a_cursor_of_another_ordering_is_a_400(api, agent, tickets) -> None:
    client = api(agent)
    next_url = _get(client, "/api/v1/tickets?ordering=priority&page_size=2")["next"]
    cursor = parse_qs(urlsplit(next_url).query)["cursor"][0]
    response = client.get("/api/v1/tickets", {"ordering": "-priority", "cursor": cursor})
    assert field_errors(assert_problem(response, 400, "validation_error")) == {"cursor": "invalid"}


def test_a_cursor_on_a_missing_deadline_pages_on_through_the_tickets_without_one(
    api, agent, tickets
) -> None:
    client = api(agent)
    expected = _expected("resolution_due_at")
    pages = _forward(client, "/api/v1/tickets?ordering=resolution_due_at&page_size=10")
    # The second page starts inside the NULL block: its cursor holds a NULL deadline.
    assert [r["sla"]["resolution_due_at"] for r in pages[1]["results"]] == [None] * 3
    assert _ids(pages) == expected
    assert pages[1]["results"][0]["id"] == expected[10]


def test_requesters_page_through_their_own_tickets_only(api, acme, requester, tickets) -> None:
    other = factories.user(acme, Role.REQUESTER)
    make_ticket(other, title="Not yours")
    pages = _forward(api(requester), "/api/v1/tickets?ordering=priority&page_size=4")
    assert _ids(pages) == _expected("priority", tickets)
