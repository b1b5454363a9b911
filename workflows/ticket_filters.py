"""The ticket list's filters and orderings (api.md), validated: bad values are 400, never 500.

Shared by the list endpoint and by saved views, which store the same filters.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from django.db.models import DateTimeField, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from ruledesk import errors
from ruledesk.access import policy
from ruledesk.tenancy.models import User
from workflows import search
from workflows.models import Priority, Status, Ticket

# ordering parameter -> keyset ordering over indexed columns (id breaks ties).
ORDERINGS: dict[str, tuple[str, ...]] = {
    "created_at": ("created_at", "id"),
    "-created_at": ("-created_at", "-id"),
    "updated_at": ("updated_at", "id"),
    "-updated_at": ("-updated_at", "-id"),
    "priority": ("priority_rank", "id"),
    "-priority": ("-priority_rank", "-id"),
    # Tickets without a deadline sort last; the cursor needs a non-null key to page past them.
    "resolution_due_at": ("resolution_due_sort", "id"),
}
NO_DEADLINE = datetime(9999, 12, 31, tzinfo=UTC)
FILTER_NAMES = (
    "status",
    "priority",
    "category",
    "tag",
    "assignee",
    "team",
    "requester",
    "q",
    "sla",
    "created_after",
    "created_before",
)
DEFAULT_ORDERING = "-created_at"
# Until the SLA issue stores warning times, "at risk" means due within the hour.
AT_RISK_WINDOW = timedelta(hours=1)


def _int(name: str, raw: str) -> int:
    # isdigit() alone admits "²" and other digits int() refuses (a 500 before this check).
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 15:
        raise errors.ValidationFailed.on(name, "Must be a positive integer id.")
    return int(raw)


def _moment(name: str, raw: str) -> datetime:
    value: Any = None
    try:
        value = parse_datetime(raw) if len(raw) <= 40 else None
        if value is None:
            day = parse_date(raw) if len(raw) <= 10 else None
            value = datetime(day.year, day.month, day.day, tzinfo=UTC) if day else None
    except ValueError:
        value = None
    if value is None:
        raise errors.ValidationFailed.on(name, "Must be an ISO 8601 date or timestamp.")
    return value if timezone.is_aware(value) else timezone.make_aware(value, UTC)


def _choice(name: str, raw: str, choices: list[str]) -> list[str]:
    values = [v for v in raw.split(",") if v]
    for value in values:
        if value not in choices:
            raise errors.ValidationFailed.on(
                name, f"Must be one of {', '.join(choices)}.", "invalid_choice"
            )
    return values


def apply(tickets: QuerySet[Ticket], params: Any, actor: User) -> QuerySet[Ticket]:
    """Narrow `tickets` (already scoped to what the actor may see) by the list's query parameters."""
    if raw := params.get("status"):
        tickets = tickets.filter(status__in=_choice("status", raw, list(Status.values)))
    if raw := params.get("priority"):
        tickets = tickets.filter(priority__in=_choice("priority", raw, list(Priority.values)))
    if raw := params.get("category"):
        tickets = tickets.filter(category_id=_int("category", raw))
    if raw := params.get("team"):
        tickets = tickets.filter(team_id=_int("team", raw))
    if raw := params.get("requester"):
        tickets = tickets.filter(requester_id=_int("requester", raw))
    if raw := params.get("tag"):
        tickets = tickets.filter(tickettag__tag__name__iexact=raw[:50])
    if raw := params.get("assignee"):
        if raw == "me":
            tickets = tickets.filter(assignee=actor)
        elif raw == "none":
            tickets = tickets.filter(assignee__isnull=True)
        else:
            tickets = tickets.filter(assignee_id=_int("assignee", raw))
    if raw := params.get("sla"):
        tickets = _sla(tickets, _choice("sla", raw, ["breached", "at_risk", "ok"]))
    if raw := params.get("created_after"):
        tickets = tickets.filter(created_at__gte=_moment("created_after", raw))
    if raw := params.get("created_before"):
        tickets = tickets.filter(created_at__lt=_moment("created_before", raw))
    if raw := params.get("q"):
        include_internal = policy.can(actor, "comment.view_internal")
        tickets = search.matching(tickets, raw[:200], include_internal=include_internal)
    return tickets


def _sla(tickets: QuerySet[Ticket], states: list[str]) -> QuerySet[Ticket]:
    breached = Q(first_response_breached=True) | Q(resolution_breached=True)
    at_risk = (
        ~breached
        & Q(resolution_due_at__isnull=False)
        & Q(resolution_due_at__lte=timezone.now() + AT_RISK_WINDOW)
    )
    wanted = Q()
    for state in states:
        wanted |= {"breached": breached, "at_risk": at_risk, "ok": ~breached & ~at_risk}[state]
    return tickets.filter(wanted)


def with_sort_keys(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """Annotate the computed keys ORDERINGS may name (resolution_due_sort)."""
    return tickets.annotate(
        resolution_due_sort=Coalesce(
            "resolution_due_at", Value(NO_DEADLINE), output_field=DateTimeField()
        )
    )


def check_cursor_position(key: str, position: Any) -> None:
    """A forged cursor position on a computed key is a 400 (the model fields are checked upstream)."""
    if key != "resolution_due_sort":
        return
    try:
        valid = isinstance(position, str) and len(position) <= 40 and bool(parse_datetime(position))
    except ValueError:
        valid = False
    if not valid:
        raise errors.ValidationFailed.on("cursor", "Invalid cursor.")


def ordering(params: Any) -> tuple[str, ...]:
    raw = params.get("ordering") or DEFAULT_ORDERING
    if raw not in ORDERINGS:
        raise errors.ValidationFailed.on(
            "ordering", f"Must be one of {', '.join(ORDERINGS)}.", "invalid_choice"
        )
    return ORDERINGS[raw]
