"""The per-process cache of compiled rules, and actions that would change nothing.

Rules are cached per (organization, event type) and reloaded when any active
rule's row changed, so a rule edited, deactivated, deleted or added takes effect
on the very next event, even within one transaction and with the clock stopped.
"""

from __future__ import annotations

from datetime import UTC, datetime

import time_machine

from ruledesk.events.models import DomainEvent
from ruledesk.tenancy.models import User
from rules_engine import services
from rules_engine.models import Rule, RuleExecution
from tests.rules_engine.conftest import dispatch_all, make_rule, ticket
from workflows.models import Ticket

FROZEN = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def _ran(created: Ticket) -> list[tuple[int, bool]]:
    return list(
        RuleExecution.objects.filter(event_type="ticket.created", ticket_id=created.pk)
        .order_by("pk")
        .values_list("rule_id", "matched")
    )


def test_an_edited_rule_takes_effect_on_the_very_next_event(admin: User, requester: User) -> None:
    with time_machine.travel(FROZEN, tick=False):  # updated_at cannot tell the versions apart
        rule = make_rule(admin, actions=[{"type": "add_tags", "tags": ["first"]}])
        one = ticket(requester)
        dispatch_all()
        services.rule_update(
            actor=admin,
            rule=rule,
            data={
                "conditions": {
                    "all": [{"field": "ticket.title", "operator": "contains", "value": "printer"}]
                },
                "actions": [{"type": "add_tags", "tags": ["second"]}],
            },
        )
        two = ticket(requester)
        three = ticket(requester, title="Mouse broken")
        dispatch_all()

    assert list(one.tags.values_list("name", flat=True)) == ["first"]
    assert list(two.tags.values_list("name", flat=True)) == ["second"]
    assert list(three.tags.values_list("name", flat=True)) == []
    assert _ran(three) == [(rule.pk, False)]


def test_a_deactivated_deleted_or_added_rule_takes_effect_on_the_next_event(
    admin: User, requester: User
) -> None:
    with time_machine.travel(FROZEN, tick=False):
        kept = make_rule(admin, position=1, actions=[{"type": "add_tags", "tags": ["kept"]}])
        paused = make_rule(admin, position=2, actions=[{"type": "add_tags", "tags": ["paused"]}])
        gone = make_rule(admin, position=3, actions=[{"type": "add_tags", "tags": ["gone"]}])
        one = ticket(requester)
        dispatch_all()
        assert _ran(one) == [(kept.pk, True), (paused.pk, True), (gone.pk, True)]

        services.rule_update(actor=admin, rule=paused, data={"active": False})
        two = ticket(requester)
        dispatch_all()
        assert _ran(two) == [(kept.pk, True), (gone.pk, True)]

        services.rule_delete(actor=admin, rule=gone)
        three = ticket(requester)
        dispatch_all()
        assert _ran(three) == [(kept.pk, True)]

        # A write that bypasses the services is seen too.
        Rule.objects.filter(pk=kept.pk).update(actions=[{"type": "add_tags", "tags": ["bulk"]}])
        added = make_rule(admin, position=4, actions=[{"type": "add_tags", "tags": ["added"]}])
        four = ticket(requester)
        dispatch_all()
        assert _ran(four) == [(kept.pk, True), (added.pk, True)]

    assert sorted(one.tags.values_list("name", flat=True)) == ["gone", "kept", "paused"]
    assert sorted(two.tags.values_list("name", flat=True)) == ["gone", "kept"]
    assert sorted(three.tags.values_list("name", flat=True)) == ["kept"]
    assert sorted(four.tags.values_list("name", flat=True)) == ["added", "bulk"]


def test_actions_that_change_nothing_are_recorded_ok_and_write_nothing(
    admin: User, requester: User
) -> None:
    first = make_rule(
        admin,
        position=1,
        actions=[
            {"type": "add_tags", "tags": ["vip"]},
            {"type": "set_priority", "priority": "high"},
        ],
    )
    again = make_rule(
        admin,
        position=2,
        actions=[
            {"type": "add_tags", "tags": ["VIP "]},
            {"type": "set_priority", "priority": "high"},
            {"type": "remove_tags", "tags": ["absent"]},
        ],
    )
    created = ticket(requester)

    events = dispatch_all()

    created = Ticket.objects.get(pk=created.pk)
    assert created.priority == "high"
    assert list(created.tags.values_list("name", flat=True)) == ["vip"]
    runs = dict(
        RuleExecution.objects.filter(event_type="ticket.created").values_list("rule_id", "actions")
    )
    assert runs[first.pk] == [
        {"type": "add_tags", "ok": True},
        {"type": "set_priority", "ok": True},
    ]
    assert runs[again.pk] == [
        {"type": "add_tags", "ok": True},
        {"type": "set_priority", "ok": True},
        {"type": "remove_tags", "ok": True},
    ]
    updates = [e for e in events if e.type == "ticket.updated"]
    # Both rules' edits, merged: one update carries the first rule's real changes only.
    assert [e.changes for e in updates] == [{"tags": [[], ["vip"]], "priority": ["medium", "high"]}]
    assert DomainEvent.objects.filter(type="ticket.updated", ticket_id=created.pk).count() == 1


def test_every_write_to_rules_raises_the_version_of_each_event_type_it_touched(
    admin: User,
) -> None:
    from rules_engine.models import RuleSetVersion
    from rules_engine.snapshot import rule_set_version

    org = admin.organization_id
    assert org is not None

    def versions() -> tuple[int, int]:
        return (
            rule_set_version(org, "ticket.created")[0],
            rule_set_version(org, "ticket.updated")[0],
        )

    before = versions()
    rule = make_rule(admin, actions=[{"type": "add_tags", "tags": ["a"]}])
    created = versions()
    assert created[0] > before[0] and created[1] == before[1]

    Rule.objects.filter(pk=rule.pk).update(event="ticket.updated")  # moved, bypassing services
    moved = versions()
    assert moved[0] > created[0] and moved[1] > created[1]  # both types changed

    Rule.objects.filter(pk=-1).update(active=False)  # a statement that writes nothing
    assert versions() == moved

    Rule.objects.filter(pk=rule.pk).delete()
    assert versions()[1] > moved[1]
    assert RuleSetVersion.objects.filter(organization_id=org).count() == 2
