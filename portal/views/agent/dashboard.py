"""The desk dashboard (my work, my teams' SLA compliance, charts) and the shortcut sheet page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from portal import access
from portal.http import render_page
from portal.viewmodels import dashboard as charts
from portal.viewmodels import kpis as key_figures
from ruledesk.tenancy.models import User
from workflows import dashboard as figures

HOURS = (1, 4, 8, 24)
PERIODS = (7, 30)


def _choice(raw: str | None, allowed: tuple[int, ...], default: int) -> int:
    return int(raw) if raw and raw.isdigit() and int(raw) in allowed else default


def _rows(actor: User, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    url = reverse("portal:desk-ticket", args=["X-0"]).replace("X-0", "{}")
    slug = access.member_organization(actor).slug.upper()
    for row in rows:
        row["display_number"] = f"{slug}-{row['number']}"
        row["url"] = url.format(row["display_number"])
        row["due"] = (
            row["first_response_due_at"]
            if row["first_responded_at"] is None and row["first_response_due_at"]
            else row["resolution_due_at"]
        )
    return rows


@access.requires_any(*access.DESK)
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    actor: User = request.user  # type: ignore[assignment]
    now = timezone.now()
    hours = _choice(request.GET.get("hours"), HOURS, 4)
    days = _choice(request.GET.get("days"), PERIODS, 7)
    teams = figures.my_teams(actor)
    compliance = figures.compliance(actor, teams, now, days)
    per_day = figures.created_vs_resolved(actor, teams, now, days)
    start, end = key_figures.period(now, days)
    kpi = key_figures.key_figures(
        actor,
        start=start,
        end=end,
        team=request.GET.get("team"),
        category=request.GET.get("category"),
    )
    context = {
        "hours": hours,
        "hours_choices": HOURS,
        "days": days,
        "period_choices": PERIODS,
        "due_soon": _rows(actor, figures.due_soon(actor, now, hours)),
        "breached": _rows(actor, figures.breached(actor)),
        "waiting": _rows(actor, figures.waiting_on_me(actor)),
        "teams": teams,
        "compliance": compliance,
        "rate_chart": charts.rate_chart(compliance),
        "per_day": per_day,
        "day_chart": charts.day_chart(per_day),
        "list_limit": figures.LIST_LIMIT,
        "kpi": kpi,
    }
    return render_page(request, "portal/agent/dashboard.html", context)


@access.requires_any(*access.DESK)
@require_GET
def shortcuts(request: HttpRequest) -> HttpResponse:
    """The shortcut sheet as a page, for when scripts are off or the key is not at hand."""
    return render_page(request, "portal/agent/shortcuts.html")
