"""Processing events: matching, actions as the system actor, records, stop, redelivery, loop guard."""

from __future__ import annotations

import json

import pytest

from ruledesk.events.models import DomainEvent, EventStatus
from ruledesk.events.services import event_dispatch
from ruledesk.tenancy.models import Team, User
from rules_engine.models import Rule, RuleExecution
from rules_engine.planned import DECIDED_EVENT, RULE_GONE
from rules_engine.services import event_process
from tests.rules_engine.conftest import dispatch_all, make_rule, ticket
from workflows import services as tickets
from workflows.models import Comment, Ticket


def test_a_matching_rule_runs_its_actions_and_every_evaluated_rule_is_recorded(
    admin: User, requester: User
) -> None:
    hit = make_rule(
        admin,
        name="Printers are high",
        conditions={"all": [{"field": "ticket.title", "operator": "contains", "value": "PRINTER"}]},
        actions=[
            {"type": "set_priority", "priority": "high"},
            {"type": "add_tags", "tags": ["hardware"]},
        ],
        position=1,
    )
    miss = make_rule(
        admin,
        name="Billing",
        conditions={"all": [{"field": "ticket.title", "operator": "contains", "value": "invoice"}]},
        actions=[{"type": "set_priority", "priority": "low"}],
        position=2,
    )
    created = ticket(requester)

    events = dispatch_all()

    created = Ticket.objects.get(pk=created.pk)
    assert created.priority == "high"
    assert sorted(created.tags.values_list("name", flat=True)) == ["hardware"]
    first = events[0]
    assert first.type == "ticket.created"
    runs = list(RuleExecution.objects.filter(event_id=first.pk).order_by("pk"))
    assert [(r.rule_id, r.matched, r.error) for r in runs] == [
        (hit.pk, True, ""),
        (miss.pk, False, ""),
    ]
    assert runs[0].actions == [
        {"type": "set_priority", "ok": True},
        {"type": "add_tags", "ok": True},
    ]
    assert runs[0].trace == [
        {
            "path": "conditions.all[0]",
            "field": "ticket.title",
            "operator": "contains",
            "value": "PRINTER",
            "actual": "Printer jams",
            "result": True,
        }
    ]
    assert runs[1].actions == []
    assert runs[0].ticket_id == created.pk and runs[0].event_type == "ticket.created"
    # The changes were made by the automation user, one level deeper, as one update.
    updates = [e for e in events if e.type == "ticket.updated"]
    assert [(e.depth, sorted(e.changes)) for e in updates] == [(1, ["priority", "tags"])]
    assert updates[0].actor_id is not None
    actor = User.objects.get(pk=updates[0].actor_id)
    assert actor.is_system and actor.organization_id == admin.organization_id


def test_inactive_rules_and_rules_for_other_events_do_not_run(admin: User, requester: User) -> None:
    make_rule(admin, active=False, actions=[{"type": "set_priority", "priority": "high"}])
    make_rule(admin, event="ticket.updated", actions=[{"type": "set_priority", "priority": "low"}])
    created = ticket(requester)

    dispatch_all()

    created = Ticket.objects.get(pk=created.pk)
    assert created.priority == "medium"
    assert RuleExecution.objects.count() == 0


def test_stop_processing_skips_later_rules_only_when_the_rule_matched(
    admin: User, requester: User
) -> None:
    unmatched_stop = make_rule(
        admin,
        position=1,
        stop_processing=True,
        conditions={"all": [{"field": "ticket.priority", "operator": "is", "value": "low"}]},
    )
    stopper = make_rule(
        admin, position=2, stop_processing=True, actions=[{"type": "add_tags", "tags": ["first"]}]
    )
    skipped = make_rule(admin, position=3, actions=[{"type": "add_tags", "tags": ["second"]}])
    created = ticket(requester)

    dispatch_all()

    assert list(created.tags.values_list("name", flat=True)) == ["first"]
    ran = list(
        RuleExecution.objects.filter(event_type="ticket.created").values_list("rule_id", "matched")
    )
    assert sorted(ran) == sorted([(unmatched_stop.pk, False), (stopper.pk, True)])
    assert not RuleExecution.objects.filter(rule=skipped).exists()


