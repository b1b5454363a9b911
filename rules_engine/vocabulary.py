"""The words rules are written in: events, operators, fields and actions (api.md, binding).

Names here are public contract: add, never rename. `GET /rules/vocabulary`
serves `vocabulary()` as is, and validation and evaluation read the same tables,
so the builder, the validator and the engine cannot disagree.

Every event, operator, field and action also has a translatable `label` for people
(the portal's rule builder): names stay the contract, labels may change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

Label = str | Promise  # a gettext_lazy string: rendered in the reader's language

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
EVENT_LABELS: Final[dict[str, Label]] = {
    "ticket.created": _("Ticket created"),
    "ticket.updated": _("Ticket updated"),
    "ticket.status_changed": _("Ticket status changed"),
    "comment.created": _("Comment added"),
    "ticket.reopened": _("Ticket reopened"),
    "sla.warning": _("SLA warning"),
    "sla.breached": _("SLA breached"),
    "csat.received": _("Satisfaction rating received"),
    "schedule": _("On a schedule"),
}

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
OPERATOR_LABELS: Final[dict[str, Label]] = {
    "is": _("is"),
    "is_not": _("is not"),
    "in": _("is one of"),
    "not_in": _("is none of"),
    "contains": _("contains"),
    "not_contains": _("does not contain"),
    "starts_with": _("starts with"),
    "ends_with": _("ends with"),
    "gt": _("is greater than"),
    "gte": _("is at least"),
    "lt": _("is less than"),
    "lte": _("is at most"),
    "is_empty": _("is empty"),
    "is_not_empty": _("is not empty"),
    "changed": _("changed"),
    "changed_to": _("changed to"),
    "changed_from": _("changed from"),
}
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
    label: Label = field(kw_only=True)

    @property
    def operators(self) -> tuple[str, ...]:
        ops = TYPE_OPERATORS[self.type]
        if self.change_key is not None:
            ops = (*ops, *TYPE_CHANGE_OPERATORS.get(self.type, CHANGE_OPERATORS))
        return ops


FIELDS: Final[dict[str, Field]] = {
    f.name: f
    for f in (
        Field("ticket.status", "choice", "status", STATUSES, label=_("Status")),
        Field("ticket.priority", "choice", "priority", PRIORITIES, label=_("Priority")),
        Field("ticket.category", "category", "category", label=_("Category")),
        Field("ticket.team", "team", "team", label=_("Team")),
        Field("ticket.assignee", "user", "assignee", label=_("Assignee")),
        Field("ticket.requester", "user", label=_("Requester")),
        Field("ticket.requester_email_domain", "string", label=_("Requester's e-mail domain")),
        Field("ticket.tags", "tags", "tags", label=_("Tags")),
        Field("ticket.title", "string", "title", label=_("Title")),
        Field("ticket.description", "string", label=_("Description")),
        Field("ticket.channel", "choice", None, CHANNELS, label=_("Channel")),
        Field("ticket.reopen_count", "number", label=_("Times reopened")),
        Field("ticket.sla_state", "choice", None, SLA_STATES, label=_("SLA state")),
        Field("ticket.hours_since_created", "number", label=_("Hours since created")),
        Field("ticket.hours_since_updated", "number", label=_("Hours since last update")),
        Field(
            "ticket.business_hours_since_created", "number", label=_("Business hours since created")
        ),
        Field(
            "ticket.business_hours_since_updated",
            "number",
            label=_("Business hours since last update"),
        ),
        Field("comment.visibility", "choice", None, VISIBILITIES, label=_("Comment visibility")),
        Field("comment.author_role", "choice", None, ROLES, label=_("Comment author's role")),
        Field("comment.body", "string", label=_("Comment text")),
        Field("csat.score", "number", label=_("Satisfaction score")),
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
    label: Label = field(kw_only=True)


ACTIONS: Final[dict[str, ActionSpec]] = {
    a.type: a
    for a in (
        ActionSpec("set_priority", (Param("priority", "priority"),), label=_("Set priority")),
        ActionSpec("set_category", (Param("category", "category"),), label=_("Set category")),
        ActionSpec("assign_team", (Param("team", "team"),), label=_("Assign to a team")),
        ActionSpec(
            "assign_agent",
            (Param("agent", "agent"), Param("capacity", "capacity", required=False)),
            label=_("Assign to an agent"),
        ),
        ActionSpec("transition", (Param("name", "transition"),), label=_("Change status")),
        ActionSpec("add_tags", (Param("tags", "tags"),), label=_("Add tags")),
        ActionSpec("remove_tags", (Param("tags", "tags"),), label=_("Remove tags")),
        ActionSpec("add_internal_note", (Param("body", "text"),), label=_("Add an internal note")),
        ActionSpec(
            "notify",
            (
                Param("recipients", "recipients"),
                Param("template", "template", required=False),
                Param("channel", "channel"),
            ),
            label=_("Send a notification"),
        ),
        ActionSpec(
            "escalate",
            (Param("raise_priority", "boolean", required=False),),
            label=_("Escalate"),
        ),
        ActionSpec("request_csat", label=_("Ask for a satisfaction rating")),
        ActionSpec(
            "apply_sla_policy", (Param("policy", "sla_policy"),), label=_("Apply an SLA policy")
        ),
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


def event_label(name: str) -> Label:
    return EVENT_LABELS[name]


def operator_label(name: str) -> Label:
    return OPERATOR_LABELS[name]


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
