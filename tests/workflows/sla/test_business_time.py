"""Business-time arithmetic against a table of hand-computed cases (api.md, SLA).

Every expected instant is written out literally: local wall-clock time with its
UTC offset, so each row can be checked on a calendar and a clock.
Dates used: 2026-11-23 is a Monday; Warsaw changes clocks on 2026-03-29 (02:00 CET ->
03:00 CEST, at 01:00 UTC) and 2026-10-25 (03:00 CEST -> 02:00 CET, at 01:00 UTC);
New York on 2026-03-08 (02:00 EST -> 03:00 EDT, at 07:00 UTC) and 2026-11-01
(02:00 EDT -> 01:00 EST, at 06:00 UTC).
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import pytest

from workflows.sla.business_time import (
    Calendar,
    add_business_minutes,
    business_minutes_between,
)


def _hm(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def _cal(tz: str, week: dict[int, list[str]], holidays: tuple[str, ...] = ()) -> Calendar:
    return Calendar(
        timezone=tz,
        hours={
            day: tuple((_hm(span.split("-")[0]), _hm(span.split("-")[1])) for span in spans)
            for day, spans in week.items()
        },
        holidays=frozenset(date.fromisoformat(d) for d in holidays),
    )


WEEKDAYS = range(5)
EVERY_DAY = range(7)
# Warsaw office: Mon-Fri 09:00-17:00; Christmas Eve, Christmas and New Year are holidays.
OFFICE = _cal(
    "Europe/Warsaw",
    {d: ["09:00-17:00"] for d in WEEKDAYS},
    ("2026-12-24", "2026-12-25", "2027-01-01"),
)
# Lunch break: Mon-Fri 08:00-12:00 and 13:00-16:00, Saturday 10:00-14:00.
LUNCH = _cal(
    "Europe/Warsaw", {**{d: ["08:00-12:00", "13:00-16:00"] for d in WEEKDAYS}, 5: ["10:00-14:00"]}
)
# Night shift in UTC: 22:00-24:00 and 00:00-06:00 every day.
NIGHT = _cal("UTC", {d: ["00:00-06:00", "22:00-24:00"] for d in EVERY_DAY})
ALWAYS_WAW = Calendar.always("Europe/Warsaw")
ALWAYS_NY = Calendar.always("America/New_York")
# Hours covering the changed hour on DST days.
EARLY_WAW = _cal("Europe/Warsaw", {d: ["01:00-04:00"] for d in EVERY_DAY})
EARLY_NY = _cal("America/New_York", {d: ["01:00-04:00"] for d in EVERY_DAY})
NY_OFFICE = _cal("America/New_York", {d: ["09:00-17:00"] for d in WEEKDAYS})


def t(text: str) -> datetime:
    """An instant written as ISO 8601 with its offset, e.g. 2026-11-23T10:00+01:00."""
    return datetime.fromisoformat(text)


ADD_CASES = [
    # --- Office hours, Warsaw winter time (+01:00) ---
    ("within a day", OFFICE, "2026-11-23T10:00+01:00", 60, "2026-11-23T11:00+01:00"),
    ("ends exactly at closing", OFFICE, "2026-11-23T10:00+01:00", 420, "2026-11-23T17:00+01:00"),
    ("one minute past closing", OFFICE, "2026-11-23T10:00+01:00", 421, "2026-11-24T09:01+01:00"),
    ("start at opening", OFFICE, "2026-11-23T09:00+01:00", 480, "2026-11-23T17:00+01:00"),
    ("start at closing", OFFICE, "2026-11-23T17:00+01:00", 1, "2026-11-24T09:01+01:00"),
    ("start before opening", OFFICE, "2026-11-23T07:30+01:00", 30, "2026-11-23T09:30+01:00"),
    ("start at night", OFFICE, "2026-11-23T23:00+01:00", 60, "2026-11-24T10:00+01:00"),
    ("over the weekend", OFFICE, "2026-11-27T16:00+01:00", 120, "2026-11-30T10:00+01:00"),
    ("start on saturday", OFFICE, "2026-11-28T12:00+01:00", 1, "2026-11-30T09:01+01:00"),
    ("sunday night start", OFFICE, "2026-11-29T23:59+01:00", 480, "2026-11-30T17:00+01:00"),
    ("over two holidays", OFFICE, "2026-12-23T16:00+01:00", 120, "2026-12-28T10:00+01:00"),
    ("start on a holiday", OFFICE, "2026-12-24T10:00+01:00", 60, "2026-12-28T10:00+01:00"),
    ("one working week", OFFICE, "2026-11-23T09:00+01:00", 2400, "2026-11-27T17:00+01:00"),
    ("two working weeks", OFFICE, "2026-11-23T09:00+01:00", 4800, "2026-12-04T17:00+01:00"),
    ("seven days over xmas", OFFICE, "2026-12-21T09:00+01:00", 3360, "2026-12-31T17:00+01:00"),
    ("over new year", OFFICE, "2026-12-21T09:00+01:00", 3361, "2027-01-04T09:01+01:00"),
    ("zero minutes", OFFICE, "2026-11-28T12:00+01:00", 0, "2026-11-28T12:00+01:00"),
    ("seconds round up", OFFICE, "2026-11-23T10:00:30+01:00", 1, "2026-11-23T10:02+01:00"),
    # 525600 min = 219 weeks of 2400; 3 holidays push it 3 days: Wed of week 220.
    ("a year of minutes", OFFICE, "2026-11-23T09:00+01:00", 525600, "2031-02-05T17:00+01:00"),
    ("office over spring dst", OFFICE, "2026-03-27T16:00+01:00", 120, "2026-03-30T10:00+02:00"),
    ("office over autumn dst", OFFICE, "2026-10-23T16:00+02:00", 120, "2026-10-26T10:00+01:00"),
    # --- Two intervals a day (lunch break) and a Saturday ---
    ("until lunch", LUNCH, "2026-11-23T11:30+01:00", 30, "2026-11-23T12:00+01:00"),
    ("over lunch", LUNCH, "2026-11-23T11:30+01:00", 31, "2026-11-23T13:01+01:00"),
    ("start in lunch", LUNCH, "2026-11-23T12:30+01:00", 10, "2026-11-23T13:10+01:00"),
    ("start at end of morning", LUNCH, "2026-11-23T12:00+01:00", 1, "2026-11-23T13:01+01:00"),
    ("start at end of lunch", LUNCH, "2026-11-23T13:00+01:00", 180, "2026-11-23T16:00+01:00"),
    ("to next morning", LUNCH, "2026-11-23T11:00+01:00", 420, "2026-11-24T11:00+01:00"),
    ("friday into saturday", LUNCH, "2026-11-27T15:00+01:00", 120, "2026-11-28T11:00+01:00"),
    ("saturday into monday", LUNCH, "2026-11-28T13:00+01:00", 90, "2026-11-30T08:30+01:00"),
    # --- Night shift with an interval ending at 24:00 ---
    ("evening start", NIGHT, "2026-11-23T21:00+00:00", 60, "2026-11-23T23:00+00:00"),
    ("over midnight", NIGHT, "2026-11-23T23:00+00:00", 120, "2026-11-24T01:00+00:00"),
    ("ends at 24:00", NIGHT, "2026-11-23T23:30+00:00", 30, "2026-11-24T00:00+00:00"),
    ("morning to evening", NIGHT, "2026-11-24T05:00+00:00", 120, "2026-11-24T23:00+00:00"),
    ("from midnight", NIGHT, "2026-11-24T00:00+00:00", 360, "2026-11-24T06:00+00:00"),
    # --- DST, Warsaw, 24/7: the missing hour counts nothing, the repeated one twice ---
    ("waw spring 24/7", ALWAYS_WAW, "2026-03-28T23:00+01:00", 180, "2026-03-29T03:00+02:00"),
    ("waw autumn 24/7", ALWAYS_WAW, "2026-10-24T23:00+02:00", 240, "2026-10-25T02:00+01:00"),
    # --- DST, Warsaw, hours 01:00-04:00 around the changed hour ---
    ("waw spring early", EARLY_WAW, "2026-03-29T01:00+01:00", 120, "2026-03-29T04:00+02:00"),
    ("waw spring next day", EARLY_WAW, "2026-03-29T01:00+01:00", 121, "2026-03-30T01:01+02:00"),
    ("waw spring after gap", EARLY_WAW, "2026-03-29T03:30+02:00", 60, "2026-03-30T01:30+02:00"),
    ("waw autumn twice", EARLY_WAW, "2026-10-25T01:00+02:00", 180, "2026-10-25T03:00+01:00"),
    ("waw autumn all", EARLY_WAW, "2026-10-25T01:00+02:00", 240, "2026-10-25T04:00+01:00"),
    ("waw autumn 2nd 02:30", EARLY_WAW, "2026-10-25T02:30+01:00", 60, "2026-10-25T03:30+01:00"),
    ("waw autumn 1st 02:30", EARLY_WAW, "2026-10-25T02:30+02:00", 60, "2026-10-25T02:30+01:00"),
    # --- DST, New York ---
    ("ny spring 24/7", ALWAYS_NY, "2026-03-07T23:00-05:00", 240, "2026-03-08T04:00-04:00"),
    ("ny autumn 24/7", ALWAYS_NY, "2026-10-31T23:00-04:00", 180, "2026-11-01T01:00-05:00"),
    ("ny spring early", EARLY_NY, "2026-03-08T01:00-05:00", 180, "2026-03-09T02:00-04:00"),
    ("ny autumn early", EARLY_NY, "2026-11-01T01:00-04:00", 60, "2026-11-01T01:00-05:00"),
    ("ny autumn early 2h", EARLY_NY, "2026-11-01T01:00-04:00", 120, "2026-11-01T02:00-05:00"),
    ("ny autumn early all", EARLY_NY, "2026-11-01T01:00-04:00", 240, "2026-11-01T04:00-05:00"),
    ("ny office over dst", NY_OFFICE, "2026-10-30T15:00-04:00", 180, "2026-11-02T10:00-05:00"),
]


@pytest.mark.parametrize(
    ("calendar", "start", "minutes", "expected"),
    [pytest.param(c, s, m, e, id=name) for name, c, s, m, e in ADD_CASES],
)
def test_add_business_minutes(calendar: Calendar, start: str, minutes: int, expected: str) -> None:
    assert add_business_minutes(calendar, t(start), minutes) == t(expected)


BETWEEN_CASES = [
    ("one hour", OFFICE, "2026-11-23T10:00+01:00", "2026-11-23T11:00+01:00", 60),
    ("over weekend", OFFICE, "2026-11-27T16:00+01:00", "2026-11-30T10:00+01:00", 120),
    ("weekend only", OFFICE, "2026-11-28T00:00+01:00", "2026-11-30T00:00+01:00", 0),
    ("end before start", OFFICE, "2026-11-23T11:00+01:00", "2026-11-23T10:00+01:00", 0),
    ("equal ends", OFFICE, "2026-11-23T11:00+01:00", "2026-11-23T11:00+01:00", 0),
    ("a week", OFFICE, "2026-11-23T00:00+01:00", "2026-11-30T00:00+01:00", 2400),
    ("two weeks of xmas", OFFICE, "2026-12-21T00:00+01:00", "2027-01-04T00:00+01:00", 3360),
    ("seconds", OFFICE, "2026-11-23T10:00:30+01:00", "2026-11-23T10:05:10+01:00", 4),
    ("lunch day", LUNCH, "2026-11-23T00:00+01:00", "2026-11-24T00:00+01:00", 420),
    ("lunch week", LUNCH, "2026-11-23T00:00+01:00", "2026-11-30T00:00+01:00", 2340),
    ("night day", NIGHT, "2026-11-23T00:00+00:00", "2026-11-24T00:00+00:00", 480),
    ("waw spring day 24/7", ALWAYS_WAW, "2026-03-29T00:00+01:00", "2026-03-30T00:00+02:00", 1380),
    ("waw autumn day 24/7", ALWAYS_WAW, "2026-10-25T00:00+02:00", "2026-10-26T00:00+01:00", 1500),
    ("waw spring early day", EARLY_WAW, "2026-03-29T00:00+01:00", "2026-03-30T00:00+02:00", 120),
    ("waw autumn early day", EARLY_WAW, "2026-10-25T00:00+02:00", "2026-10-26T00:00+01:00", 240),
    ("ny spring early day", EARLY_NY, "2026-03-08T00:00-05:00", "2026-03-09T00:00-04:00", 120),
    ("ny autumn early day", EARLY_NY, "2026-11-01T00:00-04:00", "2026-11-02T00:00-05:00", 240),
    ("ny autumn day 24/7", ALWAYS_NY, "2026-11-01T00:00-04:00", "2026-11-02T00:00-05:00", 1500),
    ("office a year", OFFICE, "2026-11-23T09:00+01:00", "2031-02-05T17:00+01:00", 525600),
]


@pytest.mark.parametrize(
    ("calendar", "start", "end", "expected"),
    [pytest.param(c, s, e, m, id=name) for name, c, s, e, m in BETWEEN_CASES],
)
def test_business_minutes_between(calendar: Calendar, start: str, end: str, expected: int) -> None:
    assert business_minutes_between(calendar, t(start), t(end)) == expected


@pytest.mark.parametrize("calendar", [OFFICE, LUNCH, NIGHT, ALWAYS_WAW, EARLY_WAW, EARLY_NY])
def test_add_then_between_round_trips(calendar: Calendar) -> None:
    rng = random.Random(calendar.timezone + str(sorted(calendar.hours.items())))
    base = datetime.fromisoformat("2026-01-01T00:00+00:00")
    for _ in range(150):
        start = base + timedelta(
            minutes=rng.randrange(0, 2 * 366 * 1440), seconds=rng.choice([0, 17])
        )
        minutes = rng.choice([1, 7, 59, 60, 480, 481, 2400, rng.randrange(1, 30_000)])
        due = add_business_minutes(calendar, start, minutes)
        assert due.second == 0 and due.microsecond == 0
        assert business_minutes_between(calendar, start, due) == minutes
        # Not a minute earlier would do.
        assert business_minutes_between(calendar, start, due - timedelta(minutes=1)) == minutes - 1
        # Splitting the target anywhere gives the same due time.
        part = rng.randrange(0, minutes + 1)
        assert (
            add_business_minutes(
                calendar, add_business_minutes(calendar, start, part), minutes - part
            )
            == due
        )


def test_always_counts_real_minutes() -> None:
    calendar = Calendar.always("Europe/Warsaw")
    start = t("2026-10-24T12:00+00:00")
    assert add_business_minutes(calendar, start, 1440) == t("2026-10-25T12:00+00:00")


def test_bad_calendars_are_refused() -> None:
    with pytest.raises(ValueError, match="at least one business minute"):
        Calendar(timezone="UTC", hours={})
    with pytest.raises(ValueError, match="overlap"):
        Calendar(timezone="UTC", hours={0: ((540, 720), (700, 800))})
    with pytest.raises(ValueError, match="inside a day"):
        Calendar(timezone="UTC", hours={0: ((540, 1441),)})
    with pytest.raises(ValueError):
        Calendar(timezone="Mars/Olympus", hours={0: ((540, 600),)})


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        add_business_minutes(OFFICE, datetime(2026, 11, 23, 10, 0), 5)  # noqa: DTZ001


def test_a_target_beyond_the_horizon_is_a_value_error() -> None:
    # One business minute a week, every Monday a holiday for years: unreachable.
    mondays = frozenset(date(2026, 11, 23) + timedelta(weeks=n) for n in range(2000))
    calendar = Calendar(timezone="UTC", hours={0: ((540, 541),)}, holidays=mondays)
    with pytest.raises(ValueError, match="too few business hours"):
        add_business_minutes(calendar, t("2026-11-23T00:00+00:00"), 1)
