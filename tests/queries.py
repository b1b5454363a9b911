"""Counting the queries of one list request, for the "1 row costs as much as 30" tests."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient


def list_queries(client: APIClient, path: str) -> tuple[int, int]:
    """(queries, rows) of one GET of a list: a cursor page's `results` or a bare JSON list."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, response.content
    body = response.json()
    rows = body["results"] if isinstance(body, dict) else body
    assert isinstance(rows, list)
    return len(captured.captured_queries), len(rows)
