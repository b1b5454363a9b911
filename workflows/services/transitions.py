"""Moving tickets through their lifecycle, and reopen approvals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from ruledesk import errors
from ruledesk.access import policy, registry
from ruledesk.audit import services as audit
from ruledesk.events.services import emit
from ruledesk.tenancy.models import Role, User
from workflows import metrics
from workflows.models import (
    ApprovalStatus,
    Priority,
    ReopenApproval,
    Status,
    StatusTransition,
    Ticket,
)
from workflows.sla import clocks as sla

REASON_MAX = 2000
# Reopens of high/critical tickets by requesters wait for an agent's decision.
APPROVAL_PRIORITIES = {Priority.HIGH, Priority.CRITICAL}


@dataclass(frozen=True)
class TransitionSpec:
    name: str
    target: str
    requires_reason: bool = False


TRANSITIONS: dict[str, TransitionSpec] = {
    spec.name: spec
    for spec in (
        TransitionSpec("open", Status.OPEN),
        TransitionSpec("wait_on_requester", Status.WAITING_ON_REQUESTER),
        TransitionSpec("resume", Status.OPEN),
        TransitionSpec("resolve", Status.RESOLVED),
        TransitionSpec("close", Status.CLOSED),
        TransitionSpec("reopen", Status.OPEN, requires_reason=True),
    )
}


def _decided_by_status_and_role() -> bool:
    """True while no transition has an FSM condition or a per-object permission.

    Then what `transitions_available` answers depends only on the ticket's status and
    organization and on the actor (role, matrix), so one answer serves every ticket of a
    page with the same status (a list page asks once per status, not 6 times per ticket),
    and the list presents rows, not models (workflows/api/presenters.ticket_rows_out).
    """
    for spec in TRANSITIONS.values():
        meta = getattr(Ticket, spec.name)._django_fsm
        if any(t.conditions for t in meta.transitions.values()):
            return False
        if registry.get(f"ticket.transition.{spec.name}").object_permission is not None:
            return False
    return True


MEMOIZABLE = _decided_by_status_and_role()

# (status, organization id) -> the transitions available; one per actor and request.
TransitionsMemo = dict[tuple[str, int], list[TransitionSpec]]


def transitions_available(
    *, actor: User, ticket: Ticket, memo: TransitionsMemo | None = None
) -> list[TransitionSpec]:
    """Transitions the actor may take now: allowed from this status and by the matrix.

    `memo` (a dict the caller keeps for one actor within one request) reuses the answer for
    tickets of the same status and organization; the answer is the same as without it.
    """
    key = (ticket.status, ticket.organization_id)
    if memo is not None and MEMOIZABLE and key in memo:
        return memo[key]
    specs = [
        spec
        for spec in TRANSITIONS.values()
        if can_proceed(getattr(ticket, spec.name))
        and policy.can(actor, f"ticket.transition.{spec.name}", ticket)
    ]
    if memo is not None and MEMOIZABLE:
        memo[key] = specs
    return specs


def ticket_transition(
    *, actor: User, ticket: Ticket, name: str, reason: str = "", depth: int = 0
) -> Ticket | ReopenApproval:
    """Apply transition `name`; a requester's reopen of a high/critical ticket returns an approval."""
    spec = TRANSITIONS.get(name)
    if spec is None:
        raise errors.ValidationFailed.on(
            "name", _("Unknown transition %(name)s.") % {"name": repr(name)}, "invalid_choice"
        )
    policy.require(actor, f"ticket.transition.{name}", ticket)
    reason = reason.strip()
    if spec.requires_reason and not reason:
        raise errors.ValidationFailed.on("reason", _("A reason is required."), "required")
    if len(reason) > REASON_MAX:
        raise errors.ValidationFailed.on(
            "reason", _("At most %(max)s characters.") % {"max": REASON_MAX}, "max_length"
        )
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        if not can_proceed(getattr(ticket, name)):
            raise errors.InvalidTransition(
                _("Cannot %(transition)s a ticket that is %(status)s.")
                % {"transition": name, "status": ticket.status}
            )
        if name == "reopen":
            _throttle_reopen(ticket)
            if actor.role == Role.REQUESTER and ticket.priority in APPROVAL_PRIORITIES:
                return _request_reopen(actor, ticket, reason)
        _apply(actor, ticket, name, reason, depth)
    return ticket


