"""The words rules are written in: events, operators, fields and actions (api.md, binding).

Names here are public contract: add, never rename. `GET /rules/vocabulary`
serves `vocabulary()` as is, and validation and evaluation read the same tables,
so the builder, the validator and the engine cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

EVENTS: Final = (
    "ticket.created",
    "ticket.updated",
    "ticket.status_changed",
    "comment.created",
    "ticket.reopened",
    "sla.warning",
    "sla.breached",
    "csat.received",
    "schedule",
)
SCHEDULE: Final = "schedule"

OPERATORS: Final = (
    "is",
    "is_not",
    "in",
    "not_in",
    "contains",
    "not_contains",
    "starts_with",
    "ends_with",
    "gt",
    "gte",
    "lt",
    "lte",
    "is_empty",
    "is_not_empty",
    "changed",
    "changed_to",
    "changed_from",
)
# Operators that take no value (omitted or null), and those that take a list.
VALUELESS: Final = frozenset({"is_empty", "is_not_empty", "changed"})
LIST_VALUED: Final = frozenset({"in", "not_in"})
CHANGE_OPERATORS: Final = ("changed", "changed_to", "changed_from")

STATUSES: Final = ("new", "open", "waiting_on_requester", "resolved", "closed")
PRIORITIES: Final = ("low", "medium", "high", "critical")
CHANNELS: Final = ("web", "api", "email")
SLA_STATES: Final = ("none", "ok", "at_risk", "breached")
VISIBILITIES: Final = ("public", "internal")
ROLES: Final = ("requester", "agent", "admin")
TRANSITION_NAMES: Final = ("open", "wait_on_requester", "resume", "resolve", "close", "reopen")
NOTIFY_CHANNELS: Final = ("email", "in_app", "both")
RECIPIENT_KEYWORDS: Final = ("requester", "assignee", "team", "mentioned", "role:agent")

# Field types, and the operators each admits (before change operators are added).
_EQUALITY = ("is", "is_not", "in", "not_in")
_EMPTINESS = ("is_empty", "is_not_empty")
TYPE_OPERATORS: Final[dict[str, tuple[str, ...]]] = {
    "string": (*_EQUALITY, "contains", "not_contains", "starts_with", "ends_with", *_EMPTINESS),
    "choice": (*_EQUALITY, *_EMPTINESS),
    "number": ("is", "is_not", "in", "not_in", "gt", "gte", "lt", "lte", *_EMPTINESS),
    "tags": ("contains", "not_contains", *_EMPTINESS),
    "category": (*_EQUALITY, *_EMPTINESS),
    "team": (*_EQUALITY, *_EMPTINESS),
    "user": (*_EQUALITY, *_EMPTINESS),
}
# Change operators that make sense per type (tags change as whole lists).
TYPE_CHANGE_OPERATORS: Final[dict[str, tuple[str, ...]]] = {
    "tags": ("changed",),
}


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    # Key of the event's `changes` this field reads for changed/changed_to/changed_from.
    change_key: str | None = None
    choices: tuple[str, ...] = ()

    @property
    def operators(self) -> tuple[str, ...]:
        ops = TYPE_OPERATORS[self.type]
        if self.change_key is not None:
            ops = (*ops, *TYPE_CHANGE_OPERATORS.get(self.type, CHANGE_OPERATORS))
        return ops


FIELDS: Final[dict[str, Field]] = {
    f.name: f
    for f in (
        Field("ticket.status", "choice", "status", STATUSES),
        Field("ticket.priority", "choice", "priority", PRIORITIES),
        Field("ticket.category", "category", "category"),
        Field("ticket.team", "team", "team"),
        Field("ticket.assignee", "user", "assignee"),
        Field("ticket.requester", "user"),
        Field("ticket.requester_email_domain", "string"),
        Field("ticket.tags", "tags", "tags"),
        Field("ticket.title", "string", "title"),
        Field("ticket.description", "string"),
        Field("ticket.channel", "choice", None, CHANNELS),
        Field("ticket.reopen_count", "number"),
        Field("ticket.sla_state", "choice", None, SLA_STATES),
        Field("ticket.hours_since_created", "number"),
        Field("ticket.hours_since_updated", "number"),
        Field("ticket.business_hours_since_created", "number"),
        Field("ticket.business_hours_since_updated", "number"),
        Field("comment.visibility", "choice", None, VISIBILITIES),
        Field("comment.author_role", "choice", None, ROLES),
        Field("comment.body", "string"),
        Field("csat.score", "number"),
    )
}


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    required: bool = True


@dataclass(frozen=True)
class ActionSpec:
    type: str
    params: tuple[Param, ...] = ()


ACTIONS: Final[dict[str, ActionSpec]] = {
    a.type: a
    for a in (
        ActionSpec("set_priority", (Param("priority", "priority"),)),
        ActionSpec("set_category", (Param("category", "category"),)),
        ActionSpec("assign_team", (Param("team", "team"),)),
        ActionSpec(
            "assign_agent",
            (Param("agent", "agent"), Param("capacity", "capacity", required=False)),
        ),
        ActionSpec("transition", (Param("name", "transition"),)),
        ActionSpec("add_tags", (Param("tags", "tags"),)),
        ActionSpec("remove_tags", (Param("tags", "tags"),)),
        ActionSpec("add_internal_note", (Param("body", "text"),)),
        ActionSpec(
            "notify",
            (
                Param("recipients", "recipients"),
                Param("template", "template", required=False),
                Param("channel", "channel"),
            ),
        ),
        ActionSpec("escalate", (Param("raise_priority", "boolean", required=False),)),
        ActionSpec("request_csat"),
        ActionSpec("apply_sla_policy", (Param("policy", "sla_policy"),)),
    )
}
AGENT_STRATEGIES: Final = ("round_robin", "least_loaded")

# Limits that keep one rule cheap to evaluate and store.
MAX_DEPTH: Final = 5
MAX_CONDITIONS: Final = 100
MAX_ACTIONS: Final = 20
MAX_LIST_VALUES: Final = 100
MAX_STRING: Final = 1000
MAX_NOTE: Final = 10_000
MAX_TAG: Final = 50
MAX_SCHEDULE_MINUTES: Final = 10_080  # one week
MAX_CAPACITY: Final = 10_000


def vocabulary() -> dict[str, Any]:
    """The builder's view of the vocabulary (`GET /api/v1/rules/vocabulary`)."""
    return {
        "events": list(EVENTS),
        "operators": list(OPERATORS),
        "fields": [
            {"name": f.name, "type": f.type, "operators": list(f.operators)}
            for f in FIELDS.values()
        ],
        "actions": [
            {"type": a.type, "params": {p.name: p.type for p in a.params}} for a in ACTIONS.values()
        ],
    }
