"""Service desk KPIs over a period, a team and a category: SQL aggregates, no ticket loop.

Every duration was stored when its event happened (workflows/metrics.py); every cohort is
one aggregate over an index on the organization and the cohort's date. The definitions
(which tickets count, which clock) are in docs/reporting.md; keep the two in step.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import Avg, Count, F, Q, QuerySet, Value
from django.utils.translation import gettext as _

from reporting.models import CsatSurvey
from ruledesk import errors
from ruledesk.access import policy
from ruledesk.tenancy.models import Team, User
from workflows.models import Category, Ticket

SATISFIED = 4  # scores 4 and 5 count as satisfied (Zendesk's good)


@dataclass(frozen=True)
class Scope:
    organization_id: int
    start: datetime  # inclusive
    end: datetime  # exclusive
    team_id: int | None = None
    category_id: int | None = None


@dataclass(frozen=True)
class SlaCount:
    met: int
    breached: int

    @property
    def compliance(self) -> float | None:
        total = self.met + self.breached
        return ratio(self.met, total)


@dataclass(frozen=True)
class Kpis:
    mtta_minutes: float | None  # business
    mtta_calendar_minutes: float | None
    mttr_minutes: float | None  # business
    mttr_calendar_minutes: float | None
    responded: int
    reopened: int
    first_resolved: int
    sla_first_response: SlaCount
    sla_resolution: SlaCount
    csat_answers: int
    csat_average: float | None
    csat_satisfied: int
    csat_tickets_surveyed: int
    csat_tickets_answered: int
    tickets_created: int
    tickets_resolved: int
    backlog: int

    @property
    def reopen_rate(self) -> float | None:
        return ratio(self.reopened, self.first_resolved)

    @property
    def sla_compliance(self) -> float | None:
        fr, res = self.sla_first_response, self.sla_resolution
        return ratio(fr.met + res.met, fr.met + fr.breached + res.met + res.breached)

    @property
    def csat_satisfied_rate(self) -> float | None:
        return ratio(self.csat_satisfied, self.csat_answers)

    @property
    def csat_response_rate(self) -> float | None:
        return ratio(self.csat_tickets_answered, self.csat_tickets_surveyed)


def ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _minutes(seconds: Any) -> float | None:
    return None if seconds is None else round(float(seconds) / 60, 2)


def scope_for(
    *,
    actor: User,
    start: datetime,
    end: datetime,
    team_id: int | None = None,
    category_id: int | None = None,
) -> Scope:
    """Check the caller may see reports and that the filters name its own team/category."""
    policy.require(actor, "reports.view")
    if actor.organization_id is None:
        raise errors.PermissionDenied()
    org_id = actor.organization_id
    if end <= start:
        raise errors.ValidationFailed.on("to", _("Must be later than from."), "invalid")
    if team_id is not None and not Team.objects.filter(organization_id=org_id, pk=team_id).exists():
        raise errors.ValidationFailed.on("team", _("No such team."), "does_not_exist")
    if (
        category_id is not None
        and not Category.objects.filter(organization_id=org_id, pk=category_id).exists()
    ):
        raise errors.ValidationFailed.on("category", _("No such category."), "does_not_exist")
    return Scope(org_id, start, end, team_id, category_id)


def _tickets(scope: Scope) -> QuerySet[Ticket]:
    tickets = Ticket.objects.filter(organization_id=scope.organization_id)
    if scope.team_id is not None:
        tickets = tickets.filter(team_id=scope.team_id)
    if scope.category_id is not None:
        tickets = tickets.filter(category_id=scope.category_id)
    return tickets


def _within(field: str, scope: Scope) -> dict[str, datetime]:
    return {f"{field}__gte": scope.start, f"{field}__lt": scope.end}


def _between(field: str, scope: Scope) -> Q:
    return Q(**_within(field, scope))


def kpis(scope: Scope) -> Kpis:
    """The KPIs of `scope` in one statement: an aggregate over tickets and one over surveys.

    Each cohort is a FILTER of its aggregate; each WHERE clause is the union of the cohorts,
    each the range of an index on (organization, cohort date), which PostgreSQL combines
    with a bitmap OR. The two aggregates are joined into one row (one round trip: the
    dashboard's query budget).
    """
    created = _between("created_at", scope)
    responded = _between("first_responded_at", scope)
    resolved = _between("resolved_at", scope)
    first_resolved = _between("first_resolved_at", scope)
    fr_due = _between("first_response_due_at", scope)
    res_due = _between("resolution_due_at", scope)
    open_at_end = Q(created_at__lt=scope.end) & (
        Q(resolved_at__isnull=True) | Q(resolved_at__gte=scope.end)
    )
    fr_late = Q(first_response_breached=True) | Q(first_responded_at__gt=F("first_response_due_at"))
    res_late = Q(resolution_breached=True) | Q(resolved_at__gt=F("resolution_due_at"))
    tickets = (
        _tickets(scope)
        .filter(created | responded | resolved | first_resolved | fr_due | res_due | open_at_end)
        .values("organization_id")
        .annotate(
            created=Count("id", filter=created),
            responded=Count("id", filter=responded),
            mtta=Avg("first_response_business_seconds", filter=responded),
            mtta_calendar=Avg("first_response_seconds", filter=responded),
            resolved=Count("id", filter=resolved),
            mttr=Avg("resolution_business_seconds", filter=resolved),
            mttr_calendar=Avg("resolution_seconds", filter=resolved),
            first_resolved=Count("id", filter=first_resolved),
            reopened=Count("id", filter=first_resolved & Q(reopen_count__gt=0)),
            backlog=Count("id", filter=open_at_end),
            fr_met=Count("id", filter=fr_due & Q(first_responded_at__isnull=False) & ~fr_late),
            fr_breached=Count("id", filter=fr_due & fr_late),
            res_met=Count("id", filter=res_due & Q(resolved_at__isnull=False) & ~res_late),
            res_breached=Count("id", filter=res_due & res_late),
        )
        .values(*TICKET_FIGURES)
    )
    row = _one_row(tickets, _csat(scope))
    return Kpis(
        mtta_minutes=_minutes(row["mtta"]),
        mtta_calendar_minutes=_minutes(row["mtta_calendar"]),
        mttr_minutes=_minutes(row["mttr"]),
        mttr_calendar_minutes=_minutes(row["mttr_calendar"]),
        responded=row["responded"],
        reopened=row["reopened"],
        first_resolved=row["first_resolved"],
        sla_first_response=SlaCount(row["fr_met"], row["fr_breached"]),
        sla_resolution=SlaCount(row["res_met"], row["res_breached"]),
        tickets_created=row["created"],
        tickets_resolved=row["resolved"],
        backlog=row["backlog"],
        csat_answers=row["csat_answers"],
        csat_average=None if row["csat_average"] is None else round(float(row["csat_average"]), 2),
        csat_satisfied=row["csat_satisfied"],
        csat_tickets_surveyed=row["csat_tickets_surveyed"],
        csat_tickets_answered=row["csat_tickets_answered"],
    )


TICKET_FIGURES = (
    "created",
    "responded",
    "mtta",
    "mtta_calendar",
    "resolved",
    "mttr",
    "mttr_calendar",
    "first_resolved",
    "reopened",
    "backlog",
    "fr_met",
    "fr_breached",
    "res_met",
    "res_breached",
)
CSAT_FIGURES = (
    "csat_answers",
    "csat_average",
    "csat_satisfied",
    "csat_tickets_surveyed",
    "csat_tickets_answered",
)
AVERAGES = ("mtta", "mtta_calendar", "mttr", "mttr_calendar", "csat_average")


def _one_row(tickets: QuerySet[Any], surveys: QuerySet[Any]) -> dict[str, Any]:
    """Both grouped aggregates (at most one row each) side by side; empty cohorts as 0/None."""
    t_sql, t_params = tickets.query.sql_with_params()
    c_sql, c_params = surveys.query.sql_with_params()
    sql = f"SELECT t.*, c.* FROM ({t_sql}) AS t FULL JOIN ({c_sql}) AS c ON TRUE"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [*t_params, *c_params])
        found = cursor.fetchone()
        names = [column.name for column in cursor.description]
    values = dict(zip(names, found, strict=True)) if found else {}
    return {
        name: values.get(name) if name in AVERAGES else values.get(name) or 0
        for name in (*TICKET_FIGURES, *CSAT_FIGURES)
    }


def _csat(scope: Scope) -> QuerySet[Any]:
    surveys = CsatSurvey.objects.filter(organization_id=scope.organization_id)
    if scope.team_id is not None:
        surveys = surveys.filter(ticket__team_id=scope.team_id)
    if scope.category_id is not None:
        surveys = surveys.filter(ticket__category_id=scope.category_id)
    answered = _between("answered_at", scope)
    sent = _between("sent_at", scope)
    grouped: QuerySet[Any] = (
        surveys.filter(answered | sent)
        .values("organization_id")
        .annotate(
            csat_answers=Count("id", filter=answered),
            csat_average=Avg("score", filter=answered),
            csat_satisfied=Count("id", filter=answered & Q(score__gte=SATISFIED)),
            csat_tickets_surveyed=Count("ticket", distinct=True, filter=sent),
            csat_tickets_answered=Count(
                "ticket", distinct=True, filter=sent & Q(answered_at__isnull=False)
            ),
        )
        .values(*CSAT_FIGURES)
    )
    return grouped


def filter_options(actor: User, limit: int = 100) -> tuple[list[Any], list[Any]]:
    """The organization's teams and (live) categories by name, at most `limit` of each, in
    one query: the dashboard's filter choices."""
    org_id = actor.organization_id
    if org_id is None:
        return [], []
    teams = (
        Team.objects.filter(organization_id=org_id)
        .annotate(kind=Value("team"))
        .order_by("name", "pk")
        .values_list("kind", "pk", "name")[:limit]
    )
    categories = (
        Category.objects.filter(organization_id=org_id, is_archived=False)
        .annotate(kind=Value("category"))
        .order_by("name", "pk")
        .values_list("kind", "pk", "name")[:limit]
    )
    rows = list(teams.union(categories, all=True))
    return (
        [Option(pk, name) for kind, pk, name in rows if kind == "team"],
        [Option(pk, name) for kind, pk, name in rows if kind == "category"],
    )


@dataclass(frozen=True)
class Option:
    pk: int
    name: str
