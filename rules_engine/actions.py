"""What matched rules do: one explicit registry, action type -> handler.

Every handler changes state only through the services of workflows (and
notifications), as the organization's system actor, passing `depth` so events
caused by rules carry how deep in a chain they are (the loop guard reads it).
Each action runs in its own savepoint: a failing action is rolled back alone,
its error recorded, and the rule's remaining actions still run.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from ruledesk import errors
from ruledesk.events.services import emit
from ruledesk.tenancy.models import Role, User
from rules_engine import notify as notify_action
from rules_engine.context import UNCHANGED, ActionContext, Handler
from rules_engine.models import CsatRequestIntent, RoundRobinCursor
from workflows import services as tickets
from workflows.loads import open_load
from workflows.models import PRIORITY_RANK, Priority, Ticket
from workflows.sla import services as sla

# Emitted by `request_csat`; not a rule event (rules react to `csat.received`).
CSAT_REQUESTED = "csat.requested"


SKIPPABLE = frozenset({"set_priority", "set_category", "assign_team", "add_tags", "remove_tags"})


def changes_nothing(ctx: ActionContext, action: Mapping[str, Any]) -> bool:
    """Whether a field-setting action would leave the ticket as it is (then it is not run).

    Only decided on a ticket the event already holds: otherwise the handler runs
    (and finds out itself), so a skip never costs a load.
    """
    state = ctx.state
    if state is None or state.current is None:
        return False
    ticket = state.current
    kind = action.get("type")
    if kind == "set_priority":
        return bool(action.get("priority") == ticket.priority)
    if kind == "set_category":
        return bool(action.get("category") == ticket.category_id)
    if kind == "assign_team":
        return bool(action.get("team") == ticket.team_id)
    names = action.get("tags")
    if state.tag_names is None or not isinstance(names, list):
        return False
    have = {name.casefold() for name in state.tag_names}
    wanted = {str(name).strip().casefold() for name in names}
    if kind == "add_tags":
        return wanted <= have
    return not (wanted & have)  # remove_tags


def describe(exc: errors.ApplicationError) -> str:
    details = "; ".join(f"{e.field}: {e.message}" for e in exc.errors)
    return f"{exc.detail} ({details})" if details else exc.detail


# --- Handlers -----------------------------------------------------------------------


def set_priority(ctx: ActionContext, action: Mapping[str, Any], index: int) -> bool | None:
    updated = tickets.ticket_update(
        actor=ctx.actor, ticket=ctx.ticket(), priority=action["priority"], depth=ctx.depth
    )
    return ctx.adopt(updated)


def set_category(ctx: ActionContext, action: Mapping[str, Any], index: int) -> bool | None:
    updated = tickets.ticket_update(
        actor=ctx.actor, ticket=ctx.ticket(), category_id=action["category"], depth=ctx.depth
    )
    return ctx.adopt(updated)


def assign_team(ctx: ActionContext, action: Mapping[str, Any], index: int) -> bool | None:
    updated = tickets.ticket_update(
        actor=ctx.actor, ticket=ctx.ticket(), team_id=action["team"], depth=ctx.depth
    )
    return ctx.adopt(updated)


def assign_agent(ctx: ActionContext, action: Mapping[str, Any], index: int) -> None:
    ticket = ctx.ticket()
    choice = action["agent"]
    if choice == "round_robin":
        agent_id = pick_round_robin(ticket)
    elif choice == "least_loaded":
        agent_id = pick_least_loaded(ticket, capacity=action.get("capacity"))
    else:
        agent_id = int(choice)
    tickets.ticket_update(actor=ctx.actor, ticket=ticket, assignee_id=agent_id, depth=ctx.depth)


def team_agents(ticket: Ticket) -> list[int]:
    """Ids of the active agents and admins of the ticket's team, ascending."""
    if ticket.team_id is None:
        raise errors.ValidationFailed(_("The ticket has no team to pick an agent from."))
    ids = list(
        User.live.filter(
            organization_id=ticket.organization_id,
            memberships__team_id=ticket.team_id,
            is_active=True,
            role__in=[Role.AGENT, Role.ADMIN],
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not ids:
        raise errors.ValidationFailed(_("The ticket's team has no active agent."))
    return ids


def pick_round_robin(ticket: Ticket) -> int:
    """The team's next agent after the last one picked (by id, wrapping); ties cannot occur."""
    candidates = team_agents(ticket)
    team_id = ticket.team_id
    if team_id is None:  # team_agents refused it already; this narrows the type
        raise errors.ValidationFailed(_("The ticket has no team."))
    RoundRobinCursor.objects.get_or_create(
        team_id=team_id, defaults={"organization_id": ticket.organization_id}
    )
    cursor = RoundRobinCursor.objects.select_for_update().get(team_id=team_id)
    last = cursor.last_user_id or 0
    chosen = next((pk for pk in candidates if pk > last), candidates[0])
    cursor.last_user_id = chosen
    cursor.updated_at = timezone.now()
    cursor.save(update_fields=["last_user_id", "updated_at"])
    return chosen


def pick_least_loaded(ticket: Ticket, *, capacity: int | None = None) -> int:
    """The team's agent with the fewest tickets in new/open/waiting; ties go to the lower id.

    With a `capacity`, agents already holding that many such tickets are skipped.
    """
    candidates = team_agents(ticket)
    loads = (
        User.objects.filter(pk__in=candidates)
        .annotate(load=open_load(ticket.organization_id, excluding=ticket.pk))
        .order_by("load", "pk")
        .values_list("pk", "load")
    )
    for pk, load in loads:
        if capacity is None or load < capacity:
            return int(pk)
    raise errors.ValidationFailed(_("Every agent of the team is at capacity."))


def transition(ctx: ActionContext, action: Mapping[str, Any], index: int) -> None:
    name = action["name"]
    reason = f"By rule “{ctx.rule.name}”." if name == "reopen" else ""
    tickets.ticket_transition(
        actor=ctx.actor, ticket=ctx.ticket(), name=name, reason=reason, depth=ctx.depth
    )


def add_tags(ctx: ActionContext, action: Mapping[str, Any], index: int) -> bool | None:
    ticket = ctx.ticket()
    current = list(ctx.tags())
    have = {name.casefold() for name in current}
    added = [name.strip() for name in action["tags"] if name.strip().casefold() not in have]
    if not added:
        return UNCHANGED
    updated = tickets.ticket_update(
        actor=ctx.actor, ticket=ticket, tags=[*current, *added], depth=ctx.depth
    )
    return ctx.adopt(updated)


def remove_tags(ctx: ActionContext, action: Mapping[str, Any], index: int) -> bool | None:
    ticket = ctx.ticket()
    current = list(ctx.tags())
    drop = {name.strip().casefold() for name in action["tags"]}
    kept = [name for name in current if name.casefold() not in drop]
    if len(kept) == len(current):
        return UNCHANGED
    updated = tickets.ticket_update(actor=ctx.actor, ticket=ticket, tags=kept, depth=ctx.depth)
    return ctx.adopt(updated)


def add_internal_note(ctx: ActionContext, action: Mapping[str, Any], index: int) -> None:
    tickets.comment_create(
        actor=ctx.actor,
        ticket=ctx.ticket(),
        body=action["body"],
        visibility="internal",
        depth=ctx.depth,
    )


def notify(ctx: ActionContext, action: Mapping[str, Any], index: int) -> bool | None:
    notify_action.notify_run(ctx, action, index)
    return UNCHANGED  # notifications never change the ticket


def escalate(ctx: ActionContext, action: Mapping[str, Any], index: int) -> None:
    """Move the ticket to its team's escalation team; optionally raise priority one step."""
    ticket = ctx.ticket()
    escalation_id = ticket.team.escalation_team_id if ticket.team else None
    changes: dict[str, Any] = {}
    if escalation_id is not None and escalation_id != ticket.team_id:
        changes["team_id"] = escalation_id
    if action.get("raise_priority"):
        raised = _raised(ticket.priority)
        if raised != ticket.priority:
            changes["priority"] = raised
    if not changes:
        raise errors.ValidationFailed(_("The ticket's team has no escalation team."))
    tickets.ticket_update(actor=ctx.actor, ticket=ticket, depth=ctx.depth, **changes)


def _raised(priority: str) -> str:
    rank = PRIORITY_RANK[Priority(priority)]
    for candidate, candidate_rank in PRIORITY_RANK.items():
        if candidate_rank == rank + 1:
            return str(candidate)
    return priority


def request_csat(ctx: ActionContext, action: Mapping[str, Any], index: int) -> None:
    """Record the request and announce it (`csat.requested`); reporting sends the survey.

    The engine knows nothing of surveys (reporting builds on it, not the reverse): the
    intent row makes the request once per (ticket, rule, event), and its event reaches
    reporting's consumer in a transaction of its own, retried like any other.
    """
    ticket = ctx.ticket()
    intent, created = CsatRequestIntent.objects.get_or_create(
        ticket=ticket,
        rule=ctx.rule,
        event_id=ctx.event_id,
        defaults={"organization_id": ticket.organization_id},
    )
    if created:
        emit(
            organization_id=ticket.organization_id,
            type=CSAT_REQUESTED,
            ticket_id=ticket.pk,
            payload={"intent_id": intent.pk},
            depth=ctx.depth,
        )


def apply_sla_policy(ctx: ActionContext, action: Mapping[str, Any], index: int) -> None:
    sla.sla_policy_apply(
        actor=ctx.actor, ticket=ctx.ticket(), policy_id=action["policy"], depth=ctx.depth
    )


HANDLERS: dict[str, Handler] = {
    "set_priority": set_priority,
    "set_category": set_category,
    "assign_team": assign_team,
    "assign_agent": assign_agent,
    "transition": transition,
    "add_tags": add_tags,
    "remove_tags": remove_tags,
    "add_internal_note": add_internal_note,
    "notify": notify,
    "escalate": escalate,
    "request_csat": request_csat,
    "apply_sla_policy": apply_sla_policy,
}
