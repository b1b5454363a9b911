"""Token login, expiry and revocation; bearer header edge cases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from rest_framework.test import APIClient

from ruledesk.api.authentication import hash_token
from ruledesk.api.models import ApiToken, LoginAttempt
from ruledesk.tenancy.models import Role
from tests import factories
from tests.api.problems import assert_problem
from tests.factories import PASSWORD

TOKEN_URL = "/api/v1/auth/token"
NOW = datetime(2026, 11, 25, 10, 0, 10, tzinfo=UTC)


def _login(email: str, password: str, **extra: Any) -> Any:
    return APIClient().post(
        TOKEN_URL, {"email": email, "password": password}, format="json", **extra
    )


def _without_request_id(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != "request_id"}


def test_login_returns_201_with_token_and_expiry(admin) -> None:
    with time_machine.travel(NOW, tick=False):
        response = _login("admin@acme.test", PASSWORD)

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"token", "expires_at"}
    assert body["expires_at"] == "2026-12-25T10:00:10Z"  # 720 hours
    assert body["token"].startswith("rdk_")
    stored = ApiToken.objects.get(user=admin)
    assert stored.key_hash == hash_token(body["token"])
    assert stored.key_hash != body["token"]  # only the hash is stored


def test_issued_token_authenticates(admin) -> None:
    token = _login("admin@acme.test", PASSWORD).json()["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    response = client.get("/api/v1/me")

    assert response.status_code == 200
    assert response.json()["email"] == "admin@acme.test"


def test_login_email_is_case_insensitive(admin) -> None:
    response = _login("  ADMIN@Acme.Test ", PASSWORD)

    assert response.status_code == 201
    assert LoginAttempt.objects.get().email == "admin@acme.test"


def test_unknown_email_and_wrong_password_get_identical_answers(admin) -> None:
    wrong_password = _login("admin@acme.test", "not-the-password")
    unknown_email = _login("nobody@acme.test", "not-the-password")

    assert wrong_password.status_code == unknown_email.status_code == 401
    first = assert_problem(wrong_password, 401, "not_authenticated")
    second = assert_problem(unknown_email, 401, "not_authenticated")
    assert first["request_id"] != second["request_id"]
    assert _without_request_id(first) == _without_request_id(second)
    assert wrong_password.content.replace(
        first["request_id"].encode(), b""
    ) == unknown_email.content.replace(second["request_id"].encode(), b"")
    assert wrong_password["Content-Type"] == unknown_email["Content-Type"]


def test_inactive_or_deleted_users_get_the_same_answer_as_unknown_ones(acme) -> None:
    inactive = factories.user(acme, Role.AGENT, email="gone@acme.test")
    inactive.is_active = False
    inactive.save()

    response = _login("gone@acme.test", PASSWORD)
    unknown = _login("never@acme.test", PASSWORD)

    body = assert_problem(response, 401, "not_authenticated")
    assert _without_request_id(body) == _without_request_id(unknown.json())


def test_every_login_attempt_is_recorded_with_its_outcome(admin) -> None:
    _login("admin@acme.test", "wrong", HTTP_USER_AGENT="probe/1.0", REMOTE_ADDR="198.51.100.7")
    _login("nobody@acme.test", "wrong", REMOTE_ADDR="198.51.100.7")
    _login("admin@acme.test", PASSWORD, REMOTE_ADDR="198.51.100.7")

    rows = list(LoginAttempt.objects.order_by("id").values_list("email", "ip", "succeeded"))
    assert rows == [
        ("admin@acme.test", "198.51.100.7", False),
        ("nobody@acme.test", "198.51.100.7", False),
        ("admin@acme.test", "198.51.100.7", True),
    ]
    first = LoginAttempt.objects.order_by("id").first()
    assert first is not None and first.user_agent == "probe/1.0"


def test_login_with_missing_fields_answers_400(db) -> None:
    response = APIClient().post(TOKEN_URL, {"email": "admin@acme.test"}, format="json")

    body = assert_problem(response, 400, "validation_error")
    assert [e["field"] for e in body["errors"]] == ["password"]
    assert not LoginAttempt.objects.exists()


def test_stale_bearer_header_does_not_block_a_login(admin) -> None:
    response = _login("admin@acme.test", PASSWORD, HTTP_AUTHORIZATION="Bearer rdk_" + "x" * 40)

    assert response.status_code == 201


def test_token_expires_after_its_ttl(api, admin, settings) -> None:
    settings.RULEDESK_TOKEN_TTL_HOURS = 1
    with time_machine.travel(NOW, tick=False):
        token = _login("admin@acme.test", PASSWORD).json()["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    with time_machine.travel(NOW + timedelta(minutes=59), tick=False):
        before = client.get("/api/v1/me")
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        at_expiry = client.get("/api/v1/me")
    with time_machine.travel(NOW + timedelta(days=3), tick=False):
        after = client.get("/api/v1/me")

    assert before.status_code == 200
    assert_problem(at_expiry, 401, "not_authenticated")
    assert_problem(after, 401, "not_authenticated")


def test_delete_auth_token_revokes_it(api, admin) -> None:
    client = api(admin)
    assert client.get("/api/v1/me").status_code == 200

    response = client.delete(TOKEN_URL)

    assert response.status_code == 204
    assert ApiToken.objects.get(user=admin).revoked_at is not None
    assert_problem(client.get("/api/v1/me"), 401, "not_authenticated")
    assert_problem(client.delete(TOKEN_URL), 401, "not_authenticated")


def test_revoking_one_token_leaves_the_users_other_tokens_working(api, admin) -> None:
    first, second = api(admin), api(admin)

    first.delete(TOKEN_URL)

    assert first.get("/api/v1/me").status_code == 401
    assert second.get("/api/v1/me").status_code == 200


def test_delete_auth_token_without_credentials_answers_401(db) -> None:
    assert_problem(APIClient().delete(TOKEN_URL), 401, "not_authenticated")


def test_token_of_a_deactivated_user_stops_working(api, admin, acme) -> None:
    factories.user(acme, Role.ADMIN)
    client = api(admin)
    admin.is_active = False
    admin.save()

    assert_problem(client.get("/api/v1/me"), 401, "not_authenticated")


@pytest.mark.parametrize(
    "header",
    [
        "Bearer",
        "Bearer ",
        "Bearer  ",
        "Bearer a b",
        "Bearer short",
        "Bearer rdk_",
        "Bearer rdk_" + "x" * 200,
        "Bearer not-our-prefix-but-long-enough-to-pass",
        "bearer \t",
    ],
)
def test_empty_or_malformed_bearer_answers_401_without_a_database_query(
    db, django_assert_num_queries, header
) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)

    with django_assert_num_queries(0):
        response = client.get("/api/v1/me")

    assert_problem(response, 401, "not_authenticated")


def test_non_ascii_bearer_answers_401(db) -> None:
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION="Bearer rdk_ÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿ".encode().decode("latin-1")
    )

    assert_problem(client.get("/api/v1/me"), 401, "not_authenticated")


def test_well_formed_unknown_token_is_401_like_a_revoked_one(api, admin) -> None:
    revoked = api(admin)
    revoked.delete(TOKEN_URL)
    unknown = APIClient()
    unknown.credentials(HTTP_AUTHORIZATION="Bearer rdk_" + "Z" * 43)

    first = assert_problem(revoked.get("/api/v1/me"), 401, "not_authenticated")
    second = assert_problem(unknown.get("/api/v1/me"), 401, "not_authenticated")
    assert _without_request_id(first) == _without_request_id(second)
