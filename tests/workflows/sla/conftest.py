"""SLA test helpers: a UTC office calendar (Mon-Fri 09:00-17:00) and policies on it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from ruledesk.tenancy.models import User
from workflows.sla import services as sla
from workflows.sla.models import BusinessCalendar, SlaPolicy

OFFICE = {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
# 2026-11-23 is a Monday.
MONDAY_10 = datetime.fromisoformat("2026-11-23T10:00:00+00:00")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.fixture
def office(admin: User) -> BusinessCalendar:
    return sla.business_calendar_create(actor=admin, name="Office", timezone="UTC", hours=OFFICE)


@pytest.fixture
def make_policy(admin: User, office: BusinessCalendar) -> Callable[..., SlaPolicy]:
    def build(name: str = "Standard", **fields: Any) -> SlaPolicy:
        values: dict[str, Any] = {
            "calendar_id": office.pk,
            "first_response_minutes": 60,
            "resolution_minutes": 480,
            "reminder_percent": 50,
            "position": 10,
            **fields,
        }
        return sla.sla_policy_create(actor=admin, name=name, **values)

    return build