def _throttle_reopen(ticket: Ticket) -> None:
    cooldown = timedelta(seconds=settings.RULEDESK_REOPEN_COOLDOWN_SECONDS)
    last = ticket.last_reopened_at
    pending = ticket.reopen_approvals.order_by("-created_at").values_list("created_at", flat=True)
    latest_request = pending.first()
    for moment in (last, latest_request):
        if moment is not None and timezone.now() - moment < cooldown:
            wait = int((moment + cooldown - timezone.now()).total_seconds()) + 1
            raise errors.RateLimited(_("This ticket was reopened moments ago."), retry_after=wait)


def _request_reopen(actor: User, ticket: Ticket, reason: str) -> ReopenApproval:
    if ticket.reopen_approvals.filter(status=ApprovalStatus.PENDING).exists():
        raise errors.Conflict(_("A reopen request for this ticket is already pending."))
    approval = ReopenApproval.objects.create(
        organization_id=ticket.organization_id, ticket=ticket, requested_by=actor, reason=reason
    )
    audit.record(
        actor=actor,
        action="ticket.reopen_requested",
        obj_type="ticket",
        obj_id=ticket.pk,
        changes={"approval": approval.pk},
    )
    return approval


def _apply(actor: User | None, ticket: Ticket, name: str, reason: str, depth: int) -> None:
    before = ticket.status
    getattr(ticket, name)()
    if name == "resolve":  # durations stored at the event, in the same write
        metrics.on_resolve(ticket)
    ticket.updated_at = timezone.now()
    ticket.save()
    StatusTransition.objects.create(
        organization_id=ticket.organization_id,
        ticket=ticket,
        actor=actor,
        name=name,
        from_status=before,
        to_status=ticket.status,
        reason=reason,
    )
    sla.ticket_sla_sync(ticket=ticket)
    changes = {"status": [before, ticket.status]}

    def announce(event_type: str, payload: dict[str, str] | None = None) -> None:
        emit(
            organization_id=ticket.organization_id,
            type=event_type,
            actor_id=actor.pk if actor else None,
            ticket_id=ticket.pk,
            changes=changes,
            payload=payload,
            depth=depth,
        )

    announce("ticket.updated")
    announce("ticket.status_changed", {"transition": name})
    if name == "reopen":
        announce("ticket.reopened", {"reason": reason})


def reopen_approval_decide(
    *, actor: User, approval: ReopenApproval, approve: bool
) -> ReopenApproval:
    policy.require(actor, "ticket.reopen.approve", approval.ticket)
    with transaction.atomic():
        approval = ReopenApproval.objects.select_for_update().get(pk=approval.pk)
        if approval.status != ApprovalStatus.PENDING:
            raise errors.Conflict(
                _("This request was already %(status)s.") % {"status": approval.status}
            )
        approval.status = ApprovalStatus.APPROVED if approve else ApprovalStatus.REJECTED
        approval.decided_by = actor
        approval.decided_at = timezone.now()
        approval.save(update_fields=["status", "decided_by", "decided_at"])
        if approve:
            ticket = Ticket.objects.select_for_update().get(pk=approval.ticket_id)
            if not can_proceed(ticket.reopen):
                raise errors.InvalidTransition(
                    _("The ticket is %(status)s now.") % {"status": ticket.status}
                )
            _apply(approval.requested_by, ticket, "reopen", approval.reason, 0)
        audit.record(
            actor=actor,
            action=f"ticket.reopen_{approval.status}",
            obj_type="ticket",
            obj_id=approval.ticket_id,
            changes={"approval": approval.pk},
        )
    return approval
