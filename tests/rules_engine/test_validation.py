"""Rule definitions: every bad node is named by its JSON path (pure, no database)."""

from __future__ import annotations

from typing import Any

import pytest

from rules_engine.validation import validate_conditions, validate_definition


class Refs:
    """Ids that exist in the rule's organization, per kind."""

    def __init__(self, **known: set[int]) -> None:
        self.known = known

    def exists(self, kind: str, ident: int) -> bool:
        return ident in self.known.get(kind, set())


REFS = Refs(category={1}, team={2}, agent={3}, user={3, 4}, template={5}, sla_policy={6})


def leaf(field: str = "ticket.status", operator: str = "is", **extra: Any) -> dict[str, Any]:
    node: dict[str, Any] = {"field": field, "operator": operator}
    node.update(extra)
    return node


def errors_of(
    *,
    event: Any = "ticket.created",
    schedule: Any = None,
    conditions: Any = None,
    actions: Any = None,
) -> list[tuple[str, str]]:
    found = validate_definition(
        event=event,
        schedule=schedule,
        conditions={"all": []} if conditions is None else conditions,
        actions=[] if actions is None else actions,
        refs=REFS,
    )
    return [(e.field, e.code) for e in found]


def nest(depth: int) -> dict[str, Any]:
    node: dict[str, Any] = leaf(value="new")
    for _ in range(depth):
        node = {"all": [node]}
    return node


VALID_CONDITIONS = [
    {"all": []},
    {"any": [leaf(value="open")]},
    {"not": leaf(value="open")},
    {"all": [leaf("ticket.priority", "in", value=["high", "critical"])]},
    {"all": [leaf("ticket.title", "contains", value="printer")]},
    {"all": [leaf("ticket.title", "starts_with", value="Re:")]},
    {"all": [leaf("ticket.tags", "contains", value="vip")]},
    {"all": [leaf("ticket.tags", "not_contains", value="vip")]},
    {"all": [leaf("ticket.tags", "changed")]},
    {"all": [leaf("ticket.assignee", "is_empty")]},
    {"all": [leaf("ticket.assignee", "is_not_empty", value=None)]},
    {"all": [leaf("ticket.assignee", "changed")]},
    {"all": [leaf("ticket.assignee", "changed_from", value=None)]},
    {"all": [leaf("ticket.assignee", "is", value=12)]},
    {"all": [leaf("ticket.category", "not_in", value=[1, 2])]},
    {"all": [leaf("ticket.status", "changed_to", value="resolved")]},
    {"all": [leaf("ticket.hours_since_created", "gt", value=24)]},
    {"all": [leaf("ticket.business_hours_since_updated", "lte", value=1.5)]},
    {"all": [leaf("ticket.reopen_count", "gte", value=2)]},
    {"all": [leaf("csat.score", "lt", value=3)]},
    {"all": [leaf("comment.visibility", "is", value="public")]},
    {"all": [leaf("comment.author_role", "in", value=["agent", "admin"])]},
    {"all": [leaf("ticket.sla_state", "is", value="at_risk")]},
    {"all": [leaf("ticket.requester_email_domain", "ends_with", value="acme.test")]},
    nest(5),
    {"all": [{"any": [{"not": {"all": [{"any": [leaf(value="new")]}]}}]}]},
]


@pytest.mark.parametrize("conditions", VALID_CONDITIONS)
def test_valid_condition_trees_have_no_errors(conditions: Any) -> None:
    assert validate_conditions(conditions) == []


