"""The default rule set every organization starts with (api.md: positions 100+, never stop_processing).

Installed by `services.rules_install_defaults` (on `organization.created`, by a
data migration for existing organizations, and by `seed_demo`). Each rule keeps
its `key`, so installing again never duplicates; admins may edit or delete them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class DefaultRule:
    key: str
    name: str
    description: str
    event: str
    position: int
    conditions: dict[str, Any]
    actions: list[dict[str, Any]] = field(default_factory=list)


def _notify(*recipients: str) -> dict[str, Any]:
    return {"type": "notify", "recipients": list(recipients), "channel": "both"}


DEFAULT_RULES: tuple[DefaultRule, ...] = (
    DefaultRule(
        key="notify-assignee-on-assignment",
        name="Notify the assignee on assignment",
        description="Tell an agent when a ticket is assigned to them.",
        event="ticket.updated",
        position=100,
        conditions={
            "all": [
                {"field": "ticket.assignee", "operator": "changed"},
                {"field": "ticket.assignee", "operator": "is_not_empty"},
            ]
        },
        actions=[_notify("assignee")],
    ),
    DefaultRule(
        key="notify-requester-on-public-reply",
        name="Notify the requester of public agent replies",
        description="Send the requester each public reply an agent or admin writes.",
        event="comment.created",
        position=110,
        conditions={
            "all": [
                {"field": "comment.visibility", "operator": "is", "value": "public"},
                {"field": "comment.author_role", "operator": "in", "value": ["agent", "admin"]},
            ]
        },
        actions=[_notify("requester")],
    ),
    DefaultRule(
        key="notify-requester-on-resolution",
        name="Notify the requester on resolution",
        description="Tell the requester their ticket was resolved.",
        event="ticket.status_changed",
        position=120,
        conditions={
            "all": [{"field": "ticket.status", "operator": "changed_to", "value": "resolved"}]
        },
        actions=[_notify("requester")],
    ),
    DefaultRule(
        key="request-csat-on-resolution",
        name="Ask for feedback on resolution",
        description="Request a satisfaction rating when a ticket is resolved.",
        event="ticket.status_changed",
        position=125,
        conditions={
            "all": [{"field": "ticket.status", "operator": "changed_to", "value": "resolved"}]
        },
        actions=[{"type": "request_csat"}],
    ),
    DefaultRule(
        key="notify-mentioned",
        name="Notify mentioned users",
        description="Tell users mentioned in a comment (only those allowed to read it).",
        event="comment.created",
        position=130,
        conditions={"all": []},
        actions=[_notify("mentioned")],
    ),
    DefaultRule(
        key="sla-warning-assignee",
        name="SLA warning: notify the assignee",
        description="Remind the assignee that a target is near.",
        event="sla.warning",
        position=140,
        conditions={"all": [{"field": "ticket.assignee", "operator": "is_not_empty"}]},
        actions=[_notify("assignee")],
    ),
    DefaultRule(
        key="sla-warning-team",
        name="SLA warning: notify the team when unassigned",
        description="Remind the ticket's team that a target is near on an unassigned ticket.",
        event="sla.warning",
        position=150,
        conditions={"all": [{"field": "ticket.assignee", "operator": "is_empty"}]},
        actions=[_notify("team")],
    ),
    DefaultRule(
        key="sla-breached-escalate",
        name="SLA breached: notify the team and escalate",
        description="Tell the team (and assignee) and move the ticket to the escalation team.",
        event="sla.breached",
        position=160,
        conditions={"all": []},
        actions=[_notify("team", "assignee"), {"type": "escalate", "raise_priority": False}],
    ),
)
