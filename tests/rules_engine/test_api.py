"""The rules API as a contract: shapes, validation paths, dry runs that change nothing, executions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from ruledesk.audit.models import AuditEvent
from ruledesk.tenancy.models import User
from rules_engine.models import Rule, RuleExecution
from rules_engine.vocabulary import EVENTS, OPERATORS
from tests.rules_engine.conftest import dispatch_all, make_rule, ticket
from workflows.models import Ticket

Api = Callable[[User | None], APIClient]

BODY: dict[str, Any] = {
    "name": "VIP first",
    "description": "VIP tickets jump the queue.",
    "event": "ticket.created",
    "conditions": {
        "all": [
            {"field": "ticket.tags", "operator": "contains", "value": "vip"},
            {"not": {"field": "ticket.priority", "operator": "in", "value": ["high", "critical"]}},
        ]
    },
    "actions": [{"type": "set_priority", "priority": "high"}],
    "position": 3,
    "active": True,
    "stop_processing": False,
}


def test_create_read_update_delete_with_history_and_audit(api: Api, admin: User) -> None:
    client = api(admin)

    created = client.post("/api/v1/rules", BODY, format="json")

    assert created.status_code == 201, created.json()
    body = created.json()
    rule_id = body["id"]
    assert body == {
        "id": rule_id,
        **BODY,
        "schedule": None,
        "created_by": {"id": admin.pk, "name": "Alice Admin", "email": "admin@acme.test"},
        "created_at": body["created_at"],
        "updated_at": body["updated_at"],
    }
    assert client.get(f"/api/v1/rules/{rule_id}").json() == body

    patched = client.patch(
        f"/api/v1/rules/{rule_id}",
        {"name": "VIPs first", "actions": [{"type": "add_tags", "tags": ["fast"]}]},
        format="json",
    )
    assert patched.status_code == 200
    assert patched.json()["name"] == "VIPs first"
    assert patched.json()["actions"] == [{"type": "add_tags", "tags": ["fast"]}]
    assert patched.json()["conditions"] == BODY["conditions"]

    rule = Rule.objects.get(pk=rule_id)
    assert [h.history_type for h in rule.history.order_by("history_id")] == ["+", "~"]
    assert rule.history.earliest("history_id").name == "VIP first"

    assert client.delete(f"/api/v1/rules/{rule_id}").status_code == 204
    assert not Rule.objects.filter(pk=rule_id).exists()
    assert list(
        AuditEvent.objects.filter(object_type="rule", object_id=str(rule_id))
        .order_by("pk")
        .values_list("action", flat=True)
    ) == ["rule.create", "rule.update", "rule.delete"]


def test_list_is_ordered_by_position_then_id(api: Api, admin: User) -> None:
    later = make_rule(admin, name="b", position=2)
    first = make_rule(admin, name="a", position=1)
    tie = make_rule(admin, name="c", position=2)

    response = api(admin).get("/api/v1/rules")

    assert response.status_code == 200
    assert [r["id"] for r in response.json()["results"]] == [first.pk, later.pk, tie.pk]


def test_schedule_rules_carry_their_interval(api: Api, admin: User) -> None:
    client = api(admin)
    body = {
        **BODY,
        "event": "schedule",
        "schedule": {"every_minutes": 15},
        "conditions": {
            "all": [{"field": "ticket.hours_since_updated", "operator": "gt", "value": 48}]
        },
    }
    created = client.post("/api/v1/rules", body, format="json")
    assert created.status_code == 201
    assert created.json()["schedule"] == {"every_minutes": 15}
    assert Rule.objects.get(pk=created.json()["id"]).schedule_every_minutes == 15

    moved = client.patch(
        f"/api/v1/rules/{created.json()['id']}", {"event": "ticket.updated"}, format="json"
    )
    assert moved.status_code == 200
    assert moved.json()["schedule"] is None


def _fields(response: Any) -> list[tuple[str, str]]:
    return [(e["field"], e["code"]) for e in response.json()["errors"]]


def test_invalid_trees_answer_400_naming_the_path_of_the_bad_node(api: Api, admin: User) -> None:
    client = api(admin)
    bad = {
        **BODY,
        "conditions": {
            "all": [
                {"field": "ticket.status", "operator": "is", "value": "open"},
                {"field": "ticket.status", "operator": "resembles", "value": "open"},
            ]
        },
        "actions": [{"type": "set_priority", "priority": "urgent"}],
    }

    response = client.post("/api/v1/rules", bad, format="json")

    assert response.status_code == 400
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert response.json()["code"] == "validation_error"
    assert _fields(response) == [
        ("conditions.all[1].operator", "invalid_choice"),
        ("actions[0].priority", "invalid_choice"),
    ]
    assert Rule.objects.count() == 0


def test_invalid_patch_changes_nothing(api: Api, admin: User) -> None:
    rule = make_rule(admin, **{k: v for k, v in BODY.items() if k != "event"})
    deep: dict[str, Any] = {"field": "ticket.status", "operator": "is", "value": "new"}
    for _ in range(6):
        deep = {"any": [deep]}

    response = api(admin).patch(f"/api/v1/rules/{rule.pk}", {"conditions": deep}, format="json")

    assert response.status_code == 400
    assert _fields(response) == [("conditions.any[0].any[0].any[0].any[0].any[0]", "max_depth")]
    assert Rule.objects.get(pk=rule.pk).conditions == BODY["conditions"]


def test_references_must_exist_in_the_callers_organization(
    api: Api, admin: User, outsider: User
) -> None:
    from tests import factories

    theirs = factories.team(outsider.organization, "Theirs")  # type: ignore[arg-type]
    body = {**BODY, "actions": [{"type": "assign_team", "team": theirs.pk}]}

    response = api(admin).post("/api/v1/rules", body, format="json")

    assert response.status_code == 400
    assert _fields(response) == [("actions[0].team", "does_not_exist")]


def test_unknown_fields_and_bad_enums_are_400(api: Api, admin: User) -> None:
    client = api(admin)
    unknown = client.post("/api/v1/rules", {**BODY, "owner": 1}, format="json")
    assert (unknown.status_code, _fields(unknown)) == (400, [("owner", "unknown_field")])
    event = client.post("/api/v1/rules", {**BODY, "event": "ticket.deleted"}, format="json")
    assert event.status_code == 400 and _fields(event)[0][0] == "event"


def test_an_agent_cannot_change_a_rule(api: Api, admin: User, agent: User) -> None:
    rule = make_rule(admin, name="Keep")

    response = api(agent).patch(f"/api/v1/rules/{rule.pk}", {"name": "Mine"}, format="json")

    assert response.status_code == 403
    assert Rule.objects.get(pk=rule.pk).name == "Keep"
    assert api(agent).delete(f"/api/v1/rules/{rule.pk}").status_code == 403
    assert Rule.objects.filter(pk=rule.pk).exists()


def test_vocabulary_lists_exactly_the_contract(api: Api, admin: User) -> None:
    body = api(admin).get("/api/v1/rules/vocabulary").json()

    assert body["events"] == list(EVENTS)
    assert body["operators"] == list(OPERATORS)
    assert [f["name"] for f in body["fields"]] == [
        "ticket.status",
        "ticket.priority",
        "ticket.category",
        "ticket.team",
        "ticket.assignee",
        "ticket.requester",
        "ticket.requester_email_domain",
        "ticket.tags",
        "ticket.title",
        "ticket.description",
        "ticket.channel",
        "ticket.reopen_count",
        "ticket.sla_state",
        "ticket.hours_since_created",
        "ticket.hours_since_updated",
        "ticket.business_hours_since_created",
        "ticket.business_hours_since_updated",
        "comment.visibility",
        "comment.author_role",
        "comment.body",
        "csat.score",
    ]
    tags = next(f for f in body["fields"] if f["name"] == "ticket.tags")
    assert tags == {
        "name": "ticket.tags",
        "type": "tags",
        "operators": ["contains", "not_contains", "is_empty", "is_not_empty", "changed"],
    }
    actions = {a["type"]: a["params"] for a in body["actions"]}
    assert list(actions) == [
        "set_priority",
        "set_category",
        "assign_team",
        "assign_agent",
        "transition",
        "add_tags",
        "remove_tags",
        "add_internal_note",
        "notify",
        "escalate",
        "request_csat",
        "apply_sla_policy",
    ]
    assert actions["notify"] == {
        "recipients": "recipients",
        "template": "template",
        "channel": "channel",
    }
    assert actions["request_csat"] == {}


# The request's own bookkeeping (its write rate-limit counter), not a change made by the dry run.
REQUEST_BOOKKEEPING = {"ratelimit.RateCounter"}


def _row_counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.label not in REQUEST_BOOKKEEPING
    }


def test_dry_run_returns_the_trace_and_changes_nothing(
    api: Api, admin: User, requester: User
) -> None:
    rule = make_rule(
        admin,
        conditions={"all": [{"field": "ticket.title", "operator": "contains", "value": "printer"}]},
        actions=[
            {"type": "set_priority", "priority": "critical"},
            {"type": "add_internal_note", "body": "Dry?"},
            {"type": "notify", "recipients": ["requester"], "channel": "both"},
        ],
    )
    target = ticket(requester)
    client = api(admin)
    before = _row_counts()
    ticket_before = Ticket.objects.filter(pk=target.pk).values().get()

    saved = client.post(f"/api/v1/rules/{rule.pk}/dry-run", {"ticket": target.pk}, format="json")
    draft = client.post(
        "/api/v1/rules/dry-run",
        {
            "rule": {
                "event": "ticket.updated",
                "conditions": {
                    "any": [{"field": "ticket.priority", "operator": "is", "value": "low"}]
                },
                "actions": [{"type": "transition", "name": "resolve"}],
            },
            "ticket": target.pk,
        },
        format="json",
    )

    assert saved.status_code == 200
    assert saved.json() == {
        "matched": True,
        "trace": [
            {
                "path": "conditions.all[0]",
                "field": "ticket.title",
                "operator": "contains",
                "value": "printer",
                "actual": "Printer jams",
                "result": True,
            }
        ],
        "actions": rule.actions,
    }
    assert draft.status_code == 200
    assert draft.json() == {
        "matched": False,
        "trace": [
            {
                "path": "conditions.any[0]",
                "field": "ticket.priority",
                "operator": "is",
                "value": "low",
                "actual": "medium",
                "result": False,
            }
        ],
        "actions": [],
    }
    assert _row_counts() == before
    assert Ticket.objects.filter(pk=target.pk).values().get() == ticket_before


def test_draft_dry_run_errors_name_the_path_inside_the_rule(
    api: Api, admin: User, requester: User
) -> None:
    target = ticket(requester)
    response = api(admin).post(
        "/api/v1/rules/dry-run",
        {
            "rule": {
                "event": "ticket.updated",
                "conditions": {"all": [{"field": "ticket.status", "operator": "is"}]},
            },
            "ticket": target.pk,
        },
        format="json",
    )
    assert response.status_code == 400
    assert _fields(response) == [("rule.conditions.all[0].value", "required")]


def test_executions_are_listed_newest_first_for_the_rule_and_the_ticket(
    api: Api, admin: User, requester: User
) -> None:
    rule = make_rule(admin, actions=[{"type": "add_tags", "tags": ["seen"]}])
    other = make_rule(
        admin,
        name="Never",
        conditions={"all": [{"field": "ticket.priority", "operator": "is", "value": "low"}]},
    )
    first = ticket(requester, title="First")
    dispatch_all()
    second = ticket(requester, title="Second")
    dispatch_all()
    client = api(admin)

    by_rule = client.get(f"/api/v1/rules/{rule.pk}/executions").json()["results"]
    by_ticket = client.get(f"/api/v1/tickets/{first.pk}/rule-executions").json()["results"]

    assert [e["ticket"] for e in by_rule] == [
        {"id": second.pk, "number": f"ACME-{second.number}"},
        {"id": first.pk, "number": f"ACME-{first.number}"},
    ]
    newest = RuleExecution.objects.filter(rule=rule).latest("pk")
    assert by_rule[0] == {
        "id": newest.pk,
        "rule": {"id": rule.pk, "name": "Rule"},
        "event": "ticket.created",
        "event_id": newest.event_id,
        "ticket": {"id": second.pk, "number": f"ACME-{second.number}"},
        "matched": True,
        "trace": [],
        "actions": [{"type": "add_tags", "ok": True}],
        "error": None,
        "duration_ms": newest.duration_ms,
        "created_at": by_rule[0]["created_at"],
    }
    assert [(e["rule"]["id"], e["matched"]) for e in by_ticket] == [
        (other.pk, False),
        (rule.pk, True),
    ]


def test_execution_lists_run_a_constant_number_of_queries(
    api: Api, admin: User, requester: User
) -> None:
    rule = make_rule(admin)
    client = api(admin)
    target = ticket(requester)
    dispatch_all()
    client.get(f"/api/v1/rules/{rule.pk}/executions")  # warm caches (grants)
    with CaptureQueriesContext(connection) as one:
        client.get(f"/api/v1/rules/{rule.pk}/executions")
        client.get(f"/api/v1/tickets/{target.pk}/rule-executions")
        client.get("/api/v1/rules")
    for n in range(4):
        ticket(requester, title=f"More {n}")
        make_rule(admin, name=f"R{n}")
    dispatch_all()
    with CaptureQueriesContext(connection) as many:
        client.get(f"/api/v1/rules/{rule.pk}/executions")
        client.get(f"/api/v1/tickets/{target.pk}/rule-executions")
        client.get("/api/v1/rules")
    assert len(many) == len(one)