INVALID_CONDITIONS = [
    ("not an object", [], "conditions", "invalid"),
    ("all is not a list", {"all": leaf(value="new")}, "conditions.all", "invalid"),
    ("two group keys", {"all": [], "any": []}, "conditions", "invalid"),
    (
        "unknown operator",
        {"all": [leaf(value="new"), leaf(operator="equals", value="new")]},
        "conditions.all[1].operator",
        "invalid_choice",
    ),
    (
        "unknown field",
        {"any": [leaf("ticket.colour", value="x")]},
        "conditions.any[0].field",
        "invalid_choice",
    ),
    (
        "missing field",
        {"any": [{"operator": "is", "value": "x"}]},
        "conditions.any[0].field",
        "invalid_choice",
    ),
    (
        "operator not for the type",
        {"all": [leaf("ticket.reopen_count", "contains", value="1")]},
        "conditions.all[0].operator",
        "not_allowed",
    ),
    (
        "gt on a choice",
        {"all": [leaf("ticket.priority", "gt", value="low")]},
        "conditions.all[0].operator",
        "not_allowed",
    ),
    (
        "changed on a field events never change",
        {"all": [leaf("ticket.hours_since_created", "changed")]},
        "conditions.all[0].operator",
        "not_allowed",
    ),
    (
        "changed_to on tags",
        {"all": [leaf("ticket.tags", "changed_to", value="vip")]},
        "conditions.all[0].operator",
        "not_allowed",
    ),
    (
        "is_empty with a value",
        {"all": [leaf("ticket.assignee", "is_empty", value=3)]},
        "conditions.all[0].value",
        "not_allowed",
    ),
    (
        "changed with a value",
        {"all": [leaf("ticket.status", "changed", value="open")]},
        "conditions.all[0].value",
        "not_allowed",
    ),
    ("missing value", {"all": [leaf()]}, "conditions.all[0].value", "required"),
    (
        "in takes a list",
        {"all": [leaf(operator="in", value="new")]},
        "conditions.all[0].value",
        "invalid",
    ),
    (
        "in takes a non-empty list",
        {"all": [leaf(operator="in", value=[])]},
        "conditions.all[0].value",
        "invalid",
    ),
    (
        "bad item in a list",
        {"all": [leaf(operator="in", value=["new", "done"])]},
        "conditions.all[0].value[1]",
        "invalid",
    ),
    ("unknown status", {"all": [leaf(value="done")]}, "conditions.all[0].value", "invalid"),
    (
        "id as string",
        {"all": [leaf("ticket.team", value="3")]},
        "conditions.all[0].value",
        "invalid",
    ),
    (
        "boolean as id",
        {"all": [leaf("ticket.team", value=True)]},
        "conditions.all[0].value",
        "invalid",
    ),
    (
        "negative id",
        {"all": [leaf("ticket.category", value=-1)]},
        "conditions.all[0].value",
        "invalid",
    ),
    (
        "number as string",
        {"all": [leaf("csat.score", "gt", value="3")]},
        "conditions.all[0].value",
        "invalid",
    ),
    (
        "boolean as number",
        {"all": [leaf("csat.score", "gt", value=True)]},
        "conditions.all[0].value",
        "invalid",
    ),
    (
        "empty text",
        {"all": [leaf("ticket.title", "contains", value=" ")]},
        "conditions.all[0].value",
        "invalid",
    ),
    (
        "over-long text",
        {"all": [leaf("ticket.title", "contains", value="x" * 1001)]},
        "conditions.all[0].value",
        "invalid",
    ),
    (
        "unknown key in a leaf",
        {"all": [leaf(value="new", extra=1)]},
        "conditions.all[0].extra",
        "unknown_field",
    ),
    ("a leaf that is a list", {"all": [[]]}, "conditions.all[0]", "invalid"),
    ("six groups deep", nest(6), "conditions.all[0].all[0].all[0].all[0].all[0]", "max_depth"),
    (
        "not nests too",
        {"not": {"not": {"not": {"not": {"not": {"not": leaf(value="new")}}}}}},
        "conditions.not.not.not.not.not",
        "max_depth",
    ),
    (
        "bad node under not",
        {"not": {"all": [leaf("x")]}},
        "conditions.not.all[0].field",
        "invalid_choice",
    ),
]


@pytest.mark.parametrize(
    ("conditions", "path", "code"),
    [case[1:] for case in INVALID_CONDITIONS],
    ids=[case[0] for case in INVALID_CONDITIONS],
)
def test_invalid_condition_trees_name_the_bad_node(conditions: Any, path: str, code: str) -> None:
    assert [(e.field, e.code) for e in validate_conditions(conditions)] == [(path, code)]


