"""X-Request-ID: echoed when safe, generated otherwise, on every response and problem."""

from __future__ import annotations

import logging
import re

import pytest
from rest_framework.test import APIClient

from ruledesk.audit.models import AuditEvent
from ruledesk.logging import ContextFilter
from tests.api.problems import assert_problem

GENERATED = re.compile(r"^[0-9a-f]{32}$")


@pytest.mark.parametrize(
    "sent", ["abc-123", "req.2026:11_25-x", "A" * 128, "7d9f0c1e-5b0a-4c1e-9a55-0a4b2c3d4e5f"]
)
def test_safe_request_id_is_echoed(api, admin, sent) -> None:
    response = api(admin).get("/api/v1/me", HTTP_X_REQUEST_ID=sent)

    assert response.status_code == 200
    assert response["X-Request-ID"] == sent


@pytest.mark.parametrize(
    "sent",
    ["has space", "A" * 129, "B" * 200, "semi;colon", 'quote"d', "<script>", "ünïcode", ""],
)
def test_unsafe_request_id_is_replaced_by_a_generated_one(api, admin, sent) -> None:
    response = api(admin).get("/api/v1/me", HTTP_X_REQUEST_ID=sent)

    assert response.status_code == 200
    assert GENERATED.match(response["X-Request-ID"])
    assert response["X-Request-ID"] != sent


def test_request_id_is_generated_when_absent_and_differs_per_request(api, admin) -> None:
    client = api(admin)

    first = client.get("/api/v1/me")["X-Request-ID"]
    second = client.get("/api/v1/me")["X-Request-ID"]

    assert GENERATED.match(first)
    assert GENERATED.match(second)
    assert first != second


def test_sent_request_id_appears_in_problem_bodies(db) -> None:
    response = APIClient().get("/api/v1/me", HTTP_X_REQUEST_ID="trace-401")

    body = assert_problem(response, 401, "not_authenticated")
    assert body["request_id"] == "trace-401"


def test_unsafe_request_id_is_not_reflected_in_problem_bodies(db) -> None:
    response = APIClient().get("/api/v1/nope", HTTP_X_REQUEST_ID="<img src=x onerror=alert(1)>")

    body = assert_problem(response, 404, "not_found")
    assert GENERATED.match(body["request_id"])
    assert "onerror" not in response.content.decode()


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status"),
    [
        ("get", "/healthz", {}, 200),
        ("get", "/api/schema/", {}, 200),
        ("get", "/api/docs/", {}, 200),
        ("get", "/api/v1/me", {}, 401),
        ("get", "/api/v1/nope", {}, 404),
        ("post", "/api/v1/auth/token", {"data": "{", "content_type": "application/json"}, 400),
        ("get", "/api/v1/users?q=%00", {}, 400),
        (
            "post",
            "/api/v1/auth/token",
            {"data": b"x" * (2 * 1024 * 1024), "content_type": "application/json"},
            413,
        ),
        ("post", "/api/v1/auth/token", {"data": "a", "content_type": "text/plain"}, 415),
    ],
)
def test_every_response_carries_a_request_id(db, method, path, kwargs, status) -> None:
    response = getattr(APIClient(), method)(path, **kwargs)

    assert response.status_code == status
    assert GENERATED.match(response["X-Request-ID"])
    if status >= 400:
        assert response.json()["request_id"] == response["X-Request-ID"]


def test_audit_events_record_the_request_id(api, admin) -> None:
    response = api(admin).post(
        "/api/v1/teams", {"name": "Ops"}, format="json", HTTP_X_REQUEST_ID="audit-me-1"
    )

    assert response.status_code == 201
    event = AuditEvent.objects.get(action="team.create")
    assert event.request_id == "audit-me-1"


@pytest.mark.parametrize(
    ("path", "data"),
    [("/api/v1/me", {"unknown": 1}), ("/api/v1/nope", None)],
)
def test_request_log_lines_carry_the_request_id(api, admin, caplog, path, data) -> None:
    caplog.set_level(logging.WARNING, logger="django.request")

    api(admin).patch(path, data, format="json", HTTP_X_REQUEST_ID="log-me-7")

    records = [r for r in caplog.records if r.name == "django.request"]
    assert len(records) == 1
    assert ContextFilter().filter(records[0])
    assert records[0].request_id == "log-me-7"
