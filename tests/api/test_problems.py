"""Every API error answers an RFC 9457 problem with the convention's exact shape."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import time_machine
from rest_framework import serializers
from rest_framework.test import APIClient

from ruledesk.api.base import StrictSerializer
from ruledesk.api.models import ApiToken
from ruledesk.tenancy.models import Team
from tests import factories
from tests.api.problems import assert_problem, field_errors

# --- 400 -------------------------------------------------------------------------


def test_validation_error_names_the_invalid_field(api, admin) -> None:
    response = api(admin).post("/api/v1/teams", {"name": ""}, format="json")

    body = assert_problem(response, 400, "validation_error")
    assert field_errors(body) == {"name": "blank"}


def test_missing_required_field_is_named(api, admin) -> None:
    response = api(admin).post("/api/v1/teams", {}, format="json")

    body = assert_problem(response, 400, "validation_error")
    assert field_errors(body) == {"name": "required"}


def test_unknown_field_is_named_and_nothing_is_created(api, admin) -> None:
    response = api(admin).post("/api/v1/teams", {"name": "Ops", "colour": "red"}, format="json")

    body = assert_problem(response, 400, "validation_error")
    assert field_errors(body) == {"colour": "unknown_field"}
    assert not Team.objects.filter(name="Ops").exists()


def test_read_only_fields_of_the_representation_are_named(api, admin) -> None:
    response = api(admin).patch(
        "/api/v1/me", {"id": 99, "email": "x@acme.test", "name": "ok"}, format="json"
    )

    body = assert_problem(response, 400, "validation_error")
    assert field_errors(body) == {"id": "unknown_field", "email": "unknown_field"}
    admin.refresh_from_db()
    assert (admin.email, admin.name) == ("admin@acme.test", "Alice Admin")


def test_a_read_only_serializer_field_is_refused_with_code_read_only() -> None:
    class Probe(StrictSerializer):
        id = serializers.IntegerField(read_only=True)
        name = serializers.CharField()

    data = Probe(data={"id": 1, "name": "x"})

    assert not data.is_valid()
    assert {k: [e.code for e in v] for k, v in data.errors.items()} == {"id": ["read_only"]}


def test_role_in_patch_me_is_refused(api, agent) -> None:
    response = api(agent).patch("/api/v1/me", {"role": "admin"}, format="json")

    body = assert_problem(response, 400, "validation_error")
    assert field_errors(body) == {"role": "unknown_field"}
    agent.refresh_from_db()
    assert agent.role == "agent"


def test_wrong_type_is_a_validation_error_on_that_field(api, admin) -> None:
    response = api(admin).post(
        "/api/v1/teams", {"name": "Ops", "escalation_team": "seven"}, format="json"
    )

    body = assert_problem(response, 400, "validation_error")
    assert field_errors(body) == {"escalation_team": "invalid"}


def test_nested_validation_errors_use_dotted_paths_with_indexes(api, admin) -> None:
    matrix = api(admin).get("/api/v1/permission-matrix").json()
    matrix["permissions"][1]["grants"]["agent"] = "sometimes"

    response = api(admin).put("/api/v1/permission-matrix", matrix, format="json")

    body = assert_problem(response, 400, "validation_error")
    assert field_errors(body) == {"permissions[1].grants.agent": "invalid"}


def test_non_object_json_root_is_a_problem_not_a_crash(api, admin) -> None:
    response = api(admin).post("/api/v1/teams", [1, 2], format="json")

    assert_problem(response, 400, "validation_error")


# --- 401 -------------------------------------------------------------------------


def test_missing_token_answers_401(api, db) -> None:
    response = api(None).get("/api/v1/me")

    assert_problem(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_unknown_token_answers_401(admin) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer rdk_" + "A" * 43)

    assert_problem(client.get("/api/v1/me"), 401, "not_authenticated")


def test_expired_token_answers_401(api, admin) -> None:
    client = api(admin)
    token = ApiToken.objects.get(user=admin)

    with time_machine.travel(token.expires_at + timedelta(seconds=1)):
        response = client.get("/api/v1/me")

    assert_problem(response, 401, "not_authenticated")


def test_revoked_token_answers_401(api, admin) -> None:
    client = api(admin)
    assert client.delete("/api/v1/auth/token").status_code == 204

    assert_problem(client.get("/api/v1/me"), 401, "not_authenticated")


# --- 403 -------------------------------------------------------------------------


def test_agent_may_not_put_the_permission_matrix(api, admin, agent) -> None:
    matrix = api(admin).get("/api/v1/permission-matrix").json()

    response = api(agent).put("/api/v1/permission-matrix", matrix, format="json")

    assert_problem(response, 403, "permission_denied")


def test_requester_may_not_list_users(api, requester) -> None:
    assert_problem(api(requester).get("/api/v1/users"), 403, "permission_denied")


# --- 404 -------------------------------------------------------------------------


def test_unknown_api_path_answers_404_problem(api, admin) -> None:
    assert_problem(api(admin).get("/api/v1/nope"), 404, "not_found")


def test_unknown_api_path_answers_404_problem_to_anonymous_callers(db) -> None:
    assert_problem(APIClient().get("/api/v1/nope/deeper"), 404, "not_found")


def test_unknown_id_answers_404(api, admin) -> None:
    assert_problem(api(admin).get("/api/v1/users/987654321"), 404, "not_found")


def test_another_organizations_object_answers_404_like_an_unknown_one(api, admin, outsider) -> None:
    foreign = api(admin).get(f"/api/v1/users/{outsider.pk}")
    unknown = api(admin).get("/api/v1/users/987654321")

    body = assert_problem(foreign, 404, "not_found")
    assert "Oscar" not in foreign.content.decode()
    other = unknown.json()
    assert {k: v for k, v in body.items() if k != "request_id"} == {
        k: v for k, v in other.items() if k != "request_id"
    }


def test_another_organizations_team_answers_404_for_writes_too(api, admin, globex) -> None:
    team = factories.team(globex, "Globex Support")

    response = api(admin).patch(f"/api/v1/teams/{team.pk}", {"name": "Mine"}, format="json")

    assert_problem(response, 404, "not_found")
    team.refresh_from_db()
    assert team.name == "Globex Support"


# --- 405 -------------------------------------------------------------------------


def test_post_to_me_answers_405(api, admin) -> None:
    response = api(admin).post("/api/v1/me", {}, format="json")

    assert_problem(response, 405, "method_not_allowed")
    assert response["Allow"] == "GET, PATCH, HEAD, OPTIONS"


def test_audit_events_cannot_be_deleted(api, admin) -> None:
    response = api(admin).delete("/api/v1/audit-events")

    assert_problem(response, 405, "method_not_allowed")
    assert response["Allow"] == "GET, HEAD, OPTIONS"


# --- 409 -------------------------------------------------------------------------


def test_duplicate_team_name_answers_409_conflict(api, admin) -> None:
    client = api(admin)
    assert client.post("/api/v1/teams", {"name": "Support"}, format="json").status_code == 201

    response = client.post("/api/v1/teams", {"name": "support"}, format="json")

    assert_problem(response, 409, "conflict")
    assert Team.objects.filter(organization=admin.organization).count() == 1


def test_demoting_the_last_admin_answers_409_last_admin(api, admin) -> None:
    response = api(admin).patch(f"/api/v1/users/{admin.pk}", {"role": "agent"}, format="json")

    assert_problem(response, 409, "last_admin")
    admin.refresh_from_db()
    assert admin.role == "admin"


# --- 412 -------------------------------------------------------------------------


def test_stale_if_match_answers_412_and_changes_nothing(api, admin, agent) -> None:
    client = api(admin)
    first = client.get(f"/api/v1/users/{agent.pk}")
    stale = first["ETag"]
    assert stale.startswith('"') and stale.endswith('"')
    with time_machine.travel(datetime.now(tz=UTC) + timedelta(seconds=5)):
        changed = client.patch(
            f"/api/v1/users/{agent.pk}", {"name": "Renamed"}, format="json", HTTP_IF_MATCH=stale
        )
    assert changed.status_code == 200
    assert changed["ETag"] != stale

    response = client.patch(
        f"/api/v1/users/{agent.pk}", {"name": "Lost update"}, format="json", HTTP_IF_MATCH=stale
    )

    assert_problem(response, 412, "precondition_failed")
    agent.refresh_from_db()
    assert agent.name == "Renamed"


def test_current_if_match_lets_the_patch_through(api, admin, agent) -> None:
    client = api(admin)
    etag = client.get(f"/api/v1/users/{agent.pk}")["ETag"]

    response = client.patch(
        f"/api/v1/users/{agent.pk}", {"name": "Fresh"}, format="json", HTTP_IF_MATCH=etag
    )

    assert response.status_code == 200
    assert response.json()["name"] == "Fresh"


# --- 413 / 415 --------------------------------------------------------------------


def test_json_body_over_one_megabyte_answers_413(api, admin) -> None:
    body = json.dumps({"name": "x" * (1024 * 1024)})

    response = api(admin).patch("/api/v1/me", body, content_type="application/json")

    assert_problem(response, 413, "payload_too_large")
    admin.refresh_from_db()
    assert admin.name == "Alice Admin"


def test_ten_megabyte_body_answers_413(api, admin) -> None:
    body = b'{"name": "' + b"y" * (10 * 1024 * 1024) + b'"}'

    response = api(admin).post("/api/v1/teams", body, content_type="application/json")

    assert_problem(response, 413, "payload_too_large")
    assert not Team.objects.exists()


def test_text_plain_body_answers_415(api, admin) -> None:
    response = api(admin).patch("/api/v1/me", "name=x", content_type="text/plain")

    assert_problem(response, 415, "unsupported_media_type")


def test_xml_body_answers_415(api, admin) -> None:
    response = api(admin).post(
        "/api/v1/teams", "<team><name>Ops</name></team>", content_type="application/xml"
    )

    assert_problem(response, 415, "unsupported_media_type")
    assert not Team.objects.exists()


def test_form_encoded_body_answers_415(api, admin) -> None:
    response = api(admin).post(
        "/api/v1/teams", "name=Ops", content_type="application/x-www-form-urlencoded"
    )

    assert_problem(response, 415, "unsupported_media_type")


# --- 429 -------------------------------------------------------------------------


def test_writes_over_the_limit_answer_429_problem_with_retry_after(api, admin, settings) -> None:
    settings.RULEDESK_RATE_WRITES_PER_MIN = 1
    client = api(admin)
    start = datetime.now(tz=UTC).replace(second=30, microsecond=0) + timedelta(minutes=1)
    with time_machine.travel(start, tick=False):
        client.post("/api/v1/teams", {"name": "A"}, format="json")
        response = client.post("/api/v1/teams", {"name": "B"}, format="json")

    assert_problem(response, 429, "rate_limited")
    assert int(response["Retry-After"]) == 30
    assert list(Team.objects.values_list("name", flat=True)) == ["A"]


# --- 422 -------------------------------------------------------------------------


def test_reused_idempotency_key_with_another_body_answers_422(api, admin) -> None:
    client = api(admin)
    client.post("/api/v1/teams", {"name": "A"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    response = client.post(
        "/api/v1/teams", {"name": "B"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )

    assert_problem(response, 422, "idempotency_conflict")


# --- shape details ----------------------------------------------------------------


def test_locked_matrix_cell_is_named_by_its_position(api, admin) -> None:
    matrix = api(admin).get("/api/v1/permission-matrix").json()
    locked = next(
        i for i, row in enumerate(matrix["permissions"]) if row["codename"] == "matrix.manage"
    )
    matrix["permissions"][locked]["grants"]["admin"] = False

    response = api(admin).put("/api/v1/permission-matrix", matrix, format="json")

    body = assert_problem(response, 400, "validation_error")
    assert [e["field"] for e in body["errors"]] == [f"permissions[{locked}].grants.admin"]