def test_too_many_conditions_is_refused() -> None:
    tree = {"any": [leaf(value="new") for _ in range(101)]}
    assert [(e.field, e.code) for e in validate_conditions(tree)] == [("conditions", "too_many")]


def test_several_errors_are_all_reported() -> None:
    tree = {"all": [leaf(operator="nope"), leaf("ticket.nope"), leaf(value="new")]}
    assert [e.field for e in validate_conditions(tree)] == [
        "conditions.all[0].operator",
        "conditions.all[1].field",
    ]


VALID_ACTIONS: list[dict[str, Any]] = [
    {"type": "set_priority", "priority": "high"},
    {"type": "set_category", "category": 1},
    {"type": "assign_team", "team": 2},
    {"type": "assign_agent", "agent": 3},
    {"type": "assign_agent", "agent": "round_robin"},
    {"type": "assign_agent", "agent": "least_loaded"},
    {"type": "transition", "name": "resolve"},
    {"type": "add_tags", "tags": ["vip", "printer"]},
    {"type": "remove_tags", "tags": ["vip"]},
    {"type": "add_internal_note", "body": "Checked by automation."},
    {
        "type": "notify",
        "recipients": ["requester", "assignee", "team", "mentioned", "role:agent", "user:4"],
        "channel": "both",
    },
    {"type": "notify", "recipients": ["assignee"], "channel": "email", "template": 5},
    {"type": "notify", "recipients": ["assignee"], "channel": "in_app", "template": None},
    {"type": "escalate"},
    {"type": "escalate", "raise_priority": True},
    {"type": "request_csat"},
    {"type": "apply_sla_policy", "policy": 6},
]


@pytest.mark.parametrize("action", VALID_ACTIONS, ids=[a["type"] for a in VALID_ACTIONS])
def test_valid_actions_have_no_errors(action: dict[str, Any]) -> None:
    assert errors_of(actions=[action]) == []


INVALID_ACTIONS = [
    ("unknown type", {"type": "delete_ticket"}, "actions[1].type", "invalid_choice"),
    ("no type", {"priority": "high"}, "actions[1].type", "invalid_choice"),
    ("not an object", "set_priority", "actions[1]", "invalid"),
    ("missing param", {"type": "set_priority"}, "actions[1].priority", "required"),
    (
        "bad priority",
        {"type": "set_priority", "priority": "urgent"},
        "actions[1].priority",
        "invalid_choice",
    ),
    ("unknown param", {"type": "request_csat", "when": "now"}, "actions[1].when", "unknown_field"),
    (
        "category of another org",
        {"type": "set_category", "category": 99},
        "actions[1].category",
        "does_not_exist",
    ),
    (
        "category as string",
        {"type": "set_category", "category": "1"},
        "actions[1].category",
        "invalid",
    ),
    (
        "team of another org",
        {"type": "assign_team", "team": 99},
        "actions[1].team",
        "does_not_exist",
    ),
    (
        "inactive or non-agent",
        {"type": "assign_agent", "agent": 4},
        "actions[1].agent",
        "does_not_exist",
    ),
    (
        "unknown strategy",
        {"type": "assign_agent", "agent": "random"},
        "actions[1].agent",
        "invalid_choice",
    ),
    (
        "unknown transition",
        {"type": "transition", "name": "archive"},
        "actions[1].name",
        "invalid_choice",
    ),
    ("tags not a list", {"type": "add_tags", "tags": "vip"}, "actions[1].tags", "invalid"),
    ("empty tag list", {"type": "remove_tags", "tags": []}, "actions[1].tags", "invalid"),
    (
        "over-long tag",
        {"type": "add_tags", "tags": ["ok", "x" * 51]},
        "actions[1].tags[1]",
        "invalid",
    ),
    ("empty note", {"type": "add_internal_note", "body": "  "}, "actions[1].body", "invalid"),
    (
        "huge note",
        {"type": "add_internal_note", "body": "x" * 10_001},
        "actions[1].body",
        "max_length",
    ),
    (
        "unknown recipient",
        {"type": "notify", "recipients": ["requester", "boss"], "channel": "email"},
        "actions[1].recipients[1]",
        "invalid_choice",
    ),
    (
        "malformed user recipient",
        {"type": "notify", "recipients": ["user:x"], "channel": "email"},
        "actions[1].recipients[0]",
        "invalid_choice",
    ),
    (
        "unknown user recipient",
        {"type": "notify", "recipients": ["user:77"], "channel": "email"},
        "actions[1].recipients[0]",
        "does_not_exist",
    ),
    (
        "no recipients",
        {"type": "notify", "recipients": [], "channel": "email"},
        "actions[1].recipients",
        "invalid",
    ),
    (
        "bad channel",
        {"type": "notify", "recipients": ["requester"], "channel": "sms"},
        "actions[1].channel",
        "invalid_choice",
    ),
    (
        "missing channel",
        {"type": "notify", "recipients": ["requester"]},
        "actions[1].channel",
        "required",
    ),
    (
        "template of another org",
        {"type": "notify", "recipients": ["requester"], "channel": "email", "template": 9},
        "actions[1].template",
        "does_not_exist",
    ),
    (
        "raise_priority not a boolean",
        {"type": "escalate", "raise_priority": "yes"},
        "actions[1].raise_priority",
        "invalid",
    ),
    (
        "policy of another org",
        {"type": "apply_sla_policy", "policy": 7},
        "actions[1].policy",
        "does_not_exist",
    ),
]


