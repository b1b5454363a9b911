"""Stored business calendars as the pure calendars `business_time` computes with."""

from __future__ import annotations

from datetime import date

from ruledesk.tenancy.models import Organization
from workflows.sla.business_time import Calendar
from workflows.sla.models import BusinessCalendar

DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _minute(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def calendar_of(stored: BusinessCalendar) -> Calendar:
    """The pure calendar of a stored one (its JSON was validated when saved)."""
    hours = {
        DAY_KEYS.index(key): tuple((_minute(a), _minute(b)) for a, b in spans)
        for key, spans in stored.hours.items()
        if spans
    }
    holidays = frozenset(date.fromisoformat(day) for day in stored.holidays)
    return Calendar(timezone=stored.timezone, hours=hours, holidays=holidays)


def organization_calendar(organization_id: int) -> Calendar:
    """The organization's calendar (its oldest); 24/7 in the organization's zone when none."""
    stored = BusinessCalendar.objects.filter(organization_id=organization_id).order_by("id").first()
    if stored is not None:
        return calendar_of(stored)
    tz = Organization.objects.filter(pk=organization_id).values_list("timezone", flat=True).first()
    return Calendar.always(tz or "UTC")
