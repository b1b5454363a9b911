"""/healthz, /readyz and /metrics as operators and scrapers see them."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import EndpointConnectionError
from django.db import transaction
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

from ruledesk.events.services import emit
from ruledesk.tenancy.models import Organization

PROBLEM = "application/problem+json"
PROMETHEUS = "text/plain; version=1.0.0; charset=utf-8"
TOKEN = "scrape-token-0123456789abcdef"
UNREACHABLE_S3 = {
    "BACKEND": "storages.backends.s3.S3Storage",
    "OPTIONS": {
        "bucket_name": "ruledesk",
        "endpoint_url": "http://127.0.0.1:9",  # discard port: nothing listens, connect is refused
        "access_key": "readyz-test",
        "secret_key": "readyz-test-secret",
        "region_name": "us-east-1",
        "client_config": Config(connect_timeout=1, read_timeout=1, retries={"max_attempts": 0}),
    },
}


def body(response: Any) -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(response.content)
    return parsed


def test_healthz_answers_ok(client: Client) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert body(response) == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_answers_ok_with_every_check(client: Client) -> None:
    response = client.get("/readyz")

    assert response.status_code == 200
    assert body(response) == {
        "status": "ok",
        "checks": {"database": "ok", "storage": "ok", "task_queue": "ok"},
        "events": {"pending": 0, "failed": 0, "dead": 0, "oldest_pending_seconds": 0},
    }


@pytest.mark.django_db
def test_readyz_answers_503_problem_naming_storage_when_s3_is_unreachable(
    client: Client, settings: SettingsWrapper, caplog: pytest.LogCaptureFixture
) -> None:
    settings.STORAGES = {**settings.STORAGES, "default": UNREACHABLE_S3}

    with caplog.at_level(logging.WARNING, logger="ruledesk.ops.views"):
        response = client.get("/readyz", HTTP_X_REQUEST_ID="ready-1")

    assert response.status_code == 503
    assert response["Content-Type"] == PROBLEM
    assert body(response) == {
        "type": "https://ruledesk.dev/problems/dependency-unavailable",
        "title": "Service unavailable",
        "status": 503,
        "detail": "Not ready: storage unreachable.",
        "code": "dependency_unavailable",
        "request_id": "ready-1",
    }
    failures = [r for r in caplog.records if r.name == "ruledesk.ops.views"]
    assert [r.getMessage() for r in failures] == ["readiness check storage failed"]
    assert failures[0].exc_info is not None
    assert failures[0].exc_info[0] is EndpointConnectionError  # boto3 really tried and failed


def test_metrics_without_credentials_answer_401_problem(
    client: Client, settings: SettingsWrapper
) -> None:
    settings.RULEDESK_METRICS_TOKEN = TOKEN
    settings.RULEDESK_METRICS_ALLOWED_IPS = []

    response = client.get("/metrics")

    assert response.status_code == 401
    assert response["Content-Type"] == PROBLEM
    assert response["WWW-Authenticate"] == 'Bearer realm="metrics"'
    assert body(response)["code"] == "not_authenticated"


def test_metrics_with_a_wrong_token_answer_401(client: Client, settings: SettingsWrapper) -> None:
    settings.RULEDESK_METRICS_TOKEN = TOKEN

    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}x")

    assert response.status_code == 401


def test_metrics_with_no_token_configured_refuse_an_empty_bearer(
    client: Client, settings: SettingsWrapper
) -> None:
    settings.RULEDESK_METRICS_TOKEN = ""
    settings.RULEDESK_METRICS_ALLOWED_IPS = []

    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer ")

    assert response.status_code == 401


@pytest.mark.django_db
def test_metrics_with_the_token_expose_outbox_and_queue_gauges(
    client: Client, settings: SettingsWrapper, acme: Organization
) -> None:
    settings.RULEDESK_METRICS_TOKEN = TOKEN
    with transaction.atomic():
        emit(organization_id=acme.pk, type="ops.probe")

    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")

    assert response.status_code == 200
    assert response["Content-Type"] == PROMETHEUS
    lines = response.content.decode().splitlines()
    assert "# TYPE ruledesk_events gauge" in lines
    assert 'ruledesk_events{status="pending"} 1.0' in lines
    assert 'ruledesk_events{status="dispatched"} 1.0' in lines  # organization.created
    assert 'ruledesk_events{status="failed"} 0.0' in lines
    assert 'ruledesk_events{status="dead"} 0.0' in lines
    assert "# TYPE ruledesk_task_queue_depth gauge" in lines
    assert "ruledesk_task_queue_depth 2.0" in lines  # with the organization's setup task
    assert "# TYPE ruledesk_events_oldest_pending_seconds gauge" in lines


@pytest.mark.django_db
def test_metrics_admit_an_allowed_client_address(client: Client, settings: SettingsWrapper) -> None:
    settings.RULEDESK_METRICS_TOKEN = TOKEN
    settings.RULEDESK_METRICS_ALLOWED_IPS = ["127.0.0.1"]
    settings.RULEDESK_TRUSTED_PROXIES = 0

    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1")

    assert response.status_code == 200


def test_metrics_ignore_a_spoofed_forwarded_for_without_trusted_proxies(
    client: Client, settings: SettingsWrapper
) -> None:
    settings.RULEDESK_METRICS_TOKEN = TOKEN
    settings.RULEDESK_METRICS_ALLOWED_IPS = ["127.0.0.1"]
    settings.RULEDESK_TRUSTED_PROXIES = 0

    response = client.get("/metrics", REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR="127.0.0.1")

    assert response.status_code == 401


def test_metrics_take_only_the_proxy_appended_address_with_one_trusted_proxy(
    client: Client, settings: SettingsWrapper
) -> None:
    settings.RULEDESK_METRICS_TOKEN = TOKEN
    settings.RULEDESK_METRICS_ALLOWED_IPS = ["127.0.0.1"]
    settings.RULEDESK_TRUSTED_PROXIES = 1

    # The client wrote "127.0.0.1"; the proxy appended the real address.
    response = client.get(
        "/metrics", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="127.0.0.1, 203.0.113.7"
    )

    assert response.status_code == 401


@pytest.mark.django_db
def test_readyz_reports_the_event_backlog_without_failing_on_it(client: Client) -> None:
    from ruledesk.events.models import DomainEvent, EventStatus

    DomainEvent.objects.create(organization_id=1, type="x", status=EventStatus.DEAD)
    DomainEvent.objects.create(organization_id=1, type="x", status=EventStatus.PENDING)

    response = client.get("/readyz")

    assert response.status_code == 200
    events = body(response)["events"]
    assert (events["pending"], events["failed"], events["dead"]) == (1, 0, 1)
