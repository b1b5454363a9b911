"""Log lines carry the request's id and user; credentials never reach a log."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper
from rest_framework.test import APIClient

from ruledesk import context
from ruledesk.api.authentication import token_issue
from ruledesk.logging import ContextFilter, JsonFormatter
from ruledesk.tenancy.models import User

PASSWORD = "Wrong-Horse-Battery-9f3k"


def _context(record: logging.LogRecord) -> tuple[object, object]:
    """The (request_id, user_id) ContextFilter set on the record: attributes LogRecord lacks."""
    return vars(record)["request_id"], vars(record)["user_id"]


@pytest.fixture
def json_lines() -> Iterator[Callable[[], list[dict[str, Any]]]]:
    """Lines logged to `tests.ops.probe`, through the project's filter and JSON formatter."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("tests.ops.probe")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        logger.removeHandler(handler)
        logger.setLevel(logging.NOTSET)


@pytest.fixture
def probe_urls(settings: SettingsWrapper) -> None:
    settings.ROOT_URLCONF = "tests.ops.logging_urls"


def test_json_line_carries_the_bound_request_id_and_user_id(
    json_lines: Callable[[], list[dict[str, Any]]],
) -> None:
    token = context.bind(request_id="req-bound-1", user_id=42)
    try:
        logging.getLogger("tests.ops.probe").info("inside %s", "request", extra={"ticket": 7})
    finally:
        context.reset(token)
    logging.getLogger("tests.ops.probe").warning("outside")

    inside, outside = json_lines()
    assert {
        k: inside[k] for k in ("level", "logger", "message", "request_id", "user_id", "ticket")
    } == {
        "level": "INFO",
        "logger": "tests.ops.probe",
        "message": "inside request",
        "request_id": "req-bound-1",
        "user_id": 42,
        "ticket": 7,
    }
    assert inside["time"].endswith("+00:00")
    assert (outside["request_id"], outside["user_id"]) == ("-", "-")


@pytest.mark.usefixtures("probe_urls")
def test_api_request_logs_its_request_id_and_token_user(
    json_lines: Callable[[], list[dict[str, Any]]],
    api: Callable[[User | None], APIClient],
    agent: User,
) -> None:
    response = api(agent).get("/probe/api", HTTP_X_REQUEST_ID="req-api-7")

    assert response.status_code == 200
    assert response["X-Request-ID"] == "req-api-7"
    assert [(line["message"], line["request_id"], line["user_id"]) for line in json_lines()] == [
        ("api probe reached", "req-api-7", agent.pk)
    ]


@pytest.mark.usefixtures("probe_urls")
def test_session_request_logs_its_request_id_and_session_user(
    json_lines: Callable[[], list[dict[str, Any]]], client: Client, agent: User
) -> None:
    client.force_login(agent)

    response = client.get("/probe/plain", HTTP_X_REQUEST_ID="req-plain-8")

    assert response.status_code == 200
    assert [(line["message"], line["request_id"], line["user_id"]) for line in json_lines()] == [
        ("plain probe reached", "req-plain-8", agent.pk)
    ]


@pytest.mark.usefixtures("probe_urls")
def test_anonymous_request_logs_a_generated_request_id_and_no_user(
    json_lines: Callable[[], list[dict[str, Any]]], client: Client
) -> None:
    response = client.get("/probe/plain")

    assert [(line["request_id"], line["user_id"]) for line in json_lines()] == [
        (response["X-Request-ID"], "-")
    ]
    assert len(response["X-Request-ID"]) == 32


def _everything_logged(caplog: pytest.LogCaptureFixture) -> str:
    """Every captured record as text and as our JSON formatter renders it (extras included)."""
    formatter = JsonFormatter()
    return caplog.text + "\n".join(formatter.format(record) for record in caplog.records)


@pytest.mark.django_db
def test_failed_login_logs_neither_the_password_nor_the_bearer_token(
    caplog: pytest.LogCaptureFixture, admin: User, agent: User
) -> None:
    raw_token, _ = token_issue(user=admin)
    client = APIClient()
    caplog.set_level(logging.DEBUG)
    for name in ("django", "django.request", "django.db.backends", "ruledesk"):
        caplog.set_level(logging.DEBUG, logger=name)

    response = client.post(
        "/api/v1/auth/token",
        {"email": agent.email, "password": PASSWORD},
        format="json",
        HTTP_AUTHORIZATION=f"Bearer {raw_token}",
        HTTP_X_REQUEST_ID="req-login-1",
    )

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    logged = _everything_logged(caplog)
    assert caplog.records != []  # the failure is logged, just not its secrets
    assert PASSWORD not in logged
    assert raw_token not in logged
    assert raw_token[4:] not in logged
    outcome = [r for r in caplog.records if r.name == "django.request"]
    assert [r.getMessage() for r in outcome] == ["Unauthorized: /api/v1/auth/token"]
    assert ContextFilter().filter(outcome[0]) is True
    assert _context(outcome[0]) == ("req-login-1", "-")


@pytest.mark.django_db
def test_rejected_bearer_token_is_not_logged(caplog: pytest.LogCaptureFixture, agent: User) -> None:
    bogus = "rdk_" + "Q" * 40
    caplog.set_level(logging.DEBUG)
    for name in ("django", "django.request", "ruledesk"):
        caplog.set_level(logging.DEBUG, logger=name)

    response = APIClient().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {bogus}")

    assert response.status_code == 401
    assert bogus not in _everything_logged(caplog)


@pytest.mark.django_db
def test_django_request_outcome_line_carries_the_request_id_and_token_user(
    caplog: pytest.LogCaptureFixture, api: Callable[[User | None], APIClient], agent: User
) -> None:
    response = api(agent).get("/api/v1/users/999999", HTTP_X_REQUEST_ID="req-404-1")

    assert response.status_code == 404
    outcome = [r for r in caplog.records if r.name == "django.request"]
    assert [r.getMessage() for r in outcome] == ["Not Found: /api/v1/users/999999"]
    assert ContextFilter().filter(outcome[0]) is True
    assert _context(outcome[0]) == ("req-404-1", agent.pk)


def test_settings_route_console_logs_through_the_context_filter(settings: SettingsWrapper) -> None:
    console = settings.LOGGING["handlers"]["console"]

    assert console["filters"] == ["context"]
    assert settings.LOGGING["filters"]["context"] == {"()": "ruledesk.logging.ContextFilter"}
    assert settings.LOGGING["formatters"]["json"] == {"()": "ruledesk.logging.JsonFormatter"}
