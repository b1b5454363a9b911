"""The dashboard's charts as geometry for server-rendered SVG (no chart library, no JS)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.formats import date_format

from workflows.dashboard import Compliance, Day

WIDTH = 640
HEIGHT = 180
BASE = 150  # the x axis, from the top
TOP = 16


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: int
    series: str


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class DayChart:
    bars: list[Bar]
    ticks: list[Tick]
    peak: int
    width: int = WIDTH
    height: int = HEIGHT
    base: int = BASE


def day_chart(days: list[Day]) -> DayChart:
    """Created and resolved side by side per day, scaled to the busiest day."""
    peak = max([1, *(max(d.created, d.resolved) for d in days)])
    slot = WIDTH / max(1, len(days))
    bar = max(1.0, slot * 0.38)
    scale = (BASE - TOP) / peak
    bars: list[Bar] = []
    ticks: list[Tick] = []
    every = 1 if len(days) <= 10 else 5
    for i, day in enumerate(days):
        left = i * slot + slot * 0.1
        for offset, value, series in (
            (0.0, day.created, "created"),
            (bar, day.resolved, "resolved"),
        ):
            height = value * scale
            bars.append(
                Bar(
                    round(left + offset, 1),
                    round(BASE - height, 1),
                    round(bar, 1),
                    round(height, 1),
                    value,
                    series,
                )
            )
        if i % every == 0 or i == len(days) - 1:
            ticks.append(Tick(round(i * slot + slot / 2, 1), date_format(day.day, "j.m")))
    return DayChart(bars, ticks, peak)


@dataclass(frozen=True)
class RateBar:
    y: int
    width: float
    label: str
    rate: int | None
    series: str


@dataclass(frozen=True)
class RateChart:
    bars: list[RateBar]
    height: int
    width: int = WIDTH
    label_width: int = 280


def rate_chart(rows: list[Compliance]) -> RateChart:
    """Per team, first response and resolution compliance as bars of 0-100 %."""
    span = WIDTH - 280 - 70
    bars: list[RateBar] = []
    y = 8
    for row in rows:
        for rate, series in (
            (row.first_response_rate, "first"),
            (row.resolution_rate, "resolution"),
        ):
            bars.append(RateBar(y, round(span * (rate or 0) / 100, 1), row.team, rate, series))
            y += 18
        y += 10
    return RateChart(bars, y + 4)
