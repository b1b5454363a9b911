"""The Kanban board's reads and its one write: a column per status, a move = a transition.

A card dropped on a column takes the transition that leads from the card's status to the
column's, through `services.transitions.ticket_transition`: the same permission, FSM and
SLA decisions as the ticket page's button and the API's transition endpoint.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from ruledesk import errors, keyset
from ruledesk.access import policy
from ruledesk.keyset import SortKey
from ruledesk.tenancy.models import User
from workflows import selectors
from workflows.models import Status, Ticket
from workflows.services import transitions
from workflows.services.transitions import TRANSITIONS, TransitionSpec

# The columns, in the lifecycle's order.
COLUMNS: tuple[str, ...] = (
    Status.NEW,
    Status.OPEN,
    Status.WAITING_ON_REQUESTER,
    Status.RESOLVED,
    Status.CLOSED,
)


@dataclass(frozen=True)
class Column:
    status: str
    ids: list[int]
    next: str | None


def column(
    tickets: QuerySet[Ticket],
    status: str,
    ordering: tuple[str | SortKey, ...],
    *,
    cursor: str | None,
    size: int,
) -> Column:
    """One keyset page of one column: the ids of `tickets` (already filtered) with `status`."""
    page = keyset.page(
        selectors.page_keys(tickets.filter(status=status), ordering),
        ordering,
        cursor=cursor,
        size=size,
    )
    return Column(status, [ticket.pk for ticket in page.rows], page.next)


def moves_by_status(actor: User) -> dict[str, list[TransitionSpec]]:
    """What a card of each status offers in its "Move to…" menu, asked once per status.

    The answer depends only on the status and the actor while no transition has an FSM
    condition or an object permission (`transitions.MEMOIZABLE`, asserted by a test);
    `ticket_move` asks again for the very ticket, so a stale menu can never move one.
    Transitions that need a reason (reopen) are listed too (`requires_reason`): the card
    sends them to the ticket page, where the reason is asked, rather than moving.
    """
    memo: transitions.TransitionsMemo = {}
    return {
        status: list(
            transitions.transitions_available(
                actor=actor,
                ticket=Ticket(status=status, organization_id=actor.organization_id or 0),
                memo=memo,
            )
        )
        for status in COLUMNS
    }


def _label(status: str) -> str:
    return str(Status(status).label)


def ticket_move(*, actor: User, ticket: Ticket, seen_status: str, target: str) -> Ticket:
    """Move `ticket`, which the actor saw in column `seen_status`, to the column `target`.

    Refusals say why: the board was stale, no transition leads there, it needs a reason,
    or the actor's role may not take it (then `ticket_transition` is not even called).
    """
    if target not in COLUMNS:
        raise errors.ValidationFailed.on("to", _("No such column."), "invalid_choice")
    number = f"#{ticket.number}"
    if ticket.status != seen_status:
        raise errors.Conflict(
            _("%(number)s is %(status)s now: someone moved it since the board was loaded.")
            % {"number": number, "status": _label(ticket.status)}
        )
    if target == ticket.status:
        return ticket
    leading = [
        spec
        for spec in TRANSITIONS.values()
        if spec.target == target and can_proceed(getattr(ticket, spec.name))
    ]
    if not leading:
        raise errors.InvalidTransition(
            _("No transition leads from %(source)s to %(target)s.")
            % {"source": _label(ticket.status), "target": _label(target)}
        )
    spec = leading[0]
    if spec.requires_reason:
        raise errors.ValidationFailed.on(
            "reason",
            _("Moving to %(target)s needs a reason: open the ticket to give one.")
            % {"target": _label(target)},
            "required",
        )
    if not policy.can(actor, f"ticket.transition.{spec.name}", ticket):
        raise errors.PermissionDenied(
            _("Your role may not move tickets from %(source)s to %(target)s.")
            % {"source": _label(ticket.status), "target": _label(target)}
        )
    moved = transitions.ticket_transition(actor=actor, ticket=ticket, name=spec.name)
    # Only a requester's reopen returns an approval, and reopen needs a reason (refused above).
    return moved if isinstance(moved, Ticket) else ticket
