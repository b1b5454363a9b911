"""Building the snapshot a rule sees, from the database: once per event, lazily per field.

Expensive fields (tags, SLA state, business hours) are computed only when some
rule reads them, and at most once per event, however many rules do.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection
from django.utils import timezone

from ruledesk import prepared
from ruledesk.events.models import DomainEvent
from ruledesk.tenancy.models import Organization, User
from rules_engine.evaluate import LazyValues, Snapshot
from rules_engine.models import RuleSetVersion
from workflows.models import Comment, Tag, Ticket, TicketTag
from workflows.sla import business_time
from workflows.sla import services as sla
from workflows.sla.models import BusinessCalendar


def ticket_load(*, organization_id: int, ticket_id: int) -> Ticket | None:
    """The ticket a rule runs on, or None when gone.

    No joins: planning the four-way join cost more than the row itself, and most
    events never read a related row (the requester's e-mail domain, or what a
    notification names); those load on first use, once per event.
    """
    return Ticket.objects.filter(organization_id=organization_id, pk=ticket_id).first()


@dataclass(frozen=True)
class TicketFacts:
    """An event's ticket with what most rule sets read of its relations, in one query."""

    ticket: Ticket
    requester_email: str | None
    tag_names: list[str]  # in the order they were added
    # Row versions of the organization and its calendars: when unchanged, the calendar a
    # process parsed before still holds (see `calendar_of_facts`).
    calendar_version: str = ""
    # The active rules of (organization, `rules_of`) as `rule_set_version` gives it.
    rules_version: tuple[Any, ...] | None = None


# Every column but the full-text vectors (no rule reads them; they are the widest).
_COLUMNS = [
    field.attname
    for field in Ticket._meta.concrete_fields
    if field.attname not in ("search_public", "search_all")
]
# The version of an event type's rules: a counter a trigger raises on every write to
# them (`RuleSetVersion`), 0 before the first.
RULES_VERSION = (
    f"SELECT coalesce((SELECT version FROM {RuleSetVersion._meta.db_table}"  # noqa: S608
    " WHERE organization_id = %s AND event = %s), 0)"
)

_FACTS = (  # noqa: S608 - identifiers from the models, values are parameters
    "SELECT {columns}, u.email, ARRAY("
    " SELECT g.name FROM {link} x JOIN {tag} g ON g.id = x.tag_id"
    " WHERE x.ticket_id = t.id ORDER BY x.id),"
    " (SELECT o.xmin || ':' || o.ctid FROM {org} o WHERE o.id = t.organization_id)"
    " || '/' || coalesce((SELECT string_agg(c.id || ':' || c.xmin || ':' || c.ctid, ','"
    " ORDER BY c.id) FROM {calendar} c WHERE c.organization_id = t.organization_id), '')"
    " FROM {ticket} t LEFT JOIN {user} u ON u.id = t.requester_id"
    " WHERE t.organization_id = %s AND t.id = %s"
).format(
    columns=", ".join(f't."{name}"' for name in _COLUMNS),
    link=TicketTag._meta.db_table,
    tag=Tag._meta.db_table,
    org=Organization._meta.db_table,
    calendar=BusinessCalendar._meta.db_table,
    ticket=Ticket._meta.db_table,
    user=User._meta.db_table,
)


_FACTS_AND_RULES = f"SELECT f.*, v.* FROM ({_FACTS}) f, ({RULES_VERSION}) v"  # noqa: S608


def ticket_facts(
    *, organization_id: int, ticket_id: int, rules_of: str | None = None
) -> TicketFacts | None:
    """The ticket, its requester's e-mail and its tag names in one round trip, or None;
    with `rules_of`, also the version of that event type's active rules.

    Rule sets read the requester's domain and the tags on nearly every event; three
    ORM queries (and the rule-set check) cost more in Python than this one costs in
    PostgreSQL.
    """
    params: list[int | str] = [organization_id, ticket_id]
    statement = _FACTS
    if rules_of is not None:
        statement = _FACTS_AND_RULES
        params += [organization_id, rules_of]
    row = prepared.fetchone(statement, params)  # planning it each time cost 3x running it
    if row is None:
        return None
    columns = len(_COLUMNS)
    ticket = Ticket.from_db(connection.alias, _COLUMNS, row[:columns])
    return TicketFacts(
        ticket=ticket,
        requester_email=row[columns],
        tag_names=list(row[columns + 1]),
        calendar_version=row[columns + 2] or "",
        rules_version=tuple(row[columns + 3 :]) if rules_of is not None else None,
    )


def rule_set_version(organization_id: int, event_type: str) -> tuple[Any, ...]:
    """The version of an event type's active rules, alone (`ticket_facts` can bring it)."""
    with connection.cursor() as cursor:
        cursor.execute(RULES_VERSION, [organization_id, event_type])
        row = cursor.fetchone()
    return tuple(row) if row else ()


# Per process: organization id -> (calendar_version, its calendar), like the rule sets.
_CALENDARS: dict[int, tuple[str, business_time.Calendar]] = {}


