"""The deployment path end to end: fresh database, `migrate`, `seed_demo`, gunicorn (issue 16).

`demo_server` builds it with `migrate` alone (no `createcachetable`), so the seeded
server answering at all shows the cache table came from the migration.
"""

from __future__ import annotations

import http.client
import json
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.xdist_group("demo_server")


def _get(base: str, target: str, token: str | None = None) -> tuple[int, str, bytes]:
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
    try:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        conn.request("GET", target, headers=headers)
        response = conn.getresponse()
        return response.status, response.getheader("Content-Type", ""), response.read()
    finally:
        conn.close()


def _token(base: str) -> str:
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
    try:
        body = json.dumps({"email": "agent@acme.test", "password": "demo-password-123"})
        conn.request(
            "POST", "/api/v1/auth/token", body, headers={"Content-Type": "application/json"}
        )
        response = conn.getresponse()
        assert response.status == 201
        return str(json.loads(response.read())["token"])
    finally:
        conn.close()


def test_the_seeded_demo_answers_after_migrate_alone(demo_server: str) -> None:
    status, _, body = _get(demo_server, "/api/v1/tickets?page_size=100", _token(demo_server))

    assert status == 200
    assert len(json.loads(body)["results"]) >= 15


@pytest.mark.parametrize("length", [5_000, 8_000])
def test_a_long_query_string_reaches_the_api(demo_server: str, length: int) -> None:
    target = "/api/v1/tickets?q=" + "x" * (length - len("GET /api/v1/tickets?q= HTTP/1.1"))

    status, content_type, body = _get(demo_server, target, _token(demo_server))

    assert status == 200, body[:200]
    assert content_type == "application/json"
    assert json.loads(body)["results"] == []


def test_past_8190_bytes_gunicorn_refuses_the_request_line(demo_server: str) -> None:
    status, _, _ = _get(demo_server, "/healthz?q=" + "x" * 8200)

    assert status == 414