def test_rules_run_in_position_then_id_order(admin: User, requester: User) -> None:
    late = make_rule(admin, position=5, actions=[{"type": "set_priority", "priority": "low"}])
    early_b = make_rule(admin, position=1, actions=[{"type": "set_priority", "priority": "high"}])
    early_a = make_rule(
        admin, position=1, actions=[{"type": "set_priority", "priority": "critical"}]
    )
    created = ticket(requester)

    dispatch_all()

    order = list(
        RuleExecution.objects.filter(event_type="ticket.created")
        .order_by("pk")
        .values_list("rule_id", flat=True)
    )
    assert order == [early_b.pk, early_a.pk, late.pk]
    created = Ticket.objects.get(pk=created.pk)
    assert created.priority == "low"


def test_a_failing_action_is_recorded_and_the_next_action_still_runs(
    admin: User, requester: User
) -> None:
    make_rule(
        admin,
        actions=[
            {"type": "assign_agent", "agent": "round_robin"},  # the ticket has no team
            {"type": "transition", "name": "close"},  # not allowed from new
            {"type": "add_tags", "tags": ["triaged"]},
        ],
    )
    created = ticket(requester)

    dispatch_all()

    run = RuleExecution.objects.get(event_type="ticket.created")
    assert run.matched is True
    assert run.actions == [
        {
            "type": "assign_agent",
            "ok": False,
            "error": "The ticket has no team to pick an agent from.",
        },
        {"type": "transition", "ok": False, "error": "Cannot close a ticket that is new."},
        {"type": "add_tags", "ok": True},
    ]
    assert list(created.tags.values_list("name", flat=True)) == ["triaged"]
    created = Ticket.objects.get(pk=created.pk)
    assert created.status == "new" and created.assignee_id is None


def test_a_redelivered_event_runs_each_rule_once(admin: User, requester: User) -> None:
    make_rule(admin, actions=[{"type": "add_internal_note", "body": "Auto triage."}])
    created = ticket(requester)
    event = DomainEvent.objects.get(type="ticket.created")

    assert event_dispatch(event_id=event.pk) is True
    DomainEvent.objects.filter(pk=event.pk).update(status=EventStatus.PENDING)
    assert event_dispatch(event_id=event.pk) is True
    event_process(DomainEvent.objects.get(pk=event.pk))
    # Each decision was queued: three for one rule.
    assert DomainEvent.objects.filter(type=DECIDED_EVENT).count() == 3
    dispatch_all()

    assert RuleExecution.objects.filter(event_id=event.pk).count() == 1
    assert Comment.objects.filter(ticket=created).count() == 1


def test_the_loop_guard_stops_a_rule_that_retriggers_itself_past_depth_three(
    admin: User, requester: User, agent: User
) -> None:
    looping = make_rule(
        admin,
        event="comment.created",
        actions=[{"type": "add_internal_note", "body": "Noted again."}],
    )
    created = ticket(requester)
    tickets.comment_create(actor=agent, ticket=created, body="Looking.", visibility="public")

    dispatch_all()

    runs = list(RuleExecution.objects.filter(rule=looping).order_by("pk"))
    event_ids = [r.event_id for r in runs if r.event_id is not None]
    assert len(event_ids) == len(runs)
    depths = [DomainEvent.objects.get(pk=pk).depth for pk in event_ids]
    assert depths == [0, 1, 2, 3, 4]
    assert [(r.matched, r.error) for r in runs] == [
        (True, ""),
        (True, ""),
        (True, ""),
        (True, ""),
        (False, "depth_limit"),
    ]
    notes = Comment.objects.filter(ticket=created, visibility="internal")
    assert notes.count() == 4
    assert not DomainEvent.objects.filter(depth__gt=4).exists()


def test_round_robin_cycles_through_the_team_by_id(
    admin: User, requester: User, agent: User, agent2: User, support: Team
) -> None:
    from ruledesk.tenancy import services as tenancy

    tenancy.team_member_add(actor=None, team=support, user=agent2)
    make_rule(admin, actions=[{"type": "assign_agent", "agent": "round_robin"}])
    made: list[Ticket] = []
    for n in range(3):
        made.append(tickets.ticket_create(actor=admin, title=f"T{n}", team_id=support.pk))
        dispatch_all()

    first, second = sorted([agent.pk, agent2.pk])
    assert [Ticket.objects.get(pk=t.pk).assignee_id for t in made] == [first, second, first]


