"""Stored durations for reporting, computed once, when the event happens.

Zendesk and Zammad both store a ticket's reply and resolution times at the event and never
recompute them at report time; reports then aggregate stored numbers in SQL. Each duration is
kept twice (docs/reporting.md):

- calendar seconds: wall-clock time from creation to the event;
- business seconds: time inside the business hours of the calendar of the ticket's SLA policy
  at that moment (the organization's calendar when it has no policy), counting only the
  spans in which the ticket was `new` or `open` -- the SLA clocks' pause semantics, so time
  waiting on the requester, and time resolved before a reopen, count nothing.

`first_response`: creation -> the first public agent or admin comment (set once).
`resolution`: creation -> the latest resolution (rewritten on every resolve; `first_resolved_at`
is set once and never cleared, so the reopen rate can count tickets reopened after it).

The hooks run inside the caller's transaction, on the locked ticket, and set fields on the
instance; the caller saves them with its own write.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from workflows.models import Status, StatusTransition, Ticket
from workflows.sla import business_time
from workflows.sla.business_time import Calendar
from workflows.sla.clocks.calendars import calendar_of, organization_calendar
from workflows.sla.clocks.deadlines import status_spans

# Statuses whose time counts towards a business duration: the desk owes the next move.
COUNTING = (Status.NEW, Status.OPEN)

FIRST_RESPONSE_FIELDS = ("first_response_seconds", "first_response_business_seconds")
RESOLUTION_FIELDS = ("first_resolved_at", "resolution_seconds", "resolution_business_seconds")


def business_seconds(
    cal: Calendar,
    created_at: datetime,
    transitions: Iterable[StatusTransition],
    end: datetime,
) -> int:
    """Business seconds from `created_at` to `end` spent in a COUNTING status."""
    total = 0
    for status, start, stop in status_spans(created_at, transitions, end):
        stop = min(stop, end)
        if status in COUNTING and stop > start:
            total += business_time.business_seconds_between(cal, start, stop)
    return total


def calendar_for(ticket: Ticket) -> Calendar:
    """The calendar of the ticket's SLA policy, else the organization's."""
    if ticket.sla_policy_id is not None and ticket.sla_policy is not None:
        return calendar_of(ticket.sla_policy.calendar)
    return organization_calendar(ticket.organization_id)


def _transitions(ticket: Ticket) -> list[StatusTransition]:
    return list(StatusTransition.objects.filter(ticket=ticket).order_by("created_at", "id"))


def on_first_response(ticket: Ticket) -> list[str]:
    """Set the first-response durations from `ticket.first_responded_at`; the changed fields."""
    moment = ticket.first_responded_at
    if moment is None:
        return []
    ticket.first_response_seconds = max(0, int((moment - ticket.created_at).total_seconds()))
    ticket.first_response_business_seconds = business_seconds(
        calendar_for(ticket), ticket.created_at, _transitions(ticket), moment
    )
    return list(FIRST_RESPONSE_FIELDS)


def on_resolve(ticket: Ticket) -> list[str]:
    """Set the resolution durations from `ticket.resolved_at` (after its transition row)."""
    moment = ticket.resolved_at
    if moment is None:
        return []
    if ticket.first_resolved_at is None:
        ticket.first_resolved_at = moment
    ticket.resolution_seconds = max(0, int((moment - ticket.created_at).total_seconds()))
    ticket.resolution_business_seconds = business_seconds(
        calendar_for(ticket), ticket.created_at, _transitions(ticket), moment
    )
    return list(RESOLUTION_FIELDS)
