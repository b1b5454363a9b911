"""Hostile or broken input answers a 400/404/413 problem, never a 500."""

from __future__ import annotations

import json

import pytest
from rest_framework.test import APIClient

from ruledesk.api.models import LoginAttempt
from ruledesk.tenancy.models import Role, Team, User
from tests import factories
from tests.api.problems import assert_problem, field_errors


@pytest.mark.parametrize("query", ["q=%00", "q=a%00b", "role=%00admin", "page_size=1%00"])
def test_nul_in_the_query_string_answers_400(api, admin, query) -> None:
    response = api(admin).get(f"/api/v1/users?{query}")

    body = assert_problem(response, 400, "validation_error")
    assert list(field_errors(body)) == [query.split("=")[0]]


def test_nul_in_the_path_answers_a_problem(api, admin) -> None:
    response = api(admin).get("/api/v1/users/1%00")

    assert_problem(response, 404, "not_found")


@pytest.mark.parametrize(
    "raw",
    ['{"name": "a\\u0000b"}', '{"name\\u0000": "x"}', '{"name": ["\\u0000"]}'],
)
def test_nul_inside_json_answers_parse_error(api, admin, raw) -> None:
    response = api(admin).post("/api/v1/teams", raw, content_type="application/json")

    assert_problem(response, 400, "parse_error")
    assert not Team.objects.exists()


@pytest.mark.parametrize(
    "raw",
    ["{", '{"name": }', "{'name': 'x'}", '{"name": "x",}', "NaN", '{"n": Infinity}', "\xff\xfe"],
)
def test_malformed_json_answers_parse_error(api, admin, raw) -> None:
    response = api(admin).post(
        "/api/v1/teams", raw.encode("latin-1"), content_type="application/json"
    )

    assert_problem(response, 400, "parse_error")


@pytest.mark.parametrize(
    "raw",
    ["[" * 10_000 + "]" * 10_000, '{"a":' * 10_000 + "1" + "}" * 10_000, "[" * 100_000],
)
def test_deeply_nested_json_answers_parse_error(api, admin, raw) -> None:
    response = api(admin).patch("/api/v1/me", raw, content_type="application/json")

    assert_problem(response, 400, "parse_error")


def test_moderately_nested_json_past_the_limit_answers_parse_error(api, admin) -> None:
    raw = json.dumps(
        {
            "name": "x",
            "locale": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["en"]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]],
        }
    )

    response = api(admin).patch("/api/v1/me", raw, content_type="application/json")

    assert_problem(response, 400, "parse_error")


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/users/99999999999999999999999",
        "/api/v1/users/-1",
        "/api/v1/teams/9223372036854775808",
        "/api/v1/users/0",
    ],
)
def test_huge_negative_or_zero_ids_in_the_path_answer_404(api, admin, path) -> None:
    assert_problem(api(admin).get(path), 404, "not_found")


def test_huge_ids_in_a_membership_path_answer_404(api, admin) -> None:
    response = api(admin).post(f"/api/v1/teams/{10**30}/members/{10**30}")

    assert_problem(response, 404, "not_found")


@pytest.mark.parametrize("value", [10**30, -1, 0, 2**63, 1.5, True, "1"])
def test_bad_numbers_in_a_body_answer_400_naming_the_field(api, admin, value) -> None:
    response = api(admin).post(
        "/api/v1/teams", {"name": "Ops", "escalation_team": value}, format="json"
    )

    if value == "1":  # a numeric string is a valid id that does not exist
        body = assert_problem(response, 400, "validation_error")
        assert field_errors(body) == {"escalation_team": "does_not_exist"}
    else:
        body = assert_problem(response, 400, "validation_error")
        assert list(field_errors(body)) == ["escalation_team"]
    assert not Team.objects.exists()


def test_huge_number_literal_answers_400(api, admin) -> None:
    raw = '{"name": "Ops", "escalation_team": 1' + "0" * 5000 + "}"

    response = api(admin).post("/api/v1/teams", raw, content_type="application/json")

    assert_problem(response, 400, "parse_error")


def test_huge_actor_filter_answers_400(api, admin) -> None:
    response = api(admin).get("/api/v1/audit-events", {"actor": "9" * 40})

    body = assert_problem(response, 400, "validation_error")
    assert field_errors(body) == {"actor": "invalid"}


def test_over_long_string_answers_400_naming_the_field(api, admin) -> None:
    response = api(admin).post("/api/v1/teams", {"name": "x" * 101}, format="json")

    body = assert_problem(response, 400, "validation_error")
    assert field_errors(body) == {"name": "max_length"}


def test_over_long_name_on_me_answers_400(api, admin) -> None:
    response = api(admin).patch("/api/v1/me", {"name": "x" * 201}, format="json")

    body = assert_problem(response, 400, "validation_error")
    assert field_errors(body) == {"name": "max_length"}


def test_unknown_enum_value_answers_400(api, admin) -> None:
    response = api(admin).patch("/api/v1/me", {"locale": "xx"}, format="json")

    body = assert_problem(response, 400, "validation_error")
    assert field_errors(body) == {"locale": "invalid_choice"}


def test_over_long_login_fields_answer_400(db) -> None:
    response = APIClient().post(
        "/api/v1/auth/token", {"email": "a" * 300 + "@x.test", "password": "p" * 300}, format="json"
    )

    body = assert_problem(response, 400, "validation_error")
    assert field_errors(body) == {"email": "max_length", "password": "max_length"}


def test_invalid_content_length_answers_400(api, admin) -> None:
    response = api(admin).generic(
        "PATCH", "/api/v1/me", b"{}", content_type="application/json", CONTENT_LENGTH="lots"
    )

    assert_problem(response, 400, "parse_error")


def test_unknown_ordering_or_filter_values_are_not_errors(api, admin, acme) -> None:
    """`ordering=password` is ignored, not applied: sorting by the hash would leak its order."""
    # Names in one order, password hashes in the reverse order: an ordering by password shows.
    for name, password in (("Ada", "zz-password-123"), ("Bob", "aa-password-123")):
        factories.user(acme, Role.AGENT, email=f"{name.lower()}@acme.test", name=name)
        User.objects.filter(email=f"{name.lower()}@acme.test").update(password=password)
    default = api(admin).get("/api/v1/users")
    response = api(admin).get("/api/v1/users", {"role": "emperor", "ordering": "password"})

    assert response.status_code == 200
    ids = [row["id"] for row in response.json()["results"]]
    assert ids == [row["id"] for row in default.json()["results"]]
    by_password = list(
        User.objects.filter(pk__in=ids).order_by("password", "id").values_list("id", flat=True)
    )
    assert ids != by_password


@pytest.mark.parametrize("raw", ['{"name": "a\\ud800"}', '{"name": "\\udfff"}'])
def test_lone_surrogates_in_json_strings_answer_400(api, admin, raw) -> None:
    response = api(admin).post("/api/v1/teams", raw, content_type="application/json")

    body = assert_problem(response, 400, "validation_error")
    assert field_errors(body) == {"name": "surrogate_characters_not_allowed"}
    assert not Team.objects.exists()


def test_lone_surrogate_in_a_login_email_answers_400_and_logs_nothing(db) -> None:
    raw = '{"email": "a\\ud800@acme.test", "password": "p"}'

    response = APIClient().post("/api/v1/auth/token", raw, content_type="application/json")

    assert_problem(response, 400, "validation_error")
    assert not LoginAttempt.objects.exists()
