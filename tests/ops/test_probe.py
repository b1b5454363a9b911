"""`python -m ruledesk.ops.probe`: the container health check used by the Dockerfile and compose."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import pytest
from pytest_django.live_server_helper import LiveServer

from ruledesk.ops import probe


@pytest.mark.parametrize(
    ("allowed_hosts", "expected"),
    [
        (None, "localhost"),
        ("desk.example.com,other.example.com", "desk.example.com"),
        (".example.com", "example.com"),
        ("*", "localhost"),
        ("*, desk.example.com", "desk.example.com"),
    ],
)
def test_probe_sends_the_first_allowed_host(
    monkeypatch: pytest.MonkeyPatch, allowed_hosts: str | None, expected: str
) -> None:
    if allowed_hosts is None:
        monkeypatch.delenv("ALLOWED_HOSTS", raising=False)
    else:
        monkeypatch.setenv("ALLOWED_HOSTS", allowed_hosts)

    assert probe.probe_host() == expected


def test_probe_succeeds_against_a_live_healthz(
    monkeypatch: pytest.MonkeyPatch, live_server: LiveServer
) -> None:
    monkeypatch.setenv("PORT", str(urlsplit(live_server.url).port))
    monkeypatch.setenv("ALLOWED_HOSTS", "localhost")

    assert probe.main(["/healthz"]) == 0
    assert probe.main(["/no-such-page"]) == 1


def test_probe_fails_when_nothing_listens(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as placeholder:
        placeholder.bind(("127.0.0.1", 0))
        free_port = placeholder.getsockname()[1]
    monkeypatch.setenv("PORT", str(free_port))

    assert probe.main([]) == 1