def test_least_loaded_picks_the_agent_with_fewest_open_tickets_ties_to_lower_id(
    admin: User, requester: User, agent: User, agent2: User, support: Team
) -> None:
    from ruledesk.tenancy import services as tenancy

    tenancy.team_member_add(actor=None, team=support, user=agent2)
    low, high = sorted([agent, agent2], key=lambda u: u.pk)
    # high holds one open ticket; low holds one resolved ticket (not load).
    busy = tickets.ticket_create(actor=admin, title="busy", assignee_id=high.pk)
    done = tickets.ticket_create(actor=admin, title="done", assignee_id=low.pk)
    tickets.ticket_transition(actor=admin, ticket=done, name="resolve")
    make_rule(admin, actions=[{"type": "assign_agent", "agent": "least_loaded"}])
    dispatch_all()  # busy and done were created before the rule: nothing assigned now
    assert busy.assignee_id == high.pk

    first = tickets.ticket_create(actor=admin, title="first", team_id=support.pk)
    dispatch_all()
    second = tickets.ticket_create(actor=admin, title="second", team_id=support.pk)
    dispatch_all()

    # first: low has 0, high has 1 -> low. second: both have 1 -> tie -> lower id (low).
    assert Ticket.objects.get(pk=first.pk).assignee_id == low.pk
    assert Ticket.objects.get(pk=second.pk).assignee_id == low.pk
    third = tickets.ticket_create(actor=admin, title="third", team_id=support.pk)
    dispatch_all()
    assert Ticket.objects.get(pk=third.pk).assignee_id == high.pk


def test_least_loaded_with_capacity_skips_full_agents(
    admin: User, agent: User, support: Team
) -> None:
    tickets.ticket_create(actor=admin, title="busy", assignee_id=agent.pk)
    make_rule(admin, actions=[{"type": "assign_agent", "agent": "least_loaded", "capacity": 1}])
    dispatch_all()
    fresh = tickets.ticket_create(actor=admin, title="fresh", team_id=support.pk)
    dispatch_all()

    assert Ticket.objects.get(pk=fresh.pk).assignee_id is None
    run = RuleExecution.objects.filter(ticket=fresh).get()
    assert run.actions == [
        {"type": "assign_agent", "ok": False, "error": "Every agent of the team is at capacity."}
    ]


def test_a_redelivered_event_sends_each_notification_once(
    admin: User, agent: User, requester: User
) -> None:
    from ruledesk.notifications.models import EmailMessage, Notification

    make_rule(
        admin,
        event="ticket.updated",
        actions=[{"type": "notify", "recipients": ["assignee"], "channel": "both"}],
    )
    created = ticket(requester)
    dispatch_all()
    tickets.ticket_update(actor=admin, ticket=created, assignee_id=agent.pk)
    event = DomainEvent.objects.get(type="ticket.updated")

    assert event_dispatch(event_id=event.pk) is True
    dispatch_all()
    RuleExecution.objects.filter(event_id=event.pk).delete()  # as if the first run were lost
    DomainEvent.objects.filter(pk=event.pk).update(status=EventStatus.PENDING)
    assert event_dispatch(event_id=event.pk) is True
    dispatch_all()  # the second decision's plan: the rule runs again, unrecorded as it was

    assert RuleExecution.objects.filter(event_id=event.pk).count() == 1
    assert Notification.objects.filter(recipient=agent).count() == 1
    assert EmailMessage.objects.filter(recipient=agent).count() == 1
    note = Notification.objects.get(recipient=agent)
    assert (note.event, note.kind, note.ticket_id) == (
        "ticket.updated",
        "ticket.assigned",
        created.pk,
    )


def test_the_actor_is_not_told_of_their_own_action_unless_named(
    admin: User, agent: User, requester: User, support: Team
) -> None:
    from ruledesk.notifications.models import Notification

    make_rule(
        admin,
        event="ticket.updated",
        actions=[{"type": "notify", "recipients": ["assignee", "team"], "channel": "in_app"}],
    )
    make_rule(
        admin,
        name="Receipt",
        actions=[{"type": "notify", "recipients": ["requester"], "channel": "in_app"}],
    )
    created = ticket(requester)
    dispatch_all()
    tickets.ticket_update(actor=agent, ticket=created, assignee_id=agent.pk, team_id=support.pk)
    dispatch_all()

    assert not Notification.objects.filter(recipient=agent).exists()  # assigned themselves
    receipt = Notification.objects.get(recipient=requester)  # filed it, and named as requester
    assert (receipt.event, receipt.kind) == ("ticket.created", "ticket.created")


