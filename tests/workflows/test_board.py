"""The board's move: the transition that leads to the column, or a refusal that says why."""

from __future__ import annotations

import pytest

from ruledesk import errors
from ruledesk.tenancy.models import User
from tests.workflows.conftest import fresh, make_ticket
from workflows import board
from workflows.services import transitions

pytestmark = pytest.mark.django_db


def test_the_menu_may_be_asked_once_per_status() -> None:
    # moves_by_status relies on it; a conditional transition must change the board first.
    assert transitions.MEMOIZABLE


@pytest.mark.parametrize(
    ("walk", "target", "name"),
    [
        ((), "open", "open"),
        (("open",), "waiting_on_requester", "wait_on_requester"),
        (("open", "wait_on_requester"), "open", "resume"),
        ((), "resolved", "resolve"),
        (("resolve",), "closed", "close"),
    ],
)
def test_move_takes_the_leading_transition(
    admin: User, requester: User, walk: tuple[str, ...], target: str, name: str
) -> None:
    ticket = make_ticket(requester)
    for step in walk:
        transitions.ticket_transition(actor=admin, ticket=fresh(ticket), name=step)
    ticket = fresh(ticket)
    moved = board.ticket_move(actor=admin, ticket=ticket, seen_status=ticket.status, target=target)
    assert fresh(moved).status == target
    assert moved.transitions.order_by("-id").first().name == name  # type: ignore[union-attr]


def test_refusals_say_why_and_change_nothing(admin: User, requester: User) -> None:
    ticket = make_ticket(requester)
    with pytest.raises(errors.Conflict, match="someone moved it"):
        board.ticket_move(actor=admin, ticket=ticket, seen_status="open", target="resolved")
    with pytest.raises(errors.InvalidTransition, match="No transition leads from New to Closed"):
        board.ticket_move(actor=admin, ticket=ticket, seen_status="new", target="closed")
    transitions.ticket_transition(actor=admin, ticket=ticket, name="resolve")
    with pytest.raises(errors.ValidationFailed, match="needs a reason"):
        board.ticket_move(actor=admin, ticket=fresh(ticket), seen_status="resolved", target="open")
    assert fresh(ticket).status == "resolved"


def test_moves_by_status_follow_the_matrix(agent: User) -> None:
    moves = board.moves_by_status(agent)
    assert [s.target for s in moves["new"]] == ["open", "resolved"]
    # reopen is offered (the card links to the ticket page's reason form), marked as such
    reopen = [s for s in moves["resolved"] if s.name == "reopen"]
    assert len(reopen) == 1 and reopen[0].requires_reason
