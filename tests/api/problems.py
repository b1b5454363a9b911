"""Assertions on RFC 9457 problem responses, shared by the API tests."""

from __future__ import annotations

from typing import Any

PROBLEM_KEYS = {"type", "title", "status", "detail", "code", "request_id"}


def assert_problem(response: Any, status: int, code: str) -> dict[str, Any]:
    """The response is a problem+json with the exact convention shape; returns its body."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert set(body) in (PROBLEM_KEYS, PROBLEM_KEYS | {"errors"}), body
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"] == f"https://ruledesk.dev/problems/{code.replace('_', '-')}"
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body["detail"], str) and body["detail"]
    assert body["request_id"] == response["X-Request-ID"]
    assert "Traceback" not in response.content.decode()
    return body


def field_errors(body: dict[str, Any]) -> dict[str, str]:
    """{field: code} of a validation problem; every entry has exactly field, code, message."""
    for error in body["errors"]:
        assert set(error) == {"field", "code", "message"}
        assert error["message"]
    return {error["field"]: error["code"] for error in body["errors"]}
