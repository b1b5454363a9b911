"""Condition evaluation is a pure function over a snapshot: tables of cases, no database."""

from __future__ import annotations

from typing import Any

import pytest

from rules_engine.evaluate import LazyValues, Snapshot, evaluate

VALUES: dict[str, Any] = {
    "ticket.status": "open",
    "ticket.priority": "high",
    "ticket.category": 7,
    "ticket.team": None,
    "ticket.assignee": 12,
    "ticket.requester": 30,
    "ticket.requester_email_domain": "acme.test",
    "ticket.tags": ["VIP", "printer"],
    "ticket.title": "Printer on Floor 3 jams",
    "ticket.description": "",
    "ticket.channel": "web",
    "ticket.reopen_count": 2,
    "ticket.sla_state": "at_risk",
    "ticket.hours_since_created": 25.5,
    "ticket.hours_since_updated": 0.25,
    "ticket.business_hours_since_created": 8.0,
    "ticket.business_hours_since_updated": 0.0,
    "comment.visibility": "internal",
    "comment.author_role": "agent",
    "comment.body": "Escalating to @Dan",
    "csat.score": None,
}
CHANGES: dict[str, list[Any]] = {
    "status": ["new", "open"],
    "assignee": [None, 12],
    "tags": [["printer"], ["VIP", "printer"]],
    "priority": ["high", "high"],  # not a real change
}
SNAPSHOT = Snapshot(values=VALUES, changes=CHANGES)

CASES: list[tuple[str, str, Any, bool]] = [
    # equality on choices, ids, numbers
    ("ticket.status", "is", "open", True),
    ("ticket.status", "is", "new", False),
    ("ticket.status", "is_not", "new", True),
    ("ticket.status", "is_not", "open", False),
    ("ticket.status", "in", ["new", "open"], True),
    ("ticket.status", "in", ["resolved", "closed"], False),
    ("ticket.status", "not_in", ["resolved", "closed"], True),
    ("ticket.priority", "not_in", ["high"], False),
    ("ticket.category", "is", 7, True),
    ("ticket.category", "is", 8, False),
    ("ticket.category", "in", [1, 7], True),
    ("ticket.team", "is", 3, False),
    ("ticket.team", "is_not", 3, True),
    ("ticket.team", "in", [3], False),
    ("ticket.team", "not_in", [3], True),
    ("ticket.assignee", "is", 12, True),
    ("ticket.requester", "is_not", 30, False),
    ("ticket.reopen_count", "is", 2, True),
    ("ticket.reopen_count", "in", [1, 2], True),
    # emptiness
    ("ticket.team", "is_empty", None, True),
    ("ticket.team", "is_not_empty", None, False),
    ("ticket.assignee", "is_empty", None, False),
    ("ticket.assignee", "is_not_empty", None, True),
    ("ticket.description", "is_empty", None, True),
    ("ticket.title", "is_empty", None, False),
    ("ticket.tags", "is_empty", None, False),
    ("ticket.tags", "is_not_empty", None, True),
    ("csat.score", "is_empty", None, True),
    # text: case-insensitive
    ("ticket.title", "contains", "floor 3", True),
    ("ticket.title", "contains", "scanner", False),
    ("ticket.title", "not_contains", "scanner", True),
    ("ticket.title", "not_contains", "PRINTER", False),
    ("ticket.title", "starts_with", "printer", True),
    ("ticket.title", "starts_with", "jams", False),
    ("ticket.title", "ends_with", "JAMS", True),
    ("ticket.title", "ends_with", "printer", False),
    ("ticket.title", "is", "printer on floor 3 jams", True),
    ("ticket.title", "in", ["x", "PRINTER ON FLOOR 3 JAMS"], True),
    ("ticket.requester_email_domain", "is", "ACME.test", True),
    ("ticket.requester_email_domain", "ends_with", ".test", True),
    ("ticket.description", "contains", "x", False),
    ("ticket.description", "not_contains", "x", True),
    ("comment.body", "contains", "@dan", True),
    # tags: membership of one name, case-insensitive
    ("ticket.tags", "contains", "vip", True),
    ("ticket.tags", "contains", "Printer", True),
    ("ticket.tags", "contains", "print", False),
    ("ticket.tags", "not_contains", "urgent", True),
    ("ticket.tags", "not_contains", "vip", False),
    # numbers
    ("ticket.hours_since_created", "gt", 24, True),
    ("ticket.hours_since_created", "gt", 25.5, False),
    ("ticket.hours_since_created", "gte", 25.5, True),
    ("ticket.hours_since_created", "lt", 25.5, False),
    ("ticket.hours_since_created", "lte", 25.5, True),
    ("ticket.hours_since_updated", "lt", 1, True),
    ("ticket.business_hours_since_created", "gte", 8, True),
    ("ticket.business_hours_since_updated", "gt", 0, False),
    ("ticket.reopen_count", "gt", 1, True),
    ("ticket.reopen_count", "lte", 1, False),
    ("csat.score", "lt", 3, False),
    ("csat.score", "gte", 0, False),
    ("csat.score", "is_not", 5, True),
    # choices of the comment
    ("comment.visibility", "is", "internal", True),
    ("comment.visibility", "is", "public", False),
    ("comment.author_role", "in", ["agent", "admin"], True),
    ("ticket.sla_state", "is", "at_risk", True),
    ("ticket.channel", "is_not", "email", True),
    # changes
    ("ticket.status", "changed", None, True),
    ("ticket.status", "changed_to", "open", True),
    ("ticket.status", "changed_to", "resolved", False),
    ("ticket.status", "changed_from", "new", True),
    ("ticket.status", "changed_from", "open", False),
    ("ticket.assignee", "changed", None, True),
    ("ticket.assignee", "changed_from", None, True),
    ("ticket.assignee", "changed_to", 12, True),
    ("ticket.assignee", "changed_to", 13, False),
    ("ticket.tags", "changed", None, True),
    ("ticket.priority", "changed", None, False),  # before == after is no change
    ("ticket.category", "changed", None, False),  # not in the changes
    ("ticket.title", "changed_to", "x", False),
]


