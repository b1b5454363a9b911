"""Business-time arithmetic: pure functions, no database.

Definition (api.md, SLA): business time is counted in real elapsed minutes whose
local wall-clock time, in the calendar's time zone, falls inside an interval of
that weekday, on a local date that is not a holiday. So a start outside business
time counts from the next business minute, a due time is the instant at which the
target's minutes have elapsed, a local hour that does not exist (spring forward)
counts nothing and a local hour that happens twice (fall back) counts twice.

Minutes are whole minutes: a start with seconds counts from the next whole minute,
and `business_minutes_between` counts the whole minutes up to `end`, so due times
always fall on a minute and `business_minutes_between(c, s, add_business_minutes(c, s, n)) == n`.

How: the real timeline is split into stretches of constant UTC offset (found by
probing the offset once per day and bisecting the day on which it changes). Inside
a stretch local time is real time plus the offset, so each local business interval
maps to one real interval; days are taken whole (no minute-by-minute loop).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MINUTES_PER_DAY = 1440
# How far ahead a due time is searched before giving up (a calendar with almost no
# business hours and many holidays); callers treat the ValueError as "no deadline".
HORIZON_DAYS = 366 * 30
_DAY = timedelta(days=1)
_MINUTE = timedelta(minutes=1)
_PIECE = timedelta(days=28)

Intervals = tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class Calendar:
    """Weekly business hours (weekday 0=Mon -> (start_minute, end_minute), end <= 1440),
    holidays (local dates) and the time zone they are read in."""

    timezone: str
    hours: Mapping[int, Intervals]
    holidays: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"Unknown time zone {self.timezone!r}.") from exc
        total = 0
        for weekday, intervals in self.hours.items():
            if weekday not in range(7):
                raise ValueError(f"Weekday {weekday} is not 0..6.")
            previous_end = -1
            for start, end in intervals:
                if not (0 <= start < end <= MINUTES_PER_DAY):
                    raise ValueError(f"Interval {start}-{end} is not inside a day.")
                if start < previous_end:
                    raise ValueError("Intervals of a day must be sorted and must not overlap.")
                previous_end = end
                total += end - start
        if total == 0:
            raise ValueError("A calendar needs at least one business minute a week.")

    @classmethod
    def always(cls, tz: str = "UTC") -> Calendar:
        """24/7: every minute is business time."""
        return cls(timezone=tz, hours=dict.fromkeys(range(7), ((0, MINUTES_PER_DAY),)))

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def _aware(moment: datetime, name: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware.")
    return moment.astimezone(UTC)


def _ceil_minute(moment: datetime) -> datetime:
    floor = moment.replace(second=0, microsecond=0)
    return floor if floor == moment else floor + _MINUTE


def _floor_minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def _offset(zone: ZoneInfo, moment: datetime) -> timedelta:
    offset = moment.astimezone(zone).utcoffset()
    assert offset is not None  # noqa: S101 - ZoneInfo always has an offset
    return offset


def _stretches(
    zone: ZoneInfo, start: datetime, horizon: datetime
) -> Iterator[tuple[datetime, datetime, timedelta]]:
    """(real_start, real_end, utc_offset) pieces of [start, horizon) with a constant offset."""
    cursor = start
    offset = _offset(zone, cursor)
    probe = cursor
    while cursor < horizon:
        # Walk a day at a time until the offset differs, then bisect that day to the
        # second. Long stretches are handed out in pieces so callers start early.
        nxt = min(probe + _DAY, horizon)
        if _offset(zone, nxt) == offset:
            if nxt >= horizon or nxt - cursor >= _PIECE:
                yield cursor, nxt, offset
                cursor = nxt
            probe = nxt
            continue
        low, high = probe, nxt
        while high - low > timedelta(seconds=1):
            middle = (low + (high - low) / 2).replace(microsecond=0)
            if middle <= low:
                break
            if _offset(zone, middle) == offset:
                low = middle
            else:
                high = middle
        yield cursor, high, offset
        cursor, probe = high, high
        offset = _offset(zone, cursor)


def _segments(
    cal: Calendar, start: datetime, horizon: datetime
) -> Iterator[tuple[datetime, datetime]]:
    """Real-time business intervals in [start, horizon), in order."""
    zone = cal.zone
    for real_start, real_end, offset in _stretches(zone, start, horizon):
        local_start = (real_start + offset).replace(tzinfo=None)
        local_end = (real_end + offset).replace(tzinfo=None)
        day = local_start.date()
        while True:
            day_start = datetime.combine(day, time())
            if day_start >= local_end:
                break
            if day not in cal.holidays:
                for open_minute, close_minute in cal.hours.get(day.weekday(), ()):
                    seg_start = max(day_start + timedelta(minutes=open_minute), local_start)
                    seg_end = min(day_start + timedelta(minutes=close_minute), local_end)
                    if seg_start < seg_end:
                        yield (
                            (seg_start - offset).replace(tzinfo=UTC),
                            (seg_end - offset).replace(tzinfo=UTC),
                        )
            day += _DAY


def add_business_minutes(cal: Calendar, start: datetime, minutes: int) -> datetime:
    """The instant (UTC) at which `minutes` business minutes have elapsed since `start`.

    Zero minutes from a start outside business time is the start itself (rounded up
    to the minute). Raises ValueError when the target lies beyond HORIZON_DAYS.
    """
    if minutes < 0:
        raise ValueError("minutes must be >= 0.")
    try:
        begin = _ceil_minute(_aware(start, "start"))
        if minutes == 0:
            return begin
        remaining = timedelta(minutes=minutes)
        horizon = begin + timedelta(days=HORIZON_DAYS)
        for seg_start, seg_end in _segments(cal, begin, horizon):
            length = seg_end - seg_start
            if remaining <= length:
                return seg_start + remaining
            remaining -= length
    except OverflowError:
        pass  # near datetime.max: as unreachable as beyond the horizon
    raise ValueError("The calendar has too few business hours to reach this target.")


def business_minutes_between(cal: Calendar, start: datetime, end: datetime) -> int:
    """Whole business minutes elapsed from `start` to `end` (0 if end <= start)."""
    try:
        begin = _ceil_minute(_aware(start, "start"))
        finish = _floor_minute(_aware(end, "end"))
        if finish <= begin:
            return 0
        total = timedelta()
        for seg_start, seg_end in _segments(cal, begin, finish):
            total += seg_end - seg_start
    except OverflowError as exc:
        raise ValueError("Instants too close to the end of time.") from exc
    return int(total.total_seconds() // 60)


def business_seconds_between(cal: Calendar, start: datetime, end: datetime) -> int:
    """Business seconds elapsed from `start` to `end`, to the second (0 if end <= start).

    The exact measure reports store (durations, not deadlines): no rounding to minutes.
    """
    begin = _aware(start, "start").replace(microsecond=0)
    finish = _aware(end, "end").replace(microsecond=0)
    if finish <= begin:
        return 0
    total = timedelta()
    try:
        for seg_start, seg_end in _segments(cal, begin, finish):
            total += seg_end - seg_start
    except OverflowError as exc:
        raise ValueError("Instants too close to the end of time.") from exc
    return int(total.total_seconds())
