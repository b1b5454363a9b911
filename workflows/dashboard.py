"""The desk dashboard's figures: my work, my teams' SLA compliance, created vs resolved.

Each figure is one SQL aggregate or one bounded list; the definitions shown next to the
figures on the page are the docstrings here, in words.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, F, Q
from django.db.models.functions import TruncDate

from ruledesk import errors
from ruledesk.tenancy.models import Organization, Team, TeamMembership, User
from workflows import selectors
from workflows.models import OPEN_STATUSES, Status, Ticket
from workflows.sla.selectors import BREACHED


def _org_id(actor: User) -> int:
    if actor.organization_id is None:  # platform operators have no desk
        raise errors.PermissionDenied()
    return actor.organization_id


ACTIVE_FOR_AGENT = (Status.NEW, Status.OPEN)
LIST_LIMIT = 10
_ROW = (
    "id",
    "number",
    "title",
    "status",
    "priority",
    "first_response_due_at",
    "resolution_due_at",
    "first_responded_at",
    "sla_paused",
)


def _mine(actor: User) -> Any:
    # `status IN (open statuses)`, not `NOT IN (resolved, closed)`: the same rows, but the
    # form the partial indexes on open tickets are defined with, so the planner uses them.
    return selectors.tickets_visible_to(actor).filter(assignee=actor, status__in=OPEN_STATUSES)


def due_soon(actor: User, now: datetime, hours: int) -> list[dict[str, Any]]:
    """Assigned to me, not breached, clock running, with a target due within `hours`:
    first response (while unanswered) or resolution. Soonest resolution target first."""
    horizon = now + timedelta(hours=hours)
    due = Q(first_responded_at__isnull=True, first_response_due_at__range=(now, horizon)) | Q(
        resolution_due_at__range=(now, horizon)
    )
    rows = _mine(actor).filter(due, sla_paused=False).exclude(BREACHED)
    return list(
        rows.order_by(F("resolution_due_at").asc(nulls_last=True), "id").values(*_ROW)[:LIST_LIMIT]
    )


def breached(actor: User) -> list[dict[str, Any]]:
    """Assigned to me, not resolved or closed, and a first response or resolution target
    has been missed. Oldest first."""
    rows = _mine(actor).filter(BREACHED)
    return list(rows.order_by("created_at", "id").values(*_ROW)[:LIST_LIMIT])


def waiting_on_me(actor: User) -> list[dict[str, Any]]:
    """Assigned to me and new or open: the next move is an agent's (not waiting on the
    requester, not done). Longest untouched first."""
    rows = _mine(actor).filter(status__in=ACTIVE_FOR_AGENT)
    return list(rows.order_by("updated_at", "id").values(*_ROW)[:LIST_LIMIT])


@dataclass(frozen=True)
class Compliance:
    team_id: int
    team: str
    first_response_met: int
    first_response_due: int
    resolution_met: int
    resolution_due: int

    @staticmethod
    def rate(met: int, due: int) -> int | None:
        return None if due == 0 else round(100 * met / due)

    @property
    def first_response_rate(self) -> int | None:
        return self.rate(self.first_response_met, self.first_response_due)

    @property
    def resolution_rate(self) -> int | None:
        return self.rate(self.resolution_met, self.resolution_due)


def my_teams(actor: User) -> list[Team]:
    ids = TeamMembership.objects.filter(user=actor).values("team_id")
    return list(Team.objects.filter(organization_id=_org_id(actor), pk__in=ids).order_by("name"))


def compliance(actor: User, teams: list[Team], now: datetime, days: int) -> list[Compliance]:
    """Per team, among the targets that fell due in the last `days` days (due time in
    [now - days, now)): how many were met. A first response target is met when the first
    response came by its due time and it was never flagged breached; a resolution target
    likewise with the resolution. One aggregate query over the organization's tickets."""
    if not teams:
        return []
    start = now - timedelta(days=days)
    fr_due = Q(first_response_due_at__gte=start, first_response_due_at__lt=now)
    res_due = Q(resolution_due_at__gte=start, resolution_due_at__lt=now)
    fr_met = fr_due & Q(
        first_responded_at__isnull=False,
        first_responded_at__lte=F("first_response_due_at"),
        first_response_breached=False,
    )
    res_met = res_due & Q(
        resolved_at__isnull=False,
        resolved_at__lte=F("resolution_due_at"),
        resolution_breached=False,
    )
    figures = {
        row["team_id"]: row
        for row in Ticket.objects.filter(
            Q(organization_id=_org_id(actor)),
            Q(team_id__in=[team.pk for team in teams]),
            fr_due | res_due,
        )
        .values("team_id")
        .annotate(
            fr_due=Count("id", filter=fr_due),
            fr_met=Count("id", filter=fr_met),
            res_due=Count("id", filter=res_due),
            res_met=Count("id", filter=res_met),
        )
        .order_by()
    }
    result = []
    for team in teams:
        row: Any = figures.get(team.pk, {})
        result.append(
            Compliance(
                team.pk,
                team.name,
                row.get("fr_met", 0),
                row.get("fr_due", 0),
                row.get("res_met", 0),
                row.get("res_due", 0),
            )
        )
    return result


@dataclass(frozen=True)
class Day:
    day: date
    created: int
    resolved: int


def created_vs_resolved(actor: User, teams: list[Team], now: datetime, days: int) -> list[Day]:
    """Per calendar day of the organization's time zone, over the last `days` days
    (today included): tickets of my teams created that day, and resolved that day
    (by their resolution time, whatever happened to them afterwards). Two aggregates."""
    zone = zoneinfo.ZoneInfo(Organization.objects.get(pk=_org_id(actor)).timezone)
    today = now.astimezone(zone).date()
    first = today - timedelta(days=days - 1)
    start = datetime(first.year, first.month, first.day, tzinfo=zone)
    team_ids = [team.pk for team in teams]
    tickets = Ticket.objects.filter(organization_id=_org_id(actor), team_id__in=team_ids)

    def per_day(field: str) -> dict[date, int]:
        return {
            row["day"]: row["n"]
            for row in tickets.filter(**{f"{field}__gte": start})
            .annotate(day=TruncDate(field, tzinfo=zone))
            .values("day")
            .annotate(n=Count("id"))
            .order_by()
        }

    created = per_day("created_at") if team_ids else {}
    resolved = per_day("resolved_at") if team_ids else {}
    return [
        Day(
            first + timedelta(days=i),
            created.get(first + timedelta(days=i), 0),
            resolved.get(first + timedelta(days=i), 0),
        )
        for i in range(days)
    ]