@pytest.mark.parametrize(
    ("action", "path", "code"),
    [case[1:] for case in INVALID_ACTIONS],
    ids=[case[0] for case in INVALID_ACTIONS],
)
def test_invalid_actions_name_the_bad_param(action: Any, path: str, code: str) -> None:
    good = {"type": "request_csat"}
    assert errors_of(actions=[good, action]) == [(path, code)]


def test_actions_must_be_a_list_of_at_most_twenty() -> None:
    assert errors_of(actions={"type": "request_csat"}) == [("actions", "invalid")]
    assert errors_of(actions=[{"type": "request_csat"}] * 21) == [("actions", "too_many")]


@pytest.mark.parametrize(
    ("event", "schedule", "expected"),
    [
        ("ticket.updated", None, []),
        ("csat.received", None, []),
        ("schedule", {"every_minutes": 1}, []),
        ("schedule", {"every_minutes": 10080}, []),
        ("ticket.deleted", None, [("event", "invalid_choice")]),
        (None, None, [("event", "invalid_choice")]),
        ("schedule", None, [("schedule", "required")]),
        ("schedule", {"every_minutes": 0}, [("schedule.every_minutes", "invalid")]),
        ("schedule", {"every_minutes": 10081}, [("schedule.every_minutes", "invalid")]),
        ("schedule", {"every_minutes": "5"}, [("schedule.every_minutes", "invalid")]),
        ("schedule", {"every_minutes": 5, "at": "09:00"}, [("schedule.at", "unknown_field")]),
        ("ticket.created", {"every_minutes": 5}, [("schedule", "not_allowed")]),
    ],
)
def test_event_and_schedule(event: Any, schedule: Any, expected: list[tuple[str, str]]) -> None:
    assert errors_of(event=event, schedule=schedule) == expected


def test_without_references_only_shapes_are_checked() -> None:
    found = validate_definition(
        event="ticket.created",
        schedule=None,
        conditions={"all": []},
        actions=[{"type": "set_category", "category": 99}],
        refs=None,
    )
    assert found == []


def test_null_characters_are_refused_wherever_they_hide() -> None:
    found = validate_definition(
        event="ticket.created",
        schedule=None,
        conditions={"all": [leaf("ticket.title", "contains", value="a\x00b")]},
        actions=[{"type": "add_tags", "tags": ["ok", "b\x00d"]}],
        refs=None,
    )
    assert [(e.field, e.code) for e in found] == [
        ("conditions.all[0].value", "null_characters"),
        ("actions[0].tags[1]", "null_characters"),
    ]
