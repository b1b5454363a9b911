"""Building the snapshot a rule sees, from the database: once per event, lazily per field.

Expensive fields (tags, SLA state, business hours) are computed only when some
rule reads them, and at most once per event, however many rules do.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from django.utils import timezone

from ruledesk.events.models import DomainEvent
from rules_engine.evaluate import LazyValues, Snapshot
from workflows.models import Comment, Ticket
from workflows.sla import business_time
from workflows.sla import services as sla


def ticket_load(*, organization_id: int, ticket_id: int) -> Ticket | None:
    """The ticket a rule runs on, or None when gone.

    No joins: planning the four-way join cost more than the row itself, and most
    events never read a related row (the requester's e-mail domain, or what a
    notification names); those load on first use, once per event.
    """
    return Ticket.objects.filter(organization_id=organization_id, pk=ticket_id).first()


def event_comment(event: DomainEvent) -> Comment | None:
    """The comment a `comment.created` event is about (None for other events)."""
    if event.type != "comment.created":
        return None
    comment_id = event.payload.get("comment_id")
    if not isinstance(comment_id, int):
        return None
    return (
        Comment.objects.select_related("author")
        .filter(organization_id=event.organization_id, pk=comment_id)
        .first()
    )


def snapshot_for_event(
    event: DomainEvent, ticket: Ticket, comment: Comment | None, *, now: datetime | None = None
) -> Snapshot:
    score = event.payload.get("score") if event.type == "csat.received" else None
    return snapshot_build(
        ticket,
        now=now,
        changes=event.changes or {},
        comment=comment,
        author_role=event.payload.get("author_role"),
        csat_score=score if isinstance(score, int | float) else None,
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
            memo[org_id] = sla.organization_calendar(org_id)
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
        "ticket.requester_email_domain": lambda: ticket.requester.email.rpartition("@")[2],
        "ticket.tags": lambda: sorted(tag.name for tag in ticket.tags.all()),
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


def _hours(since: datetime, now: datetime) -> float:
    return round(max(0.0, (now - since).total_seconds()) / 3600, 2)
