"""Every KPI of the fixture (tests/reporting/conftest.py) agrees with the hand computation."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from tests import factories
from tests.reporting.conftest import Desk, local

pytestmark = pytest.mark.django_db

MIN = 60  # seconds


def _client(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def kpis(desk: Desk, **params: Any) -> dict[str, Any]:
    query = {"from": "2026-10-01", "to": "2026-11-01", **params}
    response = _client(desk.agent).get("/api/v1/kpis", query)
    assert response.status_code == 200, response.content
    return dict(response.json())


def test_durations_are_stored_at_each_event(desk: Desk) -> None:
    t = desk.tickets
    stored = {
        key: (
            ticket.first_response_business_seconds,
            ticket.first_response_seconds,
            ticket.resolution_business_seconds,
            ticket.resolution_seconds,
        )
        for key, ticket in t.items()
    }
    assert stored == {
        # A: Mon 10:00-17:00 + Tue 09:00-11:00 business; 25 h on the wall clock.
        "A": (30 * MIN, 30 * MIN, 540 * MIN, 1500 * MIN),
        # B: the day waiting on the requester counts nothing in business time.
        "B": (20 * MIN, 20 * MIN, 180 * MIN, 1620 * MIN),
        # C: Fri 16:30-17:00 + Sun 00:00-06:00 + Mon 09:00-09:15 to the reply; to the latest
        # resolution also Mon 09:15-10:00 and, after the reopen, Tue 09:00-11:00.
        "C": (405 * MIN, 3885 * MIN, 570 * MIN, 5430 * MIN),
        # D: 00:30 CEST -> 04:30 CET is 5 real hours (02:00-03:00 happens twice).
        "D": (300 * MIN, 300 * MIN, None, None),
        "E": (None, None, None, None),
        # F: Mon, Tue, Wed 09:00-17:00.
        "F": (10 * MIN, 10 * MIN, 1440 * MIN, 4320 * MIN),
    }
    assert t["C"].first_resolved_at == local("2026-10-12T10:00")
    assert t["C"].reopen_count == 1


def test_kpis_of_the_whole_organization(desk: Desk) -> None:
    body = kpis(desk)
    assert body == {
        "mtta_minutes": 188.75,  # (30 + 20 + 405 + 300) / 4: A, B, C, D replied in October
        "mtta_calendar_minutes": 1058.75,  # (30 + 20 + 3885 + 300) / 4
        "mttr_minutes": 682.5,  # (540 + 180 + 570 + 1440) / 4: A, B, C, F resolved in October
        "mttr_calendar_minutes": 3217.5,  # (1500 + 1620 + 5430 + 4320) / 4
        "reopen_rate": 0.25,  # C of A, B, C, F first resolved in October
        "sla_first_response": {"met": 2, "breached": 3, "compliance": 0.4},  # A B | C D E
        "sla_resolution": {"met": 2, "breached": 3, "compliance": 0.4},  # B C | A D E
        "sla_compliance": 0.4,
        "csat_average": None,
        "csat_response_rate": None,
        "csat_satisfied_rate": None,
        "csat_responses": 0,
        "tickets_created": 5,  # A-E
        "tickets_resolved": 4,  # A, B, C, F
        "backlog": 2,  # D, E
        "period": {"from": "2026-09-30T22:00:00Z", "to": "2026-10-31T23:00:00Z"},
    }


def test_kpis_of_one_team(desk: Desk) -> None:
    body = kpis(desk, team=desk.support.pk)
    assert (body["mtta_minutes"], body["mtta_calendar_minutes"]) == (25.0, 25.0)
    assert (body["mttr_minutes"], body["mttr_calendar_minutes"]) == (360.0, 1560.0)
    assert body["reopen_rate"] == 0.0
    assert body["sla_first_response"] == {"met": 2, "breached": 0, "compliance": 1.0}
    assert body["sla_resolution"] == {"met": 1, "breached": 1, "compliance": 0.5}
    assert body["sla_compliance"] == 0.75
    assert (body["tickets_created"], body["tickets_resolved"], body["backlog"]) == (2, 2, 0)


def test_kpis_of_one_category(desk: Desk) -> None:
    body = kpis(desk, category=desk.software.pk)
    assert (body["mtta_minutes"], body["mtta_calendar_minutes"]) == (352.5, 2092.5)
    assert (body["mttr_minutes"], body["mttr_calendar_minutes"]) == (570.0, 5430.0)
    assert body["reopen_rate"] == 1.0
    assert body["sla_first_response"] == {"met": 0, "breached": 2, "compliance": 0.0}
    assert body["sla_resolution"] == {"met": 1, "breached": 1, "compliance": 0.5}
    assert (body["tickets_created"], body["tickets_resolved"], body["backlog"]) == (2, 1, 1)


def test_csat_average_satisfied_and_response_rate(desk: Desk) -> None:
    from reporting.models import CsatSurvey

    t = desk.tickets

    def survey(key: str, n: int, score: int | None) -> None:
        CsatSurvey.objects.create(
            organization=desk.org,
            ticket=t[key],
            requester=desk.requester,
            token_hash=f"{n:064d}",
            sent_at=local("2026-10-20T10:00"),
            expires_at=local("2026-11-20T10:00"),
            answered_at=local("2026-10-21T10:00") if score else None,
            score=score,
        )

    survey("A", 1, 5)
    survey("B", 2, 2)
    survey("C", 3, None)
    body = kpis(desk)
    assert body["csat_average"] == 3.5
    assert body["csat_responses"] == 2
    assert body["csat_satisfied_rate"] == 0.5
    assert body["csat_response_rate"] == 0.6667
    team = kpis(desk, team=desk.support.pk)
    assert (team["csat_average"], team["csat_response_rate"]) == (3.5, 1.0)
    software = kpis(desk, category=desk.software.pk)
    assert (software["csat_average"], software["csat_response_rate"]) == (None, 0.0)


def test_a_period_without_tickets_has_no_means(desk: Desk) -> None:
    body = kpis(desk, **{"from": "2025-01-01", "to": "2025-02-01"})
    assert body["mtta_minutes"] is None
    assert body["reopen_rate"] is None
    assert body["sla_compliance"] is None
    assert (body["tickets_created"], body["backlog"]) == (0, 0)


def test_requesters_may_not_read_kpis(desk: Desk) -> None:
    response = _client(desk.requester).get("/api/v1/kpis")
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-11-01", "to": "2026-10-01"}, "to"),
        ({"from": "yesterday"}, "from"),
        ({"team": "x"}, "team"),
        ({"category": "0"}, "category"),
    ],
)
def test_bad_filters_answer_400_naming_the_parameter(
    desk: Desk, params: dict[str, str], field: str
) -> None:
    response = _client(desk.agent).get("/api/v1/kpis", params)
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_another_organizations_team_is_refused(desk: Desk) -> None:
    other = factories.organization("kpi-other")
    foreign = factories.team(other, "Support")
    response = _client(desk.agent).get("/api/v1/kpis", {"team": foreign.pk})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "team"


def test_the_backfill_migration_computes_what_the_services_stored(desk: Desk) -> None:
    import importlib

    from django.apps import apps

    from workflows.models import Ticket

    backfill = importlib.import_module("workflows.migrations.0008_backfill_report_durations")
    fields = (
        "first_response_seconds",
        "first_response_business_seconds",
        "first_resolved_at",
        "resolution_seconds",
        "resolution_business_seconds",
    )
    stored = {t.pk: tuple(getattr(t, f) for f in fields) for t in Ticket.objects.all()}
    Ticket.objects.update(**dict.fromkeys(fields))
    backfill.backfill(apps, None)
    assert {t.pk: tuple(getattr(t, f) for f in fields) for t in Ticket.objects.all()} == stored
