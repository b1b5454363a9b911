"""Login failures are limited per (IP, e-mail) and per IP; X-Forwarded-For is trusted only
as far as RULEDESK_TRUSTED_PROXIES says, so spoofing neither evades nor misdirects a limit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from rest_framework.test import APIClient

from ruledesk.api.models import LoginAttempt
from tests.api.problems import assert_problem
from tests.factories import PASSWORD

TOKEN_URL = "/api/v1/auth/token"
# 10 s into a 5-minute window (epoch-aligned), frozen: windows cannot roll over mid-test.
WINDOW_START = datetime(2026, 11, 25, 10, 0, 0, tzinfo=UTC)
NOW = WINDOW_START + timedelta(seconds=10)
ATTACKER = "203.0.113.66"
VICTIM = "198.51.100.20"


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _login(email: str, password: str, ip: str = ATTACKER, xff: str | None = None):
    extra: dict[str, Any] = {"REMOTE_ADDR": ip}
    if xff is not None:
        extra["HTTP_X_FORWARDED_FOR"] = xff
    return APIClient().post(
        TOKEN_URL, {"email": email, "password": password}, format="json", **extra
    )


def _fail(times: int, email: str, ip: str = ATTACKER, xff: str | None = None) -> list[int]:
    return [_login(email, "wrong-password", ip, xff).status_code for _ in range(times)]


def test_ten_failures_lock_the_pair_even_for_the_right_password(admin) -> None:
    assert _fail(10, "admin@acme.test") == [401] * 10

    response = _login("admin@acme.test", PASSWORD)

    assert_problem(response, 429, "rate_limited")
    assert response["Retry-After"] == "290"
    assert LoginAttempt.objects.filter(succeeded=True).count() == 0
    assert LoginAttempt.objects.filter(email="admin@acme.test").count() == 11


def test_nine_failures_still_allow_the_right_password(admin) -> None:
    assert _fail(9, "admin@acme.test") == [401] * 9

    assert _login("admin@acme.test", PASSWORD).status_code == 201


def test_the_lock_on_an_unknown_email_looks_the_same_as_on_a_known_one(admin) -> None:
    _fail(10, "admin@acme.test")
    _fail(10, "nobody@acme.test")

    known = _login("admin@acme.test", "x")
    unknown = _login("nobody@acme.test", "x")

    first = assert_problem(known, 429, "rate_limited")
    second = assert_problem(unknown, 429, "rate_limited")
    assert {k: v for k, v in first.items() if k != "request_id"} == {
        k: v for k, v in second.items() if k != "request_id"
    }
    assert known["Retry-After"] == unknown["Retry-After"]


def test_the_lock_lifts_when_the_window_ends(admin, frozen_clock) -> None:
    _fail(10, "admin@acme.test")
    retry_after = int(_login("admin@acme.test", PASSWORD)["Retry-After"])

    frozen_clock.move_to(NOW + timedelta(seconds=retry_after))

    assert _login("admin@acme.test", PASSWORD).status_code == 201


def test_the_lock_is_per_ip_and_email(admin, agent) -> None:
    _fail(10, "admin@acme.test")

    other_email_same_ip = _login("agent@acme.test", PASSWORD)
    same_email_other_ip = _login("admin@acme.test", PASSWORD, ip=VICTIM)

    assert other_email_same_ip.status_code == 201
    assert same_email_other_ip.status_code == 201


def test_fifty_failures_from_one_ip_lock_every_email_from_it(admin, agent) -> None:
    for i in range(4):
        assert _fail(10, f"spray{i}@acme.test") == [401] * 10
    assert _fail(9, "admin@acme.test") == [401] * 9
    assert _login("agent@acme.test", PASSWORD).status_code == 201  # 49 failures: still open

    assert _fail(1, "admin@acme.test") == [401]  # the 50th

    response = _login("agent@acme.test", PASSWORD)
    assert_problem(response, 429, "rate_limited")
    assert response["Retry-After"] == "290"
    assert _login("agent@acme.test", PASSWORD, ip=VICTIM).status_code == 201


def test_successful_logins_do_not_count_as_failures(admin) -> None:
    statuses = [_login("admin@acme.test", PASSWORD).status_code for _ in range(12)]

    assert statuses == [201] * 12


def test_limits_are_configurable(admin, settings) -> None:
    settings.RULEDESK_RATE_LOGIN_FAILURES = 2

    assert _fail(2, "admin@acme.test") == [401, 401]
    assert _login("admin@acme.test", PASSWORD).status_code == 429


# --- X-Forwarded-For with no trusted proxy (the default) ------------------------------


def test_rotating_spoofed_forwarded_for_does_not_evade_the_limit(admin, settings) -> None:
    settings.RULEDESK_TRUSTED_PROXIES = 0
    statuses = [
        _login("admin@acme.test", "wrong", xff=f"10.0.{i}.{i}").status_code for i in range(10)
    ]

    response = _login("admin@acme.test", PASSWORD, xff="192.0.2.250")

    assert statuses == [401] * 10
    assert_problem(response, 429, "rate_limited")
    assert set(LoginAttempt.objects.values_list("ip", flat=True)) == {ATTACKER}


def test_spoofed_forwarded_for_does_not_lock_out_the_victim(admin, settings) -> None:
    settings.RULEDESK_TRUSTED_PROXIES = 0
    assert _fail(10, "admin@acme.test", xff=VICTIM) == [401] * 10
    for i in range(4):
        _fail(10, f"spray{i}@acme.test", xff=VICTIM)

    assert _login("admin@acme.test", PASSWORD, ip=VICTIM).status_code == 201
    assert _login("admin@acme.test", PASSWORD).status_code == 429


# --- X-Forwarded-For behind one trusted proxy ---------------------------------------


def test_with_one_trusted_proxy_the_right_most_address_is_the_client(admin, settings) -> None:
    settings.RULEDESK_TRUSTED_PROXIES = 1

    _login("admin@acme.test", "wrong", ip="10.0.0.1", xff=f"1.1.1.1, {ATTACKER}")

    assert LoginAttempt.objects.get().ip == ATTACKER


def test_with_one_trusted_proxy_the_limit_follows_the_forwarded_client(admin, settings) -> None:
    settings.RULEDESK_TRUSTED_PROXIES = 1
    # The client spoofs addresses to the left of what the proxy appended; the proxy's
    # own address varies (several load balancers). Neither evades the limit.
    statuses = [
        _login(
            "admin@acme.test", "wrong", ip=f"10.0.0.{i}", xff=f"6.6.6.{i}, {ATTACKER}"
        ).status_code
        for i in range(10)
    ]

    blocked = _login("admin@acme.test", PASSWORD, ip="10.0.0.99", xff=f"7.7.7.7, {ATTACKER}")
    victim = _login("admin@acme.test", PASSWORD, ip="10.0.0.1", xff=VICTIM)

    assert statuses == [401] * 10
    assert_problem(blocked, 429, "rate_limited")
    assert victim.status_code == 201


def test_with_one_trusted_proxy_a_missing_or_garbage_header_falls_back_to_the_peer(
    admin, settings
) -> None:
    settings.RULEDESK_TRUSTED_PROXIES = 1

    _login("admin@acme.test", "wrong", ip="10.0.0.5")
    _login("admin@acme.test", "wrong", ip="10.0.0.6", xff="not-an-ip")

    assert list(LoginAttempt.objects.order_by("id").values_list("ip", flat=True)) == [
        "10.0.0.5",
        "10.0.0.6",
    ]


def test_with_two_trusted_proxies_the_second_from_the_right_is_the_client(admin, settings) -> None:
    settings.RULEDESK_TRUSTED_PROXIES = 2

    _login("admin@acme.test", "wrong", ip="10.0.0.1", xff=f"6.6.6.6, {ATTACKER}, 10.0.0.2")

    assert LoginAttempt.objects.get().ip == ATTACKER
