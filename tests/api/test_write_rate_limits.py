"""Writes are rate limited per user and per client IP: 429 problem with Retry-After."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from ruledesk.tenancy.models import Role, User
from tests import factories
from tests.api.problems import assert_problem


def _minute(second: int) -> datetime:
    """A moment `second` seconds into a future minute, to freeze the fixed window at."""
    return datetime.now(tz=UTC).replace(second=second, microsecond=0) + timedelta(minutes=1)


def test_writes_over_the_per_user_limit_answer_429_with_retry_after(api, admin, settings) -> None:
    settings.RULEDESK_RATE_WRITES_PER_MIN = 3
    client = api(admin)
    # Frozen 20 s into a minute, so the fixed window cannot roll over mid-test.
    start = _minute(20)
    with time_machine.travel(start, tick=False):
        statuses = [
            client.patch("/api/v1/me", {"name": f"N{i}"}, format="json").status_code
            for i in range(3)
        ]
        response = client.patch("/api/v1/me", {"name": "over"}, format="json")

    assert statuses == [200, 200, 200]
    assert_problem(response, 429, "rate_limited")
    assert response["Retry-After"] == "40"
    admin.refresh_from_db()
    assert admin.name == "N2"


def test_reads_are_not_counted_against_the_write_limit(api, admin, settings) -> None:
    settings.RULEDESK_RATE_WRITES_PER_MIN = 1
    client = api(admin)
    start = _minute(5)
    with time_machine.travel(start, tick=False):
        reads = [client.get("/api/v1/me").status_code for _ in range(5)]
        write = client.patch("/api/v1/me", {"name": "ok"}, format="json")

    assert reads == [200] * 5
    assert write.status_code == 200


def test_write_limit_is_per_user(api, admin, agent, settings) -> None:
    settings.RULEDESK_RATE_WRITES_PER_MIN = 1
    start = _minute(5)
    with time_machine.travel(start, tick=False):
        first = api(admin).patch("/api/v1/me", {"name": "a"}, format="json")
        limited = api(admin).patch("/api/v1/me", {"name": "b"}, format="json")
        other = api(agent).patch("/api/v1/me", {"name": "c"}, format="json")

    assert first.status_code == 200
    assert_problem(limited, 429, "rate_limited")
    assert other.status_code == 200


def test_write_limit_window_resets_after_retry_after(api, admin, settings) -> None:
    settings.RULEDESK_RATE_WRITES_PER_MIN = 1
    client = api(admin)
    start = _minute(50)
    with time_machine.travel(start, tick=False):
        client.patch("/api/v1/me", {"name": "a"}, format="json")
        limited = client.patch("/api/v1/me", {"name": "b"}, format="json")
    retry_after = int(limited["Retry-After"])
    assert retry_after == 10
    with time_machine.travel(start + timedelta(seconds=retry_after), tick=False):
        again = client.patch("/api/v1/me", {"name": "c"}, format="json")

    assert again.status_code == 200


@pytest.fixture
def office(acme) -> list[User]:
    """Eleven agents behind one address (the IP allowance is 10x the per-user one)."""
    return [factories.user(acme, Role.AGENT) for _ in range(11)]


def test_writes_from_one_ip_are_limited_across_users(api, admin, office, settings) -> None:
    settings.RULEDESK_RATE_WRITES_PER_MIN = 1
    clients = [api(user) for user in office]
    with time_machine.travel(_minute(15), tick=False):
        statuses = [
            c.patch("/api/v1/me", {"name": "n"}, format="json", REMOTE_ADDR="192.0.2.1").status_code
            for c in clients
        ]
        elsewhere = api(admin).patch(
            "/api/v1/me", {"name": "n"}, format="json", REMOTE_ADDR="192.0.2.2"
        )

    assert statuses == [200] * 10 + [429]
    assert elsewhere.status_code == 200


def test_spoofed_forwarded_for_does_not_evade_the_ip_write_limit(api, office, settings) -> None:
    settings.RULEDESK_RATE_WRITES_PER_MIN = 1
    settings.RULEDESK_TRUSTED_PROXIES = 0
    clients = [api(user) for user in office]
    with time_machine.travel(_minute(15), tick=False):
        statuses = [
            c.patch(
                "/api/v1/me",
                {"name": "n"},
                format="json",
                REMOTE_ADDR="192.0.2.1",
                HTTP_X_FORWARDED_FOR=f"10.9.8.{i}",
            ).status_code
            for i, c in enumerate(clients)
        ]

    assert statuses == [200] * 10 + [429]
