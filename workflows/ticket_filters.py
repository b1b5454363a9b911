"""The ticket list's filters and orderings (api.md), validated: bad values are 400, never 500.

Shared by the list endpoint and by saved views, which store the same filters.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.db.models import DateTimeField, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from ruledesk import errors
from ruledesk.access import policy
from ruledesk.keyset import SortKey
from ruledesk.tenancy.models import User
from workflows import search
from workflows.models import PRIORITY_RANK, Priority, Status, Ticket
from workflows.sla import selectors as sla_selectors

# What a missing deadline sorts as: after every real one. A literal (no query parameter), so
# PostgreSQL matches it with the expression index `ticket_org_res_due_key` in workflows/models.py.
NO_DEADLINE = RawSQL("'infinity'::timestamptz", (), output_field=DateTimeField())
# ordering parameter -> keyset ordering (id breaks ties); each has an index on
# (organization, keys..., id), so every page is one index range scan (ruledesk/keyset.py).
ORDERINGS: dict[str, tuple[str | SortKey, ...]] = {
    "created_at": ("created_at", "id"),
    "-created_at": ("-created_at", "-id"),
    "updated_at": ("updated_at", "id"),
    "-updated_at": ("-updated_at", "-id"),
    "priority": ("priority_rank", "id"),
    "-priority": ("-priority_rank", "-id"),
    # Tickets without a deadline sort last (NULLS LAST, as COALESCE(resolution_due_at, infinity)).
    "resolution_due_at": (SortKey("resolution_due_at", null_as=NO_DEADLINE), "id"),
}
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


def _int(name: str, raw: str) -> int:
    # isdigit() alone admits "²" and other digits int() refuses (a 500 before this check).
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 15:
        raise errors.ValidationFailed.on(name, _("Must be a positive integer id."))
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
        raise errors.ValidationFailed.on(name, _("Must be an ISO 8601 date or timestamp."))
    return value if timezone.is_aware(value) else timezone.make_aware(value, UTC)


def _choice(name: str, raw: str, choices: list[str]) -> list[str]:
    values = [v for v in raw.split(",") if v]
    for value in values:
        if value not in choices:
            raise errors.ValidationFailed.on(
                name,
                _("Must be one of %(choices)s.") % {"choices": ", ".join(choices)},
                "invalid_choice",
            )
    return values


def apply(tickets: QuerySet[Ticket], params: Any, actor: User) -> QuerySet[Ticket]:
    """Narrow `tickets` (already scoped to what the actor may see) by the list's query parameters."""
    if raw := params.get("status"):
        tickets = tickets.filter(status__in=_choice("status", raw, list(Status.values)))
    if raw := params.get("priority"):
        # On priority_rank (kept equal to priority by the services): the column the indexes
        # ticket_org_status_prio and ticket_org_prio carry, so a rare priority is an index range.
        chosen = _choice("priority", raw, list(Priority.values))
        tickets = tickets.filter(priority_rank__in=[PRIORITY_RANK[Priority(p)] for p in chosen])
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
    return tickets.filter(sla_selectors.sla_q(states, timezone.now()))


def ordering(params: Any) -> tuple[str | SortKey, ...]:
    raw = params.get("ordering") or DEFAULT_ORDERING
    if raw not in ORDERINGS:
        raise errors.ValidationFailed.on(
            "ordering",
            _("Must be one of %(choices)s.") % {"choices": ", ".join(ORDERINGS)},
            "invalid_choice",
        )
    return ORDERINGS[raw]
