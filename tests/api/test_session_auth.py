"""Browser sessions: reads work, writes need the CSRF token; logging out ends the session."""

from __future__ import annotations

from django.utils.crypto import get_random_string
from rest_framework.test import APIClient

from ruledesk.tenancy.models import Team
from tests.api.problems import assert_problem


def _session_client(user) -> APIClient:
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def _with_csrf(client: APIClient) -> str:
    token = get_random_string(32)
    client.cookies["csrftoken"] = token
    return token


def test_session_can_read_without_csrf(admin) -> None:
    response = _session_client(admin).get("/api/v1/me")

    assert response.status_code == 200
    assert response.json()["email"] == "admin@acme.test"
    assert response["Cache-Control"] == "no-store"


def test_session_write_without_csrf_token_answers_403_problem(admin) -> None:
    response = _session_client(admin).patch("/api/v1/me", {"name": "Forged"}, format="json")

    body = assert_problem(response, 403, "permission_denied")
    assert "CSRF" in body["detail"]
    admin.refresh_from_db()
    assert admin.name == "Alice Admin"


def test_session_post_without_csrf_token_creates_nothing(admin) -> None:
    response = _session_client(admin).post("/api/v1/teams", {"name": "Ops"}, format="json")

    assert_problem(response, 403, "permission_denied")
    assert not Team.objects.exists()


def test_session_write_with_a_wrong_csrf_token_answers_403(admin) -> None:
    client = _session_client(admin)
    _with_csrf(client)

    response = client.patch(
        "/api/v1/me", {"name": "Forged"}, format="json", HTTP_X_CSRFTOKEN=get_random_string(32)
    )

    assert_problem(response, 403, "permission_denied")


def test_session_write_with_the_csrf_token_succeeds(admin) -> None:
    client = _session_client(admin)
    token = _with_csrf(client)

    response = client.patch("/api/v1/me", {"name": "Real"}, format="json", HTTP_X_CSRFTOKEN=token)

    assert response.status_code == 200
    assert response.json()["name"] == "Real"


def test_session_post_with_the_csrf_token_creates(admin) -> None:
    client = _session_client(admin)
    token = _with_csrf(client)

    response = client.post("/api/v1/teams", {"name": "Ops"}, format="json", HTTP_X_CSRFTOKEN=token)

    assert response.status_code == 201
    assert Team.objects.get().name == "Ops"


def test_bearer_token_writes_need_no_csrf(api, admin) -> None:
    client = api(admin)
    client.handler.enforce_csrf_checks = True

    response = client.patch("/api/v1/me", {"name": "Integrator"}, format="json")

    assert response.status_code == 200


def test_delete_auth_token_with_a_session_logs_out(admin) -> None:
    client = _session_client(admin)
    token = _with_csrf(client)

    response = client.delete("/api/v1/auth/token", HTTP_X_CSRFTOKEN=token)

    assert response.status_code == 204
    assert_problem(client.get("/api/v1/me"), 401, "not_authenticated")
