"""Records of runs that did not match store no trace; reading them computes the one they had."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from ruledesk.tenancy.models import User
from rules_engine import vocabulary as v
from rules_engine.evaluate import Snapshot, evaluate, matcher, matches
from rules_engine.models import Rule, RuleEventSnapshot, RuleExecution
from rules_engine.services import rule_update
from tests.rules_engine.conftest import dispatch_all, make_rule, ticket
from workflows import services as tickets

Api = Callable[[User | None], APIClient]
LOW_OR_VPN = {
    "all": [
        {"field": "ticket.priority", "operator": "is", "value": "low"},
        {
            "any": [
                {"field": "ticket.title", "operator": "contains", "value": "vpn"},
                {"field": "ticket.tags", "operator": "contains", "value": "network"},
            ]
        },
    ]
}


def test_an_unmatched_run_is_stored_without_its_trace_and_read_with_it(
    api: Api, admin: User, requester: User
) -> None:
    rule = make_rule(admin, name="Low VPN", conditions=LOW_OR_VPN)
    target = ticket(requester, title="Printer jams")
    dispatch_all()

    stored = RuleExecution.objects.get(rule=rule)
    assert (stored.matched, stored.trace) == (False, None)
    assert stored.rule_version == rule.history.latest("history_id").history_id
    assert stored.event_id is not None
    snap = RuleEventSnapshot.objects.get(event_id=stored.event_id)
    assert snap.values["ticket.priority"] == "medium"
    assert snap.values["ticket.tags"] == []

    # The rule changes afterwards: the record still shows the conditions that ran.
    rule_update(actor=admin, rule=rule, data={"conditions": {"all": []}})
    shown = api(admin).get(f"/api/v1/tickets/{target.pk}/rule-executions").json()["results"]

    assert [e["trace"] for e in shown if e["rule"]["id"] == rule.pk] == [
        [
            {
                "path": "conditions.all[0]",
                "field": "ticket.priority",
                "operator": "is",
                "value": "low",
                "actual": "medium",
                "result": False,
            },
            {
                "path": "conditions.all[1].any[0]",
                "field": "ticket.title",
                "operator": "contains",
                "value": "vpn",
                "actual": "Printer jams",
                "result": False,
            },
            {
                "path": "conditions.all[1].any[1]",
                "field": "ticket.tags",
                "operator": "contains",
                "value": "network",
                "actual": [],
                "result": False,
            },
        ]
    ]


def test_a_matched_run_stores_its_trace_and_needs_no_snapshot(admin: User, requester: User) -> None:
    rule = make_rule(
        admin,
        conditions={"all": [{"field": "ticket.title", "operator": "contains", "value": "jams"}]},
    )
    ticket(requester)
    dispatch_all()

    stored = RuleExecution.objects.get(rule=rule)
    assert stored.matched is True
    assert stored.rule_version is None
    assert stored.trace == [
        {
            "path": "conditions.all[0]",
            "field": "ticket.title",
            "operator": "contains",
            "value": "jams",
            "actual": "Printer jams",
            "result": True,
        }
    ]
    assert not RuleEventSnapshot.objects.exists()


def test_a_rule_changed_behind_the_services_back_keeps_full_traces(
    admin: User, requester: User
) -> None:
    rule = make_rule(admin, conditions=LOW_OR_VPN)
    Rule.objects.filter(pk=rule.pk).update(
        conditions={"all": [{"field": "ticket.priority", "operator": "is", "value": "high"}]}
    )
    ticket(requester)
    dispatch_all()

    stored = RuleExecution.objects.get(rule=rule)
    assert stored.rule_version is None
    assert stored.trace == [
        {
            "path": "conditions.all[0]",
            "field": "ticket.priority",
            "operator": "is",
            "value": "high",
            "actual": "medium",
            "result": False,
        }
    ]


def test_reading_computed_traces_costs_the_same_queries_for_one_record_or_many(
    api: Api, admin: User, requester: User
) -> None:
    rule = make_rule(admin, conditions=LOW_OR_VPN)
    target = ticket(requester)
    dispatch_all()
    client = api(admin)
    client.get(f"/api/v1/rules/{rule.pk}/executions")  # warm caches (grants)
    with CaptureQueriesContext(connection) as one:
        client.get(f"/api/v1/rules/{rule.pk}/executions")
        client.get(f"/api/v1/tickets/{target.pk}/rule-executions")
    for n in range(3):
        make_rule(admin, name=f"Also low {n}", conditions=LOW_OR_VPN)
        ticket(requester, title=f"More {n}")
        tickets.ticket_update(actor=admin, ticket=target, title=f"Renamed {n}")
    dispatch_all()
    with CaptureQueriesContext(connection) as many:
        first = client.get(f"/api/v1/rules/{rule.pk}/executions").json()["results"]
        client.get(f"/api/v1/tickets/{target.pk}/rule-executions")
    assert len(first) == 4 and all(e["trace"] for e in first)
    assert len(many) == len(one)


# --- `matches` is `evaluate` without the trace ---------------------------------------------


def _random_leaf(rng: random.Random) -> dict[str, Any]:
    name = rng.choice(sorted(v.FIELDS))
    spec = v.FIELDS[name]
    operator = rng.choice(sorted(spec.operators))
    value: Any = rng.choice(["low", "high", "vpn", "network", 1, 2.5, None, "open"])
    if operator in ("in", "not_in"):
        value = rng.sample(["low", "high", "open", "new", 1, 2], 2)
    return {"field": name, "operator": operator, "value": value}


def _random_tree(rng: random.Random, depth: int = 0) -> dict[str, Any]:
    if depth >= 3 or rng.random() < 0.4:
        return _random_leaf(rng)
    kind = rng.choice(["all", "any", "not"])
    if kind == "not":
        return {"not": _random_tree(rng, depth + 1)}
    return {kind: [_random_tree(rng, depth + 1) for _ in range(rng.randint(0, 4))]}


def _random_snapshot(rng: random.Random) -> Snapshot:
    pool: list[Any] = ["low", "high", "open", "vpn issue", "Network", None, 1, 2, 3.5, []]
    values = {name: rng.choice(pool) for name in v.FIELDS}
    values["ticket.tags"] = rng.sample(["network", "vpn", "vip", "LOW"], rng.randint(0, 3))
    changes = {
        spec.change_key: [rng.choice(pool), rng.choice(pool)]
        for spec in v.FIELDS.values()
        if spec.change_key and rng.random() < 0.5
    }
    return Snapshot(values=values, changes=changes)


def test_matches_gives_the_verdict_of_evaluate_on_two_thousand_random_trees() -> None:
    rng = random.Random(20261125)
    agreed = 0
    for _ in range(2000):
        tree, snap = _random_tree(rng), _random_snapshot(rng)
        try:
            expected = evaluate(tree, snap)[0]
        except (KeyError, TypeError, ValueError, AttributeError):
            continue  # a value no validated rule can hold; the engine records an error
        assert matches(tree, snap) is expected, tree
        agreed += 1
    assert agreed > 1500


def test_records_outlive_their_rule_and_still_show_its_trace(admin: User, requester: User) -> None:
    from rules_engine.selectors import traces_fill
    from rules_engine.services import rule_delete

    rule = make_rule(admin, name="Short-lived", conditions=LOW_OR_VPN)
    target = ticket(requester)
    dispatch_all()
    rule_delete(actor=admin, rule=rule)

    kept = RuleExecution.objects.get(rule_name="Short-lived")
    assert (kept.rule_id, kept.ticket_id) == (None, target.pk)
    traces_fill([kept])
    assert [entry["result"] for entry in kept.trace or []] == [False, False, False]


def test_a_compiled_matcher_gives_the_verdict_of_matches_on_five_thousand_random_trees() -> None:
    rng = random.Random(20261205)
    agreed = failed = 0
    for _ in range(5000):
        tree = _random_tree(rng)
        try:
            compiled = matcher(tree)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            # Then `matches` fails on it too, whatever the snapshot.
            with pytest.raises(type(exc)):
                matches(tree, _random_snapshot(rng))
            failed += 1
            continue
        for _snapshot in range(3):
            snap = _random_snapshot(rng)
            try:
                expected = matches(tree, snap)
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                with pytest.raises(type(exc)):
                    compiled(snap)
                failed += 1
                continue
            assert compiled(snap) is expected, tree
            agreed += 1
    assert agreed == 15000 and failed == 0  # every generated tree is a valid one


@pytest.mark.parametrize(
    "tree",
    [
        {"field": "ticket.nope", "operator": "is", "value": 1},  # fails when built
        {"field": "ticket.priority", "operator": "between", "value": 1},  # idem
        {"all": [{"field": "ticket.priority", "operator": "in", "value": None}]},  # when run
    ],
)
def test_a_compiled_matcher_fails_where_matches_fails(tree: dict[str, Any]) -> None:
    snap = Snapshot(values=dict.fromkeys(v.FIELDS, "high"))
    with pytest.raises((KeyError, TypeError)) as expected:
        matches(tree, snap)
    with pytest.raises(expected.type):
        matcher(tree)(snap)
