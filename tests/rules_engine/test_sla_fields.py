"""Fields and actions that read or write SLA data: business hours, sla_state, apply_sla_policy."""

from __future__ import annotations

from datetime import UTC, datetime

import time_machine

from ruledesk.events.models import DomainEvent
from ruledesk.tenancy.models import User
from rules_engine import snapshot
from rules_engine.models import RuleExecution
from rules_engine.snapshot import snapshot_build
from tests.rules_engine.conftest import dispatch_all, make_rule
from workflows import services as tickets
from workflows.models import Ticket
from workflows.sla import services as sla

WEEKDAYS = {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
FRIDAY_4PM = datetime(2026, 11, 27, 16, 0, tzinfo=UTC)
MONDAY_10AM = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)


def test_hours_since_count_calendar_and_business_hours_of_the_org_calendar(
    admin: User, requester: User
) -> None:
    sla.business_calendar_create(actor=admin, name="Office", timezone="UTC", hours=WEEKDAYS)
    with time_machine.travel(FRIDAY_4PM, tick=False):
        ticket = tickets.ticket_create(actor=requester, title="Over the weekend")

    values = snapshot_build(Ticket.objects.get(pk=ticket.pk), now=MONDAY_10AM).values

    assert values["ticket.hours_since_created"] == 66.0
    assert values["ticket.business_hours_since_created"] == 2.0  # Fri 16-17, Mon 9-10
    assert values["ticket.hours_since_updated"] == 66.0
    assert values["ticket.business_hours_since_updated"] == 2.0


def test_without_a_calendar_business_hours_are_all_hours(admin: User, requester: User) -> None:
    with time_machine.travel(FRIDAY_4PM, tick=False):
        ticket = tickets.ticket_create(actor=requester, title="No calendar")

    values = snapshot_build(Ticket.objects.get(pk=ticket.pk), now=MONDAY_10AM).values

    assert values["ticket.business_hours_since_created"] == 66.0
    assert values["ticket.sla_state"] == "none"


def test_apply_sla_policy_puts_the_ticket_under_the_policy(admin: User, requester: User) -> None:
    calendar = sla.business_calendar_create(
        actor=admin, name="Office", timezone="UTC", hours=WEEKDAYS
    )
    policy = sla.sla_policy_create(
        actor=admin,
        name="VIP",
        calendar_id=calendar.pk,
        first_response_minutes=30,
        resolution_minutes=240,
        active=False,  # never matched on its own; only the rule applies it
    )
    rule = make_rule(admin, actions=[{"type": "apply_sla_policy", "policy": policy.pk}])
    ticket = tickets.ticket_create(actor=requester, title="VIP customer")

    dispatch_all()

    assert Ticket.objects.get(pk=ticket.pk).sla_policy_id == policy.pk
    assert RuleExecution.objects.get(rule=rule).actions == [
        {"type": "apply_sla_policy", "ok": True}
    ]
    applied = DomainEvent.objects.get(type="ticket.updated", ticket_id=ticket.pk)
    assert applied.depth == 1
    assert applied.changes["sla_policy"][1] == policy.pk


def test_an_event_reads_the_calendar_as_it_is_now_though_processes_cache_it(
    admin: User, requester: User
) -> None:
    calendar = sla.business_calendar_create(
        actor=admin, name="Office", timezone="UTC", hours=WEEKDAYS
    )
    with time_machine.travel(FRIDAY_4PM, tick=False):
        ticket = tickets.ticket_create(actor=requester, title="Over the weekend")

    def business_hours() -> float:
        facts = snapshot.ticket_facts(organization_id=ticket.organization_id, ticket_id=ticket.pk)
        assert facts is not None
        event = DomainEvent(organization_id=ticket.organization_id, type="ticket.updated")
        snap = snapshot.snapshot_for_event(event, facts, None, now=MONDAY_10AM)
        return float(snap.values["ticket.business_hours_since_created"])

    assert business_hours() == 2.0  # Fri 16-17, Mon 9-10
    assert business_hours() == 2.0  # from the process's cache
    sla.business_calendar_update(
        actor=admin, calendar=calendar, hours={"mon": [["09:00", "17:00"]]}
    )
    assert business_hours() == 1.0  # Mon 9-10 only: the edit is seen at once
    calendar.delete()
    assert business_hours() == 66.0  # no calendar: every hour counts
