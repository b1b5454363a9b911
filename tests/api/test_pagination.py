"""Cursor pagination: default and capped page sizes, links, stable cursors, bad parameters."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from ruledesk import keyset
from ruledesk.audit.models import AuditEvent
from ruledesk.tenancy.models import Organization, Role, User
from tests.api.problems import assert_problem, field_errors


def _bulk_users(org: Organization, count: int, prefix: str = "bulk") -> list[User]:
    return User.objects.bulk_create(
        User(
            email=f"{prefix}{i}@{org.slug}.test",
            name=f"{prefix.title()} {i}",
            organization=org,
            role=Role.REQUESTER,
        )
        for i in range(count)
    )


def _bulk_events(org: Organization, count: int, start: datetime) -> list[AuditEvent]:
    return AuditEvent.objects.bulk_create(
        AuditEvent(
            organization_id=org.pk,
            action="test.event",
            object_type="probe",
            object_id=str(i),
            created_at=start + timedelta(seconds=i),
        )
        for i in range(count)
    )


def _path(url: str) -> str:
    parts = urlsplit(url)
    assert parts.scheme == "http" and parts.netloc == "testserver"
    return f"{parts.path}?{parts.query}"


def _walk(client, url: str) -> list[dict[str, Any]]:
    """Follow `next` from `url` to the end, returning every page body."""
    pages = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        pages.append(body)
        url = body["next"] and _path(body["next"])
    return pages


@pytest.fixture
def many_users(acme, admin) -> list[int]:
    _bulk_users(acme, 130)
    return list(User.objects.filter(organization=acme).order_by("id").values_list("id", flat=True))


def test_page_size_is_capped_at_one_hundred(api, admin, many_users) -> None:
    body = api(admin).get("/api/v1/users", {"page_size": 1000}).json()

    assert len(body["results"]) == 100
    assert [u["id"] for u in body["results"]] == many_users[:100]
    assert body["next"] is not None


def test_default_page_size_is_twenty_five(api, admin, many_users) -> None:
    body = api(admin).get("/api/v1/users").json()

    assert set(body) == {"results", "next", "previous"}
    assert [u["id"] for u in body["results"]] == many_users[:25]
    assert body["previous"] is None
    assert body["next"].startswith("http://testserver/api/v1/users?cursor=")


def test_huge_page_size_is_capped_not_an_error(api, admin, many_users) -> None:
    body = api(admin).get("/api/v1/users", {"page_size": "9" * 40}).json()

    assert len(body["results"]) == 100


def test_following_next_visits_every_row_exactly_once(api, admin, many_users) -> None:
    pages = _walk(api(admin), "/api/v1/users?page_size=40")

    seen = [u["id"] for page in pages for u in page["results"]]
    assert [len(page["results"]) for page in pages] == [40, 40, 40, 11]
    assert seen == many_users
    assert pages[-1]["next"] is None


def test_next_keeps_page_size_and_previous_goes_back(api, admin, many_users) -> None:
    client = api(admin)
    first = client.get("/api/v1/users", {"page_size": 10}).json()
    second = client.get(_path(first["next"])).json()

    assert parse_qs(urlsplit(first["next"]).query)["page_size"] == ["10"]
    assert [u["id"] for u in second["results"]] == many_users[10:20]
    back = client.get(_path(second["previous"])).json()
    assert [u["id"] for u in back["results"]] == many_users[:10]


def test_next_is_stable_while_newer_rows_are_inserted(api, admin, acme) -> None:
    """Newest-first list: rows added between pages neither shift nor repeat older rows."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    originals = _bulk_events(acme, 30, start)
    expected = [e.pk for e in sorted(originals, key=lambda e: e.created_at, reverse=True)]
    client = api(admin)
    base = "/api/v1/audit-events?action=test.event&page_size=10"
    first = client.get(base).json()

    _bulk_events(acme, 15, start + timedelta(days=1))
    rest = _walk(client, _path(first["next"]))

    seen = [e["id"] for e in first["results"]] + [e["id"] for p in rest for e in p["results"]]
    assert seen == expected


def test_next_is_stable_while_rows_are_appended_to_an_ascending_list(
    api, admin, acme, many_users
) -> None:
    client = api(admin)
    first = client.get("/api/v1/users", {"page_size": 50}).json()
    added = [u.pk for u in _bulk_users(acme, 5, prefix="late")]

    rest = _walk(client, _path(first["next"]))

    seen = [u["id"] for u in first["results"]] + [u["id"] for p in rest for u in p["results"]]
    assert seen == many_users + added
    assert len(seen) == len(set(seen))


def test_pagination_never_crosses_the_tenant_boundary(api, admin, globex, many_users) -> None:
    _bulk_users(globex, 20)

    pages = _walk(api(admin), "/api/v1/users?page_size=100")

    assert {u["id"] for p in pages for u in p["results"]} == set(many_users)


