"""`ruledesk.prepared`: a hot query planned once per connection, still logged like any."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ruledesk import prepared

pytestmark = pytest.mark.django_db

QUERY = "SELECT %s::bigint * 2, %s::text || '!'"


def _prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def test_the_query_answers_as_a_plain_one_and_is_prepared_once_on_the_server() -> None:
    assert prepared.fetchone(QUERY, [21, "hi"]) == (42, "hi!")
    assert prepared.fetchone(QUERY, [5, "yo"]) == (10, "yo!")
    statements = [s for s in _prepared_statements() if "::bigint * 2" in s]
    assert len(statements) == 1  # one plan for both calls
    # Django's own queries are not prepared behind its back.
    with connection.cursor() as cursor:
        for _ in range(8):
            cursor.execute("SELECT 40 + %s", [2])
    assert not [s for s in _prepared_statements() if "40 +" in s]


def test_it_is_logged_where_django_logs_queries() -> None:
    with CaptureQueriesContext(connection) as queries:
        prepared.fetchone(QUERY, [1, "a"])
    assert [q["sql"] for q in queries.captured_queries] == [f"EXECUTE {QUERY}"]


@pytest.mark.django_db(transaction=True)
def test_no_row_is_none_and_a_new_connection_prepares_again() -> None:
    assert prepared.fetchone("SELECT 1 WHERE %s::int > 1", [0]) is None
    prepared.fetchone(QUERY, [1, "a"])
    connection.close()
    assert prepared.fetchone(QUERY, [2, "b"]) == (4, "b!")
