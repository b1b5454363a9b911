"""Time-based rules: due by their interval, capped per run, at most once per ticket until cleared."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine
from django.test import override_settings

from ruledesk.tenancy.models import User
from rules_engine.models import Rule, RuleExecution, ScheduleRuleState
from rules_engine.services import rules_schedule_run
from tests.rules_engine.conftest import make_rule
from workflows import services as tickets
from workflows.models import Comment, Ticket

T0 = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)


def _stale_low_rule(admin: User) -> Rule:
    return make_rule(
        admin,
        event="schedule",
        schedule={"every_minutes": 5},
        conditions={
            "all": [
                {"field": "ticket.priority", "operator": "is", "value": "low"},
                {"field": "ticket.hours_since_created", "operator": "gt", "value": 1},
            ]
        },
        actions=[{"type": "add_internal_note", "body": "Still low after an hour."}],
    )


def _notes(ticket: Ticket) -> int:
    return Comment.objects.filter(ticket=ticket, visibility="internal").count()


def test_a_schedule_rule_fires_once_per_ticket_until_its_conditions_clear(
    admin: User, requester: User
) -> None:
    with time_machine.travel(T0, tick=False):
        rule = _stale_low_rule(admin)
        ticket = tickets.ticket_create(actor=requester, title="Slow", priority="low")
        other = tickets.ticket_create(actor=requester, title="Urgent", priority="high")

    with time_machine.travel(T0 + timedelta(minutes=30), tick=False):
        assert rules_schedule_run() == 0  # not an hour old yet
    with time_machine.travel(T0 + timedelta(hours=2), tick=False):
        assert rules_schedule_run() == 1
    with time_machine.travel(T0 + timedelta(hours=2, minutes=5), tick=False):
        assert rules_schedule_run() == 0  # still matching: not again
    assert _notes(ticket) == 1 and _notes(other) == 0
    run = RuleExecution.objects.get(rule=rule)
    assert (run.event_type, run.event_id, run.ticket_id, run.matched) == (
        "schedule",
        None,
        ticket.pk,
        True,
    )
    assert run.actions == [{"type": "add_internal_note", "ok": True}]

    # The condition clears (priority raised), then holds again: the rule fires once more.
    tickets.ticket_update(actor=admin, ticket=ticket, priority="high")
    with time_machine.travel(T0 + timedelta(hours=2, minutes=10), tick=False):
        assert rules_schedule_run() == 0
    assert not ScheduleRuleState.objects.filter(rule=rule).exists()
    tickets.ticket_update(actor=admin, ticket=ticket, priority="low")
    with time_machine.travel(T0 + timedelta(hours=2, minutes=15), tick=False):
        assert rules_schedule_run() == 1
    assert _notes(ticket) == 2


def test_a_schedule_rule_waits_for_its_interval(admin: User, requester: User) -> None:
    with time_machine.travel(T0, tick=False):
        rule = _stale_low_rule(admin)
        tickets.ticket_create(actor=requester, title="Slow", priority="low")
    with time_machine.travel(T0 + timedelta(minutes=10), tick=False):
        rules_schedule_run()
    rule = Rule.objects.get(pk=rule.pk)
    assert rule.last_run_at == T0 + timedelta(minutes=10)
    late = tickets.ticket_create(actor=requester, title="Later", priority="low")
    Ticket.objects.filter(pk=late.pk).update(created_at=T0 - timedelta(hours=3))

    with time_machine.travel(T0 + timedelta(minutes=14), tick=False):
        assert rules_schedule_run() == 0  # due only at minute 15
    with time_machine.travel(T0 + timedelta(minutes=15), tick=False):
        assert rules_schedule_run() == 1


def test_closed_tickets_are_not_candidates(admin: User, requester: User) -> None:
    with time_machine.travel(T0, tick=False):
        _stale_low_rule(admin)
        ticket = tickets.ticket_create(actor=requester, title="Done", priority="low")
        for name in ("resolve", "close"):
            tickets.ticket_transition(actor=admin, ticket=ticket, name=name)
    with time_machine.travel(T0 + timedelta(hours=2), tick=False):
        assert rules_schedule_run() == 0


@override_settings(RULEDESK_RULES_SCHEDULE_CAP=2)
def test_each_run_visits_at_most_the_cap_and_the_next_run_continues(
    admin: User, requester: User
) -> None:
    with time_machine.travel(T0, tick=False):
        rule = _stale_low_rule(admin)
        made = [
            tickets.ticket_create(actor=requester, title=f"T{n}", priority="low") for n in range(3)
        ]
    with time_machine.travel(T0 + timedelta(hours=2), tick=False):
        assert rules_schedule_run() == 2
        assert Rule.objects.get(pk=rule.pk).schedule_cursor == made[1].pk
    with time_machine.travel(T0 + timedelta(hours=2, minutes=1), tick=False):
        assert rules_schedule_run() == 1  # continues without waiting for the interval
        assert Rule.objects.get(pk=rule.pk).schedule_cursor is None
    assert [_notes(t) for t in made] == [1, 1, 1]