@pytest.mark.parametrize(
    ("page_size", "message"),
    [
        ("abc", "Must be an integer."),
        ("0", "Must be at least 1."),
        ("-5", "Must be at least 1."),
        ("1.5", "Must be an integer."),
        ("", "Must be an integer."),
    ],
)
def test_invalid_page_size_answers_400(api, admin, page_size, message) -> None:
    response = api(admin).get("/api/v1/users", {"page_size": page_size})

    body = assert_problem(response, 400, "validation_error")
    assert field_errors(body) == {"page_size": "invalid"}
    assert body["errors"][0]["message"] == message


def _cursor(raw: str) -> str:
    return base64.b64encode(raw.encode()).decode()


@pytest.mark.parametrize(
    "cursor",
    [
        "not-a-cursor!",
        "%%%",
        "ééé",
        _cursor("o=abc"),
        _cursor("o=0&r=maybe"),
        _cursor("o=0&r=0&p=abc"),
        _cursor("o=0&r=0&p=1.5"),
        _cursor("o=0&r=0&p="),
    ],
)
@pytest.mark.parametrize("path", ["/api/v1/users", "/api/v1/audit-events", "/api/v1/teams"])
def test_invalid_cursor_answers_400_never_500(api, admin, path, cursor) -> None:
    response = api(admin).get(path, {"cursor": cursor})

    body = assert_problem(response, 400, "validation_error")
    assert field_errors(body) == {"cursor": "invalid"}


def _signed(payload: dict[str, Any]) -> str:
    return keyset.encode_token(payload)


@pytest.mark.parametrize(
    "cursor",
    [
        # Well-formed and signed, but not a cursor of this list: wrong ordering, shape or values.
        _signed({"o": "-created_at,-id", "v": ["2026-01-01T00:00:00+00:00", 1]}),
        _signed({"o": "id", "v": []}),
        _signed({"o": "id", "v": [1, 2]}),
        _signed({"o": "id", "v": ["abc"]}),
        _signed({"o": "id", "v": [None]}),
        _signed({"o": "id", "v": [True]}),
        _signed({"o": "id", "v": [1.5]}),
        _signed({"o": "id", "v": [[1]]}),
        _signed({"o": "id", "v": ["9" * 30]}),
        _signed({"o": "id", "v": [2**70]}),
        _signed({"o": "id", "v": [1], "r": 2}),
        _signed({"o": "id", "v": [1], "x": 1}),
        _signed({"o": "id"}),
        _signed(["o", "id"]),  # type: ignore[arg-type]
        # The JSON a real cursor carries, but unsigned or with a forged signature.
        base64.urlsafe_b64encode(b'{"o":"id","v":[1]}').decode(),
        _signed({"o": "id", "v": [1]})[:-4] + "AAAA",
        "A" * 3000,
    ],
)
def test_forged_or_foreign_cursor_answers_400(api, admin, many_users, cursor) -> None:
    response = api(admin).get("/api/v1/users", {"cursor": cursor})

    body = assert_problem(response, 400, "validation_error")
    assert field_errors(body) == {"cursor": "invalid"}


def test_cursor_of_another_ordering_answers_400(api, admin, acme, many_users) -> None:
    client = api(admin)
    _bulk_events(acme, 3, datetime(2026, 1, 1, tzinfo=UTC))
    audit_next = client.get("/api/v1/audit-events", {"page_size": 1}).json()["next"]
    cursor = parse_qs(urlsplit(audit_next).query)["cursor"][0]

    response = client.get("/api/v1/users", {"cursor": cursor})

    assert field_errors(assert_problem(response, 400, "validation_error")) == {"cursor": "invalid"}


def test_cursor_past_the_last_row_answers_an_empty_page_that_leads_back(
    api, admin, many_users
) -> None:
    client = api(admin)
    first = client.get("/api/v1/users", {"page_size": 100}).json()
    User.objects.filter(pk__in=many_users[100:]).delete()

    empty = client.get(_path(first["next"])).json()

    assert empty["results"] == [] and empty["next"] is None
    back = client.get(_path(empty["previous"])).json()
    assert [u["id"] for u in back["results"]] == many_users[:100]
    assert back["previous"] is None


def test_walking_back_from_the_last_page_visits_every_row_once(api, admin, many_users) -> None:
    client = api(admin)
    last = _walk(client, "/api/v1/users?page_size=40")[-1]
    pages = [last]
    while pages[-1]["previous"]:
        pages.append(client.get(_path(pages[-1]["previous"])).json())

    assert [len(p["results"]) for p in pages] == [11, 40, 40, 40]
    assert [u["id"] for p in reversed(pages) for u in p["results"]] == many_users
    assert all(p["next"] for p in pages[1:])


def test_unknown_query_parameters_are_ignored(api, admin, many_users) -> None:
    body = api(admin).get("/api/v1/users", {"organization": "globex", "limit": 1}).json()

    assert [u["id"] for u in body["results"]] == many_users[:25]
