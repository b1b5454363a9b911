"""The keyset paginator itself, over any ordering: nullable keys (NULLs last in both
directions), mixed directions, `null_as` sentinels and ties, walked forward and back."""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import DateTimeField
from django.db.models.expressions import RawSQL
from django.test.utils import CaptureQueriesContext
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from ruledesk.api.pagination import CursorPagination
from ruledesk.keyset import SortKey
from ruledesk.tenancy.models import Organization, User

T0 = datetime(2026, 5, 1, tzinfo=UTC)
INFINITY = RawSQL("'infinity'::timestamptz", (), output_field=DateTimeField())
# (role, name, deleted hours after T0 or None): ties everywhere, NULLs among them.
ROWS = [
    ("agent", "b", None),
    ("admin", "a", 3),
    ("agent", "a", 1),
    ("requester", "c", None),
    ("agent", "b", 3),
    ("requester", "a", 1),
    ("admin", "c", None),
    ("agent", "a", None),
    ("requester", "b", 2),
]
ORDERINGS: list[tuple[Any, ...]] = [
    ("deleted_at", "id"),
    ("-deleted_at", "-id"),
    ("-deleted_at", "id"),
    ("role", "-deleted_at", "name", "id"),
    ("-role", "name", "-id"),
    ("name", "role", "deleted_at", "-id"),
    (SortKey("deleted_at", null_as=INFINITY), "id"),
    (SortKey("deleted_at", descending=True, null_as=INFINITY), "-id"),
]


@pytest.fixture
def people(acme: Organization) -> list[int]:
    made = User.objects.bulk_create(
        User(
            email=f"p{n}@acme.test",
            name=name,
            role=role,
            organization=acme,
            deleted_at=None if hours is None else T0 + timedelta(hours=hours),
        )
        for n, (role, name, hours) in enumerate(ROWS)
    )
    return [u.pk for u in made]


def _compare(ordering: tuple[Any, ...], a: User, b: User) -> int:
    for spec in ordering:
        key = SortKey.parse(spec)
        x, y = getattr(a, key.field), getattr(b, key.field)
        if x == y:
            continue
        if x is None or y is None:  # NULLs last, whatever the direction (as the sentinel)
            nulls_last = key.null_as is None or not key.descending
            return (1 if x is None else -1) * (1 if nulls_last else -1)
        return (1 if x > y else -1) * (-1 if key.descending else 1)
    return 0


def _expected(ordering: tuple[Any, ...], ids: list[int]) -> list[int]:
    rows = sorted(
        User.objects.filter(pk__in=ids),
        key=functools.cmp_to_key(functools.partial(_compare, ordering)),
    )
    return [u.pk for u in rows]


def _page(ordering: tuple[Any, ...], url: str) -> tuple[list[int], str | None, str | None, int]:
    paginator = CursorPagination()
    paginator.ordering = ordering
    request = Request(APIRequestFactory().get(url))
    with CaptureQueriesContext(connection) as captured:
        rows = paginator.paginate_queryset(
            User.objects.filter(email__endswith="@acme.test"), request
        )
    ids = [u.pk for u in rows]
    return ids, paginator.next_link, paginator.previous_link, len(captured.captured_queries)


@pytest.mark.parametrize("size", [1, 2, 4, 9])
@pytest.mark.parametrize("ordering", ORDERINGS, ids=str)
def test_forward_and_back_in_order_once_each(people, ordering, size: int) -> None:
    expected = _expected(ordering, people)
    pages = [_page(ordering, f"/x?page_size={size}")]
    while pages[-1][1]:
        pages.append(_page(ordering, pages[-1][1]))
    assert [i for p in pages for i in p[0]] == expected
    assert {p[3] for p in pages} == {1}

    back = [pages[-1]]
    while back[-1][2]:
        back.append(_page(ordering, back[-1][2]))
    assert [i for p in reversed(back) for i in p[0]] == expected
    assert [len(p[0]) for p in back[1:]] == [size] * (len(back) - 1)


def test_nulls_sort_last_in_both_directions(people) -> None:
    for ordering in (("deleted_at", "id"), ("-deleted_at", "-id")):
        ids, *_ = _page(ordering, "/x?page_size=100")
        deleted = dict(User.objects.filter(pk__in=ids).values_list("pk", "deleted_at"))
        assert [deleted[i] is None for i in ids] == [False] * 5 + [True] * 4


@pytest.mark.parametrize("ordering", [("name",), ("name", "-role"), ("teams", "id"), ()])
def test_an_ordering_without_the_id_tie_breaker_or_on_a_relation_is_refused(
    people, ordering
) -> None:
    with pytest.raises(ImproperlyConfigured):
        _page(ordering, "/x")