@pytest.mark.parametrize(("field", "operator", "value", "expected"), CASES)
def test_leaf(field: str, operator: str, value: Any, expected: bool) -> None:
    node = {"field": field, "operator": operator, "value": value}
    matched, trace = evaluate({"all": [node]}, SNAPSHOT)
    assert matched is expected
    assert trace[0]["result"] is expected
    assert trace[0]["path"] == "conditions.all[0]"


def test_trace_has_one_entry_per_leaf_with_actual_values() -> None:
    tree = {
        "any": [
            {"field": "ticket.status", "operator": "is", "value": "new"},
            {
                "all": [
                    {"field": "ticket.priority", "operator": "in", "value": ["high"]},
                    {"not": {"field": "ticket.tags", "operator": "contains", "value": "vip"}},
                ]
            },
            {"field": "ticket.assignee", "operator": "changed"},
        ]
    }
    matched, trace = evaluate(tree, SNAPSHOT)
    assert matched is True
    assert trace == [
        {
            "path": "conditions.any[0]",
            "field": "ticket.status",
            "operator": "is",
            "value": "new",
            "actual": "open",
            "result": False,
        },
        {
            "path": "conditions.any[1].all[0]",
            "field": "ticket.priority",
            "operator": "in",
            "value": ["high"],
            "actual": "high",
            "result": True,
        },
        {
            "path": "conditions.any[1].all[1].not",
            "field": "ticket.tags",
            "operator": "contains",
            "value": "vip",
            "actual": ["VIP", "printer"],
            "result": True,
        },
        {
            "path": "conditions.any[2]",
            "field": "ticket.assignee",
            "operator": "changed",
            "value": None,
            "actual": [None, 12],
            "result": True,
        },
    ]


@pytest.mark.parametrize(
    ("tree", "expected"),
    [
        ({"all": []}, True),
        ({"any": []}, False),
        ({"not": {"all": []}}, False),
        ({"not": {"field": "ticket.status", "operator": "is", "value": "open"}}, False),
        (
            {
                "all": [
                    {"field": "ticket.status", "operator": "is", "value": "open"},
                    {"field": "ticket.priority", "operator": "is", "value": "low"},
                ]
            },
            False,
        ),
        (
            {
                "any": [
                    {"field": "ticket.status", "operator": "is", "value": "closed"},
                    {
                        "not": {
                            "any": [{"field": "ticket.priority", "operator": "is", "value": "low"}]
                        }
                    },
                ]
            },
            True,
        ),
    ],
)
def test_groups(tree: dict[str, Any], expected: bool) -> None:
    assert evaluate(tree, SNAPSHOT)[0] is expected


def test_every_leaf_is_traced_even_after_the_verdict_is_known() -> None:
    tree = {
        "all": [
            {"field": "ticket.status", "operator": "is", "value": "closed"},
            {"field": "ticket.priority", "operator": "is", "value": "high"},
        ]
    }
    matched, trace = evaluate(tree, SNAPSHOT)
    assert matched is False
    assert [entry["result"] for entry in trace] == [False, True]


def test_lazy_values_are_computed_only_when_read_and_once() -> None:
    calls: list[str] = []

    def expensive() -> float:
        calls.append("business")
        return 3.0

    values = LazyValues(
        {"ticket.status": lambda: "open", "ticket.business_hours_since_created": expensive}
    )
    snapshot = Snapshot(values=values)
    assert evaluate(
        {"all": [{"field": "ticket.status", "operator": "is", "value": "open"}]}, snapshot
    )[0]
    assert calls == []
    node = {"field": "ticket.business_hours_since_created", "operator": "gt", "value": 2}
    assert evaluate({"all": [node, node]}, snapshot)[0] is True
    assert calls == ["business"]


def test_missing_comment_fields_are_empty_on_ticket_events() -> None:
    snapshot = Snapshot(values={**VALUES, "comment.visibility": None, "comment.body": None})
    assert (
        evaluate(
            {"all": [{"field": "comment.visibility", "operator": "is", "value": "public"}]},
            snapshot,
        )[0]
        is False
    )
    assert (
        evaluate({"all": [{"field": "comment.visibility", "operator": "is_empty"}]}, snapshot)[0]
        is True
    )
    assert (
        evaluate(
            {"all": [{"field": "comment.body", "operator": "not_contains", "value": "x"}]}, snapshot
        )[0]
        is True
    )