def calendar_of_facts(facts: TicketFacts) -> business_time.Calendar:
    """The organization's calendar, parsed again only when its rows changed.

    `organization_calendar` is two queries and a parse per event otherwise: as much
    as evaluating every rule of the event. Any write to the organization or to one
    of its calendars gives that row a new (xmin, ctid), so the version changes.
    """
    organization_id = facts.ticket.organization_id
    cached = _CALENDARS.get(organization_id)
    if cached is None or cached[0] != facts.calendar_version or not facts.calendar_version:
        cached = (facts.calendar_version, sla.organization_calendar(organization_id))
        _CALENDARS[organization_id] = cached
    return cached[1]


def event_comment(event: DomainEvent) -> Comment | None:
    """The comment a `comment.created` event is about (None for other events)."""
    if event.type != "comment.created":
        return None
    comment_id = event.payload.get("comment_id")
    if not isinstance(comment_id, int):
        return None
    # Prepared, and without the author: the event names the author's role, so a rule
    # reads the author only when an older event lacks it (then on first use).
    row = prepared.fetchone(_COMMENT, [event.organization_id, comment_id])
    return Comment.from_db(connection.alias, _COMMENT_FIELDS, row) if row else None


_COMMENT_FIELDS = [field.attname for field in Comment._meta.concrete_fields]
_COMMENT = (
    f"SELECT {', '.join(str(field.column) for field in Comment._meta.concrete_fields)}"  # noqa: S608
    f" FROM {Comment._meta.db_table} WHERE organization_id = %s AND id = %s"
)


def snapshot_for_event(
    event: DomainEvent, facts: TicketFacts, comment: Comment | None, *, now: datetime | None = None
) -> Snapshot:
    score = event.payload.get("score") if event.type == "csat.received" else None
    return snapshot_build(
        facts.ticket,
        now=now,
        changes=event.changes or {},
        comment=comment,
        author_role=event.payload.get("author_role"),
        csat_score=score if isinstance(score, int | float) else None,
        facts=facts,
    )


def snapshot_build(
    ticket: Ticket,
    *,
    now: datetime | None = None,
    changes: Mapping[str, Any] | None = None,
    comment: Comment | None = None,
    author_role: Any = None,
    csat_score: float | None = None,
    calendars: dict[int, business_time.Calendar] | None = None,
    facts: TicketFacts | None = None,
) -> Snapshot:
    """The snapshot of `ticket` now; `changes`, `comment` and `csat_score` come from the event.

    `calendars` memoizes organization calendars across snapshots (a schedule batch);
    tags come from a prefetch when the caller made one.
    """
    moment = now or timezone.now()
    memo = calendars if calendars is not None else {}

    def business_hours(since: datetime) -> float:
        org_id = ticket.organization_id
        if org_id not in memo:
            memo[org_id] = (
                calendar_of_facts(facts) if facts is not None else sla.organization_calendar(org_id)
            )
        minutes = business_time.business_minutes_between(memo[org_id], since, moment)
        return round(minutes / 60, 2)

    def sla_state() -> str:
        return str(sla.sla_state(ticket, moment))

    def role() -> Any:
        if comment is None:
            return None
        if isinstance(author_role, str):
            return author_role
        return comment.author.role if comment.author else None

    getters: dict[str, Callable[[], Any]] = {
        "ticket.status": lambda: ticket.status,
        "ticket.priority": lambda: ticket.priority,
        "ticket.category": lambda: ticket.category_id,
        "ticket.team": lambda: ticket.team_id,
        "ticket.assignee": lambda: ticket.assignee_id,
        "ticket.requester": lambda: ticket.requester_id,
        "ticket.requester_email_domain": lambda: _requester_email(ticket, facts).rpartition("@")[2],
        "ticket.tags": lambda: sorted(
            facts.tag_names if facts is not None else (tag.name for tag in ticket.tags.all())
        ),
        "ticket.title": lambda: ticket.title,
        "ticket.description": lambda: ticket.description,
        "ticket.channel": lambda: ticket.channel,
        "ticket.reopen_count": lambda: ticket.reopen_count,
        "ticket.sla_state": sla_state,
        "ticket.hours_since_created": lambda: _hours(ticket.created_at, moment),
        "ticket.hours_since_updated": lambda: _hours(ticket.updated_at, moment),
        "ticket.business_hours_since_created": lambda: business_hours(ticket.created_at),
        "ticket.business_hours_since_updated": lambda: business_hours(ticket.updated_at),
        "comment.visibility": lambda: comment.visibility if comment else None,
        "comment.author_role": role,
        "comment.body": lambda: comment.body if comment else None,
        "csat.score": lambda: csat_score,
    }
    return Snapshot(values=LazyValues(getters), changes=dict(changes or {}))


def _requester_email(ticket: Ticket, facts: TicketFacts | None) -> str:
    if facts is not None and facts.requester_email is not None:
        return facts.requester_email
    return ticket.requester.email


def _hours(since: datetime, now: datetime) -> float:
    return round(max(0.0, (now - since).total_seconds()) / 3600, 2)
