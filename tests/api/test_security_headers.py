"""Security headers on API, error and HTML responses; no-store on authenticated answers."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.factories import PASSWORD


def _directives(csp: str) -> dict[str, list[str]]:
    parsed = {}
    for part in csp.split(";"):
        words = part.split()
        if words:
            parsed[words[0]] = words[1:]
    return parsed


def _assert_baseline(response) -> None:
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    frame_ancestors = _directives(response.get("Content-Security-Policy", "")).get(
        "frame-ancestors"
    )
    assert response.get("X-Frame-Options") == "DENY" or frame_ancestors == ["'none'"]


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status"),
    [
        ("get", "/api/v1/me", {}, 401),
        ("get", "/api/v1/nope", {}, 404),
        ("get", "/api/schema/", {}, 200),
        ("get", "/healthz", {}, 200),
        ("get", "/api/v1/users?q=%00", {}, 400),
        (
            "patch",
            "/api/v1/me",
            {"data": b"x" * (1024 * 1024 + 1), "content_type": "application/json"},
            413,
        ),
        ("post", "/api/v1/auth/token", {"data": "{", "content_type": "application/json"}, 400),
    ],
)
def test_baseline_headers_on_every_response(db, method, path, kwargs, status) -> None:
    response = getattr(APIClient(), method)(path, **kwargs)

    assert response.status_code == status
    _assert_baseline(response)


def test_api_json_responses_forbid_everything_in_csp(api, admin) -> None:
    response = api(admin).get("/api/v1/me")

    _assert_baseline(response)
    assert _directives(response["Content-Security-Policy"]) == {
        "default-src": ["'none'"],
        "frame-ancestors": ["'none'"],
    }


def test_html_docs_have_a_csp_without_inline_script(db) -> None:
    response = APIClient().get("/api/docs/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    _assert_baseline(response)
    csp = _directives(response["Content-Security-Policy"])
    script = csp.get("script-src", csp["default-src"])
    assert "'unsafe-inline'" not in script
    assert "'unsafe-eval'" not in script
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    html = response.content.decode()
    assert "<script>" not in html.replace(" ", "")


def test_authenticated_api_responses_are_not_stored(api, admin) -> None:
    client = api(admin)

    for response in (
        client.get("/api/v1/me"),
        client.get("/api/v1/users"),
        client.get(f"/api/v1/users/{admin.pk}"),
        client.post("/api/v1/teams", {"name": "Ops"}, format="json"),
        client.get("/api/v1/nope"),
    ):
        assert response["Cache-Control"] == "no-store", response.request["PATH_INFO"]


def test_the_token_answer_is_not_stored(admin) -> None:
    response = APIClient().post(
        "/api/v1/auth/token", {"email": admin.email, "password": PASSWORD}, format="json"
    )

    assert response.status_code == 201
    assert response["Cache-Control"] == "no-store"
    _assert_baseline(response)


def test_failed_login_answers_are_not_stored(admin) -> None:
    response = APIClient().post(
        "/api/v1/auth/token", {"email": admin.email, "password": "wrong"}, format="json"
    )

    assert response.status_code == 401
    assert response["Cache-Control"] == "no-store"