def test_an_event_is_dispatched_once_decided_and_its_decision_is_carried_out_after(
    admin: User, requester: User
) -> None:
    before = make_rule(admin, name="Before", conditions={"all": [_never()]}, actions=_tag("x"))
    tagging = make_rule(admin, name="Tag", actions=[{"type": "add_tags", "tags": ["seen"]}])
    after = make_rule(admin, name="After", conditions={"all": [_never()]}, actions=_tag("x"))
    created = ticket(requester)
    event = DomainEvent.objects.get(type="ticket.created")

    assert event_dispatch(event_id=event.pk) is True

    # Decided and dispatched: the decision is queued, nothing is done or recorded yet.
    assert list(created.tags.values_list("name", flat=True)) == []
    assert not RuleExecution.objects.filter(event_id=event.pk).exists()
    plan = DomainEvent.objects.get(type=DECIDED_EVENT)
    assert (plan.status, plan.ticket_id, plan.depth) == ("pending", created.pk, 0)

    assert event_dispatch(event_id=plan.pk) is True

    assert list(created.tags.values_list("name", flat=True)) == ["seen"]
    runs = list(RuleExecution.objects.filter(event_id=event.pk).order_by("pk"))
    assert [(r.rule_id, r.matched) for r in runs] == [
        (before.pk, False),
        (tagging.pk, True),
        (after.pk, False),
    ]
    assert runs[1].actions == [{"type": "add_tags", "ok": True}]
    assert runs[1].trace == []  # no conditions: nothing to trace
    assert len({r.created_at for r in runs}) == 1  # all decided at once
    # The tags' ticket.updated came from the rule: one level deeper than the event.
    assert DomainEvent.objects.get(type="ticket.updated").depth == 1


def test_a_rule_deleted_before_its_actions_ran_is_recorded_as_such(
    admin: User, requester: User
) -> None:
    rule = make_rule(admin, name="Gone soon", actions=[{"type": "add_tags", "tags": ["late"]}])
    created = ticket(requester)
    event = DomainEvent.objects.get(type="ticket.created")
    assert event_dispatch(event_id=event.pk) is True
    Rule.objects.filter(pk=rule.pk).delete()

    dispatch_all()

    assert list(created.tags.values_list("name", flat=True)) == []
    run = RuleExecution.objects.get(event_id=event.pk)
    assert (run.rule_id, run.rule_name, run.matched, run.error, run.actions) == (
        None,
        "Gone soon",
        True,
        RULE_GONE,
        [],
    )


def _never() -> dict[str, object]:
    return {"field": "ticket.title", "operator": "contains", "value": "no ticket is titled this"}


def _tag(name: str) -> list[dict[str, object]]:
    return [{"type": "add_tags", "tags": [name]}]


@pytest.mark.parametrize("count", [0, 1, 3])
def test_a_decision_unpacks_as_it_was_packed(count: int, admin: User) -> None:
    from rules_engine.planned import Verdict, _decided, _runs

    made = [make_rule(admin, name=f"R{n}", actions=_tag(f"t{n}")) for n in range(3)]
    version = Rule.history.filter(id=made[2].pk).latest("history_id").history_id
    verdicts = [
        Verdict(made[0], True, [], "", 0.000012),  # matched: traced, named
        Verdict(made[1], False, None, "invalid_conditions", 0.0),  # no history row: named
        Verdict(made[2], False, None, "", 0.000003, version),  # named by its history row
    ][:count]

    unpacked = _decided(json.loads(json.dumps(_runs(verdicts))))

    assert [(d.rule, d.name, d.matched, d.version, d.trace, d.error) for d in unpacked] == [
        (made[0].pk, "R0", True, None, [], ""),
        (made[1].pk, "R1", False, None, None, "invalid_conditions"),
        (made[2].pk, "R2", False, version, None, ""),
    ][:count]
    tagging = [{"type": "add_tags", "tags": ["t0"]}]
    assert [d.actions for d in unpacked] == [tagging, None, None][:count]
    assert [round(d.seconds * 1e6) for d in unpacked] == [12, 0, 3][:count]
