"""Every API timestamp has the one shape of api.md: ISO 8601, UTC, whole seconds (`...T10:00:00Z`)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import time_machine
from django.conf import settings
from rest_framework import serializers

from ruledesk.api.renderers import TIMESTAMP_FORMAT, timestamp

T0 = datetime(2026, 11, 25, 10, 0, 0, 654321, tzinfo=UTC)
SHAPE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def _stamps(body: Any, path: str = "") -> dict[str, Any]:
    """Every timestamp field (`at`, `*_at`) anywhere in a response body, by dotted path."""
    found: dict[str, Any] = {}
    if isinstance(body, dict):
        for key, value in body.items():
            here = f"{path}.{key}" if path else key
            if key == "at" or key.endswith("_at"):
                found[here] = value
            else:
                found |= _stamps(value, here)
    elif isinstance(body, list):
        for index, value in enumerate(body):
            found |= _stamps(value, f"{path}[{index}]")
    return found


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.content
    return response.json()


def test_timestamp_formats_in_utc_to_the_second() -> None:
    warsaw_summer = timezone(timedelta(hours=2))
    assert timestamp(T0) == "2026-11-25T10:00:00Z"
    assert timestamp(datetime(2026, 7, 1, 14, 30, 59, 999999, tzinfo=warsaw_summer)) == (
        "2026-07-01T12:30:59Z"
    )
    naive = datetime(2026, 1, 2, 3, 4, 5)  # noqa: DTZ001 - a naive value is read as UTC
    assert timestamp(naive) == "2026-01-02T03:04:05Z"
    assert timestamp(None) is None


def test_serializers_and_hand_built_payloads_share_the_format() -> None:
    """Users and audit go through DRF's DateTimeField; it must agree with `timestamp()`."""
    assert settings.REST_FRAMEWORK["DATETIME_FORMAT"] == TIMESTAMP_FORMAT
    assert serializers.DateTimeField().to_representation(T0) == timestamp(T0)


def test_ticket_comment_history_and_approval_timestamps(api, admin, agent, requester) -> None:
    client, staff = api(requester), api(agent)
    with time_machine.travel(T0, tick=False):
        created = _ok(
            client.post("/api/v1/tickets", {"title": "Broken", "priority": "high"}, format="json"),
            201,
        )
        url = f"/api/v1/tickets/{created['id']}"
        comment = _ok(
            staff.post(f"{url}/comments", {"body": "On it", "visibility": "public"}, format="json"),
            201,
        )
        _ok(staff.post(f"{url}/transitions", {"name": "resolve"}, format="json"))
    with time_machine.travel(T0 + timedelta(hours=1, microseconds=1), tick=False):
        pending = _ok(
            client.post(f"{url}/transitions", {"name": "reopen", "reason": "Again"}, format="json"),
            202,
        )

    assert (created["created_at"], created["updated_at"]) == ("2026-11-25T10:00:00Z",) * 2
    assert comment["created_at"] == "2026-11-25T10:00:00Z"
    assert pending["approval"]["created_at"] == "2026-11-25T11:00:00Z"

    detail = _ok(staff.get(url))
    assert detail["resolved_at"] == "2026-11-25T10:00:00Z"
    assert detail["first_responded_at"] == "2026-11-25T10:00:00Z"
    listed = _ok(staff.get("/api/v1/tickets"))["results"]
    comments = _ok(staff.get(f"{url}/comments"))["results"]
    history = _ok(staff.get(f"{url}/history"))["results"]
    approvals = _ok(staff.get(f"{url}/reopen-approvals"))["results"]
    assert [c["created_at"] for c in comments] == ["2026-11-25T10:00:00Z"]
    assert {e["at"] for e in history} == {"2026-11-25T10:00:00Z"}
    assert [a["created_at"] for a in approvals] == ["2026-11-25T11:00:00Z"]

    bodies = [created, comment, pending, detail, listed, comments, history, approvals]
    stamps = {f"{n}:{k}": v for n, body in enumerate(bodies) for k, v in _stamps(body).items()}
    assert len([v for v in stamps.values() if v is not None]) >= 12
    assert {k: v for k, v in stamps.items() if v is not None and not SHAPE.match(v)} == {}


def test_saved_view_taxonomy_user_and_audit_timestamps_share_the_shape(api, admin) -> None:
    client = api(admin)
    with time_machine.travel(T0, tick=False):
        view = _ok(client.post("/api/v1/saved-views", {"name": "Mine"}, format="json"), 201)
        category = _ok(client.post("/api/v1/categories", {"name": "Hardware"}, format="json"), 201)
    assert view["created_at"] == "2026-11-25T10:00:00Z"
    bodies = [
        view,
        category,
        _ok(client.get("/api/v1/saved-views")),
        _ok(client.get("/api/v1/categories")),
        _ok(client.get("/api/v1/users")),
        _ok(client.get("/api/v1/audit-events")),
    ]
    stamps = {f"{n}:{k}": v for n, body in enumerate(bodies) for k, v in _stamps(body).items()}
    assert "5:results[0].at" in stamps
    assert {k: v for k, v in stamps.items() if v is not None and not SHAPE.match(v)} == {}
