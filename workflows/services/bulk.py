"""One action over many tickets, each item authorized and audited on its own."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from ruledesk import errors
from ruledesk.access import policy
from ruledesk.audit import services as audit
from ruledesk.tenancy.models import User
from workflows import selectors
from workflows.collab import macros
from workflows.models import Priority, Ticket
from workflows.services import _refs
from workflows.services.tickets import ticket_update
from workflows.services.transitions import TRANSITIONS, ticket_transition

MAX_IDS = 500


@dataclass(frozen=True)
class ItemResult:
    id: int
    error: errors.ApplicationError | None = None


def tickets_bulk(
    *, actor: User, ids: list[int], action: str, params: dict[str, Any]
) -> list[ItemResult]:
    """Apply `action` to each ticket; a failing item never undoes the others.

    Parameters are checked once, before any ticket: a request malformed as a whole
    raises `ValidationFailed` and changes nothing. Per-item results are for refusals
    that depend on the ticket (visibility, permission, state).
    """
    policy.require(actor, "ticket.bulk")
    apply = _action(actor, action, params)
    _check_params(actor, action, params)
    visible = {t.pk: t for t in selectors.tickets_visible_to(actor).filter(pk__in=ids)}
    results: list[ItemResult] = []
    for ticket_id in dict.fromkeys(ids):  # de-duplicated, order kept
        ticket = visible.get(ticket_id)
        if ticket is None:
            results.append(ItemResult(ticket_id, errors.NotFound()))
            continue
        try:
            with transaction.atomic():
                apply(ticket)
                audit.record(
                    actor=actor,
                    action=f"ticket.bulk.{action}",
                    obj_type="ticket",
                    obj_id=ticket.pk,
                    changes=params,
                )
        except errors.ApplicationError as exc:
            results.append(ItemResult(ticket_id, exc))
        else:
            results.append(ItemResult(ticket_id))
    return results


def _check_params(actor: User, action: str, params: dict[str, Any]) -> None:
    if action == "transition":
        spec = TRANSITIONS.get(params["name"])
        if spec is None:
            raise errors.ValidationFailed.on(
                "name",
                _("Unknown transition %(name)s.") % {"name": repr(params["name"])},
                "invalid_choice",
            )
        if spec.requires_reason:
            raise errors.ValidationFailed.on(
                "name",
                _("%(name)s needs a reason, which bulk actions do not take.") % {"name": spec.name},
                "not_allowed",
            )
    elif action == "assign" and actor.organization_id is not None:
        _refs.agent(actor.organization_id, params["assignee"])
    elif action == "set_priority" and params["priority"] not in Priority.values:
        raise errors.ValidationFailed.on("priority", _("Unknown priority."), "invalid_choice")


def _action(actor: User, action: str, params: dict[str, Any]) -> Callable[[Ticket], Any]:
    if action == "assign":
        return lambda t: ticket_update(actor=actor, ticket=t, assignee_id=params["assignee"])
    if action == "transition":
        return lambda t: ticket_transition(actor=actor, ticket=t, name=params["name"])
    if action == "set_priority":
        return lambda t: ticket_update(actor=actor, ticket=t, priority=params["priority"])
    if action == "add_tags":
        return lambda t: ticket_update(
            actor=actor,
            ticket=t,
            tags=sorted({*t.tags.values_list("name", flat=True), *params["tags"]}),
        )
    if action == "macro":
        try:
            macro = macros.access_macro(actor, params["macro"])
        except errors.NotFound:
            raise errors.ValidationFailed.on(
                "macro", _("No such macro."), "does_not_exist"
            ) from None
        return lambda t: macros.macro_apply(actor=actor, macro=macro, ticket=t)
    raise errors.ValidationFailed.on(
        "action", _("Unknown action %(action)s.") % {"action": repr(action)}, "invalid_choice"
    )
