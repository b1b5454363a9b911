"""Idempotency-Key on POST: replay the first answer, refuse another body, scoped per user."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from django.utils import timezone

from ruledesk.api.models import IdempotencyRecord
from ruledesk.audit.models import AuditEvent
from ruledesk.tenancy.models import Role, Team
from tests import factories
from tests.api.problems import assert_problem, field_errors


def test_same_key_and_body_replays_the_first_answer_and_creates_nothing(api, admin) -> None:
    client = api(admin)
    first = client.post("/api/v1/teams", {"name": "Ops"}, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    audits = AuditEvent.objects.filter(action="team.create").count()

    second = client.post("/api/v1/teams", {"name": "Ops"}, format="json", HTTP_IDEMPOTENCY_KEY="k1")

    assert first.status_code == 201
    assert "Idempotent-Replayed" not in first
    assert second.status_code == 201
    assert second["Idempotent-Replayed"] == "true"
    assert second.json() == first.json()
    assert second["Content-Type"] == first["Content-Type"]
    assert Team.objects.filter(organization=admin.organization).count() == 1
    assert AuditEvent.objects.filter(action="team.create").count() == audits == 1


def test_replay_works_from_a_fresh_token_of_the_same_user(api, admin) -> None:
    first = api(admin).post(
        "/api/v1/teams", {"name": "Ops"}, format="json", HTTP_IDEMPOTENCY_KEY="k"
    )

    second = api(admin).post(
        "/api/v1/teams", {"name": "Ops"}, format="json", HTTP_IDEMPOTENCY_KEY="k"
    )

    assert second["Idempotent-Replayed"] == "true"
    assert second.json() == first.json()


def test_error_answers_are_replayed_too(api, admin) -> None:
    client = api(admin)
    factories.team(admin.organization, "Ops")
    first = client.post("/api/v1/teams", {"name": "Ops"}, format="json", HTTP_IDEMPOTENCY_KEY="k")

    second = client.post("/api/v1/teams", {"name": "Ops"}, format="json", HTTP_IDEMPOTENCY_KEY="k")

    first_body = assert_problem(first, 409, "conflict")
    assert second.status_code == 409
    assert second["Idempotent-Replayed"] == "true"
    assert second.json() == first_body


def test_same_key_with_a_different_body_answers_422_and_creates_nothing(api, admin) -> None:
    client = api(admin)
    client.post("/api/v1/teams", {"name": "Ops"}, format="json", HTTP_IDEMPOTENCY_KEY="k1")

    response = client.post(
        "/api/v1/teams", {"name": "Other"}, format="json", HTTP_IDEMPOTENCY_KEY="k1"
    )

    assert_problem(response, 422, "idempotency_conflict")
    assert list(Team.objects.values_list("name", flat=True)) == ["Ops"]


def test_same_key_on_another_endpoint_answers_422(api, admin, agent) -> None:
    client = api(admin)
    team = factories.team(admin.organization, "Ops")
    client.post("/api/v1/teams", {"name": "Ops2"}, format="json", HTTP_IDEMPOTENCY_KEY="k1")

    response = client.post(f"/api/v1/teams/{team.pk}/members/{agent.pk}", HTTP_IDEMPOTENCY_KEY="k1")

    assert_problem(response, 422, "idempotency_conflict")
    assert not team.members.exists()


def test_keys_are_scoped_per_user(api, admin, outsider) -> None:
    mine = api(admin).post(
        "/api/v1/teams", {"name": "Ops"}, format="json", HTTP_IDEMPOTENCY_KEY="k"
    )

    theirs = api(outsider).post(
        "/api/v1/teams", {"name": "Ops"}, format="json", HTTP_IDEMPOTENCY_KEY="k"
    )

    assert mine.status_code == theirs.status_code == 201
    assert "Idempotent-Replayed" not in theirs
    assert theirs.json()["id"] != mine.json()["id"]
    assert Team.objects.filter(name="Ops").count() == 2


def test_another_user_of_the_same_org_with_the_same_key_and_other_body_is_independent(
    api, admin, acme
) -> None:
    second_admin = factories.user(acme, Role.ADMIN)
    api(admin).post("/api/v1/teams", {"name": "Ops"}, format="json", HTTP_IDEMPOTENCY_KEY="k")

    response = api(second_admin).post(
        "/api/v1/teams", {"name": "Sales"}, format="json", HTTP_IDEMPOTENCY_KEY="k"
    )

    assert response.status_code == 201
    assert sorted(Team.objects.values_list("name", flat=True)) == ["Ops", "Sales"]


def test_without_a_key_each_post_is_executed(api, admin) -> None:
    client = api(admin)

    first = client.post("/api/v1/teams", {"name": "Ops"}, format="json")
    second = client.post("/api/v1/teams", {"name": "Ops"}, format="json")

    assert first.status_code == 201
    assert_problem(second, 409, "conflict")
    assert not IdempotencyRecord.objects.exists()


def test_key_of_255_characters_is_accepted(api, admin) -> None:
    response = api(admin).post(
        "/api/v1/teams", {"name": "Ops"}, format="json", HTTP_IDEMPOTENCY_KEY="k" * 255
    )

    assert response.status_code == 201
    assert IdempotencyRecord.objects.get().key == "k" * 255


def test_key_longer_than_255_characters_answers_400(api, admin) -> None:
    response = api(admin).post(
        "/api/v1/teams", {"name": "Ops"}, format="json", HTTP_IDEMPOTENCY_KEY="k" * 256
    )

    body = assert_problem(response, 400, "validation_error")
    assert field_errors(body) == {"Idempotency-Key": "invalid"}
    assert not Team.objects.exists()


def test_empty_key_answers_400(api, admin) -> None:
    response = api(admin).post(
        "/api/v1/teams", {"name": "Ops"}, format="json", HTTP_IDEMPOTENCY_KEY=""
    )

    assert_problem(response, 400, "validation_error")
    assert not Team.objects.exists()


def test_key_expires_after_24_hours(api, admin) -> None:
    client = api(admin)
    client.post("/api/v1/teams", {"name": "Ops"}, format="json", HTTP_IDEMPOTENCY_KEY="k")

    with time_machine.travel(timezone.now() + timedelta(hours=24, minutes=1)):
        later = client.post(
            "/api/v1/teams", {"name": "Sales"}, format="json", HTTP_IDEMPOTENCY_KEY="k"
        )

    assert later.status_code == 201
    assert "Idempotent-Replayed" not in later
    assert sorted(Team.objects.values_list("name", flat=True)) == ["Ops", "Sales"]


def test_key_still_replays_just_before_24_hours(api, admin) -> None:
    client = api(admin)
    first = client.post("/api/v1/teams", {"name": "Ops"}, format="json", HTTP_IDEMPOTENCY_KEY="k")

    with time_machine.travel(timezone.now() + timedelta(hours=23, minutes=59)):
        again = client.post(
            "/api/v1/teams", {"name": "Ops"}, format="json", HTTP_IDEMPOTENCY_KEY="k"
        )

    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Team.objects.count() == 1


def test_a_key_on_a_non_post_request_is_ignored(api, admin) -> None:
    client = api(admin)

    first = client.patch("/api/v1/me", {"name": "A"}, format="json", HTTP_IDEMPOTENCY_KEY="k")
    second = client.patch("/api/v1/me", {"name": "B"}, format="json", HTTP_IDEMPOTENCY_KEY="k")

    assert first.status_code == second.status_code == 200
    assert "Idempotent-Replayed" not in second
    assert second.json()["name"] == "B"
