"""Service desk KPIs over a period, a team and a category: SQL aggregates, no ticket loop.

Every duration was stored when its event happened (workflows/metrics.py); every cohort is
one aggregate over an index on the organization and the cohort's date. The definitions
(which tickets count, which clock) are in docs/reporting.md; keep the two in step.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Avg, Count, F, Q, QuerySet
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


def kpis(scope: Scope) -> Kpis:
    """The KPIs of `scope` (eight aggregates, each over its cohort's index)."""
    tickets = _tickets(scope)
    responded = tickets.filter(**_within("first_responded_at", scope)).aggregate(
        n=Count("id"),
        business=Avg("first_response_business_seconds"),
        calendar=Avg("first_response_seconds"),
    )
    resolved = tickets.filter(**_within("resolved_at", scope)).aggregate(
        n=Count("id"),
        business=Avg("resolution_business_seconds"),
        calendar=Avg("resolution_seconds"),
    )
    reopens = tickets.filter(**_within("first_resolved_at", scope)).aggregate(
        n=Count("id"), reopened=Count("id", filter=Q(reopen_count__gt=0))
    )
    created = tickets.filter(**_within("created_at", scope)).count()
    backlog = (
        tickets.filter(created_at__lt=scope.end)
        .filter(Q(resolved_at__isnull=True) | Q(resolved_at__gte=scope.end))
        .count()
    )
    fr_late = Q(first_response_breached=True) | Q(first_responded_at__gt=F("first_response_due_at"))
    first_response = tickets.filter(**_within("first_response_due_at", scope)).aggregate(
        met=Count("id", filter=Q(first_responded_at__isnull=False) & ~fr_late),
        breached=Count("id", filter=fr_late),
    )
    res_late = Q(resolution_breached=True) | Q(resolved_at__gt=F("resolution_due_at"))
    resolution = tickets.filter(**_within("resolution_due_at", scope)).aggregate(
        met=Count("id", filter=Q(resolved_at__isnull=False) & ~res_late),
        breached=Count("id", filter=res_late),
    )
    csat = _csat(scope)
    return Kpis(
        mtta_minutes=_minutes(responded["business"]),
        mtta_calendar_minutes=_minutes(responded["calendar"]),
        mttr_minutes=_minutes(resolved["business"]),
        mttr_calendar_minutes=_minutes(resolved["calendar"]),
        responded=responded["n"],
        reopened=reopens["reopened"],
        first_resolved=reopens["n"],
        sla_first_response=SlaCount(first_response["met"], first_response["breached"]),
        sla_resolution=SlaCount(resolution["met"], resolution["breached"]),
        tickets_created=created,
        tickets_resolved=resolved["n"],
        backlog=backlog,
        **csat,
    )


def _csat(scope: Scope) -> dict[str, Any]:
    surveys = CsatSurvey.objects.filter(organization_id=scope.organization_id)
    if scope.team_id is not None:
        surveys = surveys.filter(ticket__team_id=scope.team_id)
    if scope.category_id is not None:
        surveys = surveys.filter(ticket__category_id=scope.category_id)
    answers = surveys.filter(**_within("answered_at", scope)).aggregate(
        n=Count("id"), average=Avg("score"), satisfied=Count("id", filter=Q(score__gte=SATISFIED))
    )
    sent = surveys.filter(**_within("sent_at", scope)).aggregate(
        tickets=Count("ticket", distinct=True),
        answered=Count("ticket", distinct=True, filter=Q(answered_at__isnull=False)),
    )
    average = answers["average"]
    return {
        "csat_answers": answers["n"],
        "csat_average": None if average is None else round(float(average), 2),
        "csat_satisfied": answers["satisfied"],
        "csat_tickets_surveyed": sent["tickets"],
        "csat_tickets_answered": sent["answered"],
    }
