"""Business calendars: weekly hours, holidays and a time zone, validated and audited."""

from __future__ import annotations

import functools
import re
import zoneinfo
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from ruledesk import errors
from ruledesk.errors import FieldError
from ruledesk.tenancy.models import User
from workflows.sla import recompute
from workflows.sla.business_time import Calendar
from workflows.sla.clocks import (
    DAY_KEYS,
    calendar_of,
)
from workflows.sla.clocks.calendars import _minute
from workflows.sla.models import BusinessCalendar
from workflows.sla.services.common import UNSET, _audit, _org, _save_unique, _unique_name

_START = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_END = re.compile(r"^(([01]\d|2[0-3]):[0-5]\d|24:00)$")
MAX_HOLIDAYS = 1000


@functools.lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def _timezone(name: str) -> str:
    if name not in _zones():
        raise errors.ValidationFailed.on("timezone", _("Unknown time zone."), "invalid_choice")
    return name


def hours_parse(raw: Any, field: str = "hours") -> dict[str, list[list[str]]]:
    """Validate {"mon": [["09:00", "17:00"]], ...}: HH:MM 24h, 24:00 may end a day,
    intervals of a day must not overlap, at least one business minute a week."""
    if not isinstance(raw, dict):
        raise errors.ValidationFailed.on(field, _("Must be an object keyed by weekday."), "invalid")
    problems: list[FieldError] = []

    def problem(path: str, message: str, code: str = "invalid") -> None:
        problems.append(FieldError(field=path, code=code, message=message))

    normalized: dict[str, list[list[str]]] = {}
    for key, spans in raw.items():
        path = f"{field}.{key}"
        if key not in DAY_KEYS:
            problem(
                path,
                _("Unknown weekday; use %(days)s.") % {"days": ", ".join(DAY_KEYS)},
                "invalid_choice",
            )
            continue
        if not isinstance(spans, list):
            problem(path, _("Must be a list of [start, end] pairs."))
            continue
        parsed: list[tuple[int, int, int]] = []
        for index, span in enumerate(spans):
            item = f"{path}[{index}]"
            if (
                not isinstance(span, list | tuple)
                or len(span) != 2
                or not all(isinstance(v, str) for v in span)
            ):
                problem(item, _('Must be a ["HH:MM", "HH:MM"] pair.'))
                continue
            start, end = span
            if not _START.match(start):
                problem(f"{item}[0]", _("Must be a time HH:MM (00:00-23:59)."))
                continue
            if not _END.match(end):
                problem(f"{item}[1]", _("Must be a time HH:MM (00:01-24:00)."))
                continue
            start_minute, end_minute = _minute(start), _minute(end)
            if end_minute <= start_minute:
                problem(item, _("An interval must end after it starts."))
                continue
            parsed.append((start_minute, end_minute, index))
        ordered = sorted(parsed)
        for before, after in zip(ordered, ordered[1:], strict=False):
            if after[0] < before[1]:
                later = max(before[2], after[2])
                problem(
                    f"{path}[{later}]", _("Overlaps another interval of the same day."), "overlap"
                )
        normalized[key] = [[_hhmm(a), _hhmm(b)] for a, b, _ in ordered]
    if not problems and not any(normalized.values()):
        problem(field, _("A calendar needs at least one business hour a week."), "empty")
    if problems:
        raise errors.ValidationFailed(_("The business hours are invalid."), errors=problems)
    return {key: normalized[key] for key in DAY_KEYS if normalized.get(key)}


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _holidays(days: Iterable[date]) -> list[str]:
    return sorted({day.isoformat() for day in days})


def business_calendar_create(
    *, actor: User, name: str, timezone: str, hours: Any, holidays: Iterable[date] = ()
) -> BusinessCalendar:
    """A new calendar is no policy's yet, so no running ticket's clocks change."""
    org_id = _org(actor)
    stored = BusinessCalendar(
        organization_id=org_id,
        name=name,
        timezone=_timezone(timezone),
        hours=hours_parse(hours),
        holidays=_holidays(holidays),
    )
    _check(stored)
    with transaction.atomic():
        _unique_name(BusinessCalendar, org_id, name)
        _save_unique(stored)
        _audit(actor, "business_calendar.create", stored, {"name": name})
    return stored


def business_calendar_update(
    *,
    actor: User,
    calendar: BusinessCalendar,
    name: Any = UNSET,
    timezone: Any = UNSET,
    hours: Any = UNSET,
    holidays: Any = UNSET,
) -> BusinessCalendar:
    """Edits to hours, holidays or the time zone also recompute, in the background, the
    due times of running tickets whose policy uses this calendar (`recompute.py`)."""
    org_id = _org(actor, calendar)
    with transaction.atomic():
        stored = BusinessCalendar.objects.select_for_update().get(pk=calendar.pk)
        changes: dict[str, list[Any]] = {}
        if name is not UNSET and name != stored.name:
            _unique_name(BusinessCalendar, org_id, name, stored.pk)
            changes["name"] = [stored.name, name]
            stored.name = name
        if timezone is not UNSET and timezone != stored.timezone:
            changes["timezone"] = [stored.timezone, _timezone(timezone)]
            stored.timezone = timezone
        if hours is not UNSET:
            parsed = hours_parse(hours)
            if parsed != stored.hours:
                changes["hours"] = [stored.hours, parsed]
                stored.hours = parsed
        if holidays is not UNSET:
            days = _holidays(holidays)
            if days != stored.holidays:
                changes["holidays"] = [stored.holidays, days]
                stored.holidays = days
        if changes:
            _check(stored)
            _save_unique(stored)
            _audit(actor, "business_calendar.update", stored, changes)
            if changes.keys() - {"name"}:
                recompute.sla_recompute_enqueue(
                    organization_id=org_id, change=recompute.SlaChange(calendar_id=stored.pk)
                )
    return stored


def business_calendar_delete(*, actor: User, calendar: BusinessCalendar) -> None:
    """Refused (409) while policies use it, so no running ticket's clocks change."""
    _org(actor, calendar)
    with transaction.atomic():
        _audit(actor, "business_calendar.delete", calendar, {"name": calendar.name})
        try:
            with transaction.atomic():
                calendar.delete()
        except ProtectedError:
            raise errors.Conflict(_("SLA policies use this calendar.")) from None


def _check(stored: BusinessCalendar) -> Calendar:
    try:
        return calendar_of(stored)
    except ValueError as exc:
        raise errors.ValidationFailed.on("hours", str(exc), "invalid") from None


def _calendar_ref(org_id: int, calendar_id: int, field: str = "calendar") -> BusinessCalendar:
    found = BusinessCalendar.objects.filter(organization_id=org_id, pk=calendar_id).first()
    if found is None:
        raise errors.ValidationFailed.on(field, _("No such business calendar."), "does_not_exist")
    return found
