"""Careful reads of the rules engine: who may read rules and their executions, traces.

Rules and their execution records are admin data (`rules.manage`): both the REST API
and the portal read them through these functions, so neither decides visibility itself.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from ruledesk import errors
from ruledesk.access import policy
from ruledesk.tenancy.models import User
from rules_engine.evaluate import Snapshot, evaluate
from rules_engine.models import Rule, RuleEventSnapshot, RuleExecution
from workflows import selectors as tickets
from workflows.models import Ticket

logger = logging.getLogger(__name__)

MANAGE = "rules.manage"


def rules_visible_to(actor: User) -> QuerySet[Rule]:
    """The actor's organization's rules (list them only with `rules.manage`)."""
    return policy.scope(Rule.objects.select_related("created_by"), actor)


def access_rule(actor: User, rule_id: Any) -> Rule:
    """Another organization's rule is 404; a known rule without `rules.manage` is 403."""
    return policy.access_object(rules_visible_to(actor), actor, rule_id, MANAGE)


def executions_of_rule(actor: User, rule_id: Any) -> QuerySet[RuleExecution]:
    """The execution records of one rule (404/403 as `access_rule`), with their tickets."""
    rule = access_rule(actor, rule_id)
    return RuleExecution.objects.filter(
        organization_id=rule.organization_id, rule=rule
    ).select_related("ticket")


def executions_of_ticket(actor: User, ticket_id: Any) -> QuerySet[RuleExecution]:
    """The execution records on one ticket: 404 unless visible, 403 without `rules.manage`."""
    ticket = tickets.access_ticket(actor, ticket_id, MANAGE)
    return RuleExecution.objects.filter(
        organization_id=ticket.organization_id, ticket=ticket
    ).select_related("ticket")


def dry_run_ticket(actor: User, ticket_id: int) -> Ticket:
    """A ticket the actor may see, to dry-run a rule on; any other id is a field error."""
    ticket = tickets.tickets_visible_to(actor).filter(pk=ticket_id).first()
    if ticket is None:
        raise errors.ValidationFailed.on("ticket", _("No such ticket."), "does_not_exist")
    return ticket


def traces_fill(executions: Sequence[RuleExecution]) -> None:
    """Compute the traces the records of unmatched runs do not store (two queries a page).

    `evaluate` is a pure function of the conditions (the rule's history row that
    ran) and the event's stored snapshot, so this is the trace the run had. A
    record whose history row or snapshot is gone shows an empty trace.
    """
    missing = [e for e in executions if e.trace is None]
    if not missing:
        return
    conditions = dict(
        Rule.history.model.objects.filter(
            history_id__in={e.rule_version for e in missing if e.rule_version is not None}
        ).values_list("history_id", "conditions")
    )
    snapshots = {
        row.event_id: Snapshot(values=row.values, changes=row.changes)
        for row in RuleEventSnapshot.objects.filter(
            organization_id__in={e.organization_id for e in missing},
            event_id__in={e.event_id for e in missing if e.event_id is not None},
        )
    }
    for execution in missing:
        execution.trace = []
        if execution.rule_version is None or execution.event_id is None:
            continue
        tree = conditions.get(execution.rule_version)
        snap = snapshots.get(execution.event_id)
        if tree is None or snap is None:
            continue
        try:
            execution.trace = evaluate(tree, snap)[1]
        except (KeyError, TypeError, ValueError, AttributeError):
            logger.warning("trace of rule execution %s could not be computed", execution.pk)
