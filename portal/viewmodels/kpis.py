"""The dashboard's key figures (reporting.kpis) as cards and an SLA compliance chart."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from reporting import kpis
from ruledesk import errors
from ruledesk.access import policy
from ruledesk.tenancy.models import User

OPTIONS_MAX = 100  # ui.md: a <select> never offers more
CHART_WIDTH = 640
LABEL_WIDTH = 200
BAR_SPAN = CHART_WIDTH - LABEL_WIDTH - 70


@dataclass(frozen=True)
class SlaBar:
    y: int
    width: float
    target: str  # "first_response" | "resolution"
    met: int
    breached: int
    rate: int | None  # percent


@dataclass(frozen=True)
class KeyFigures:
    figures: kpis.Kpis
    bars: list[SlaBar]
    height: int
    team_options: list[Any]
    category_options: list[Any]
    team_id: int | None
    category_id: int | None
    width: int = CHART_WIDTH
    label_width: int = LABEL_WIDTH


def _id(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isascii() and raw.isdigit() and len(raw) < 16 else None


def _percent(value: float | None) -> int | None:
    return None if value is None else round(value * 100)


def key_figures(
    actor: User, *, start: datetime, end: datetime, team: str | None, category: str | None
) -> KeyFigures | None:
    """The KPIs of [start, end) for the chosen team and category; None without `reports.view`.

    A team or category that is not the organization's is dropped (shown as "all").
    """
    if not policy.can(actor, "reports.view"):
        return None
    team_id, category_id = _id(team), _id(category)
    try:
        scope = kpis.scope_for(
            actor=actor, start=start, end=end, team_id=team_id, category_id=category_id
        )
    except errors.ValidationFailed:
        team_id = category_id = None
        scope = kpis.scope_for(actor=actor, start=start, end=end)
    figures = kpis.kpis(scope)
    bars = []
    for index, (target, count) in enumerate(
        (("first_response", figures.sla_first_response), ("resolution", figures.sla_resolution))
    ):
        rate = _percent(count.compliance)
        bars.append(
            SlaBar(
                8 + index * 26,
                round(BAR_SPAN * (rate or 0) / 100, 1),
                target,
                count.met,
                count.breached,
                rate,
            )
        )
    teams, categories = kpis.filter_options(actor, OPTIONS_MAX)
    return KeyFigures(
        figures=figures,
        bars=bars,
        height=8 + 2 * 26 + 4,
        team_options=teams,
        category_options=categories,
        team_id=team_id,
        category_id=category_id,
    )


def period(now: datetime, days: int) -> tuple[datetime, datetime]:
    return now - timedelta(days=days), now
