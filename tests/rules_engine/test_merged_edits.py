"""The field edits of one event's matched rules are applied as one update, in rule order."""

from __future__ import annotations

from ruledesk.tenancy.models import User
from rules_engine.models import RuleExecution
from tests.rules_engine.conftest import dispatch_all, make_rule, ticket
from workflows.models import Comment, Ticket
from workflows.services import taxonomy


def test_edits_of_several_rules_add_up_to_one_update_where_the_later_rule_wins(
    admin: User, requester: User
) -> None:
    make_rule(
        admin,
        position=1,
        actions=[
            {"type": "set_priority", "priority": "high"},
            {"type": "add_tags", "tags": ["printer", "floor-2"]},
        ],
    )
    make_rule(
        admin,
        position=2,
        actions=[
            {"type": "remove_tags", "tags": ["FLOOR-2"]},
            {"type": "set_priority", "priority": "critical"},
            {"type": "add_tags", "tags": ["vip"]},
        ],
    )
    created = ticket(requester)

    events = dispatch_all()

    created = Ticket.objects.get(pk=created.pk)
    assert created.priority == "critical"
    assert sorted(created.tags.values_list("name", flat=True)) == ["printer", "vip"]
    updates = [e for e in events if e.type == "ticket.updated"]
    assert len(updates) == 1
    assert updates[0].depth == 1
    assert updates[0].changes["priority"] == ["medium", "critical"]
    assert sorted(updates[0].changes["tags"][1]) == ["printer", "vip"]
    assert created.history.filter(history_type="~").count() == 1


def test_another_action_sees_the_edits_before_it_and_splits_the_update(
    admin: User, requester: User
) -> None:
    make_rule(admin, position=1, actions=[{"type": "add_tags", "tags": ["hardware"]}])
    make_rule(
        admin,
        position=2,
        actions=[
            {"type": "add_internal_note", "body": "Checked by automation."},
            {"type": "set_priority", "priority": "low"},
        ],
    )
    created = ticket(requester)

    events = dispatch_all()

    caused = [(e.type, sorted(e.changes)) for e in events if e.depth == 1]
    assert caused == [
        ("ticket.updated", ["tags"]),
        ("comment.created", []),
        ("ticket.updated", ["priority"]),
    ]
    created = Ticket.objects.get(pk=created.pk)
    assert created.priority == "low"
    assert list(created.tags.values_list("name", flat=True)) == ["hardware"]
    note = Comment.objects.get(ticket=created)
    assert (note.visibility, note.body) == ("internal", "Checked by automation.")


def test_a_refused_edit_is_recorded_on_its_own_action_and_the_others_still_apply(
    admin: User, requester: User
) -> None:
    hardware = taxonomy.category_create(actor=admin, name="Hardware")
    stale = make_rule(
        admin, position=1, actions=[{"type": "set_category", "category": hardware.pk}]
    )
    fine = make_rule(
        admin,
        position=2,
        actions=[
            {"type": "add_tags", "tags": ["triaged"]},
            {"type": "set_priority", "priority": "high"},
        ],
    )
    taxonomy.category_archive(actor=admin, category=hardware)
    created = ticket(requester)

    dispatch_all()

    created = Ticket.objects.get(pk=created.pk)
    assert created.category_id is None
    assert created.priority == "high"
    assert list(created.tags.values_list("name", flat=True)) == ["triaged"]
    runs = dict(
        RuleExecution.objects.filter(event_type="ticket.created").values_list("rule_id", "actions")
    )
    assert runs[stale.pk] == [
        {
            "type": "set_category",
            "ok": False,
            "error": "This category is archived. (category: This category is archived.)",
        }
    ]
    assert runs[fine.pk] == [
        {"type": "add_tags", "ok": True},
        {"type": "set_priority", "ok": True},
    ]
