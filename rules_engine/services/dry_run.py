"""Dry runs: a saved or draft rule evaluated against a ticket as it stands."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ruledesk.access import policy
from ruledesk.tenancy.models import User
from rules_engine import snapshot
from rules_engine.evaluate import (
    evaluate,
)
from rules_engine.services.rules import _check
from workflows.models import Ticket


def rule_dry_run(*, actor: User, definition: Mapping[str, Any], ticket: Ticket) -> dict[str, Any]:
    """Evaluate a (saved or draft) rule against a ticket as it stands; changes nothing.

    Change operators see no changes (there is no event); on `comment.created`
    rules, `comment.*` fields read the ticket's latest comment.
    """
    policy.require(actor, "rules.manage")
    policy.require(actor, "ticket.view_all", ticket)
    _check(ticket.organization_id, definition)
    comment = None
    if definition.get("event") == "comment.created":
        comment = ticket.comments.select_related("author").order_by("-created_at", "-id").first()
    snap = snapshot.snapshot_build(ticket, comment=comment)
    matched, trace = evaluate(definition["conditions"], snap)
    return {"matched": matched, "trace": trace, "actions": definition["actions"] if matched else []}
