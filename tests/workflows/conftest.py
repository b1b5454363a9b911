"""Helpers for the workflows tests: tickets built through the services, walked through statuses."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from ruledesk.tenancy.models import User
from workflows import services
from workflows.models import Ticket

# How an admin walks a fresh ticket into each status.
WALKS: dict[str, tuple[str, ...]] = {
    "new": (),
    "open": ("open",),
    "waiting_on_requester": ("open", "wait_on_requester"),
    "resolved": ("resolve",),
    "closed": ("resolve", "close"),
}


def fresh(ticket: Ticket) -> Ticket:
    """The ticket as stored now (refresh_from_db cannot reload the protected status field)."""
    return Ticket.objects.get(pk=ticket.pk)


def make_ticket(requester: User, title: str = "Printer on fire", **fields: Any) -> Ticket:
    return services.ticket_create(actor=requester, title=title, **fields)


def walk(ticket: Ticket, status: str, admin: User) -> Ticket:
    """Put `ticket` into `status` by taking the transitions of WALKS as `admin`."""
    for name in WALKS[status]:
        result = services.ticket_transition(actor=admin, ticket=ticket, name=name)
        assert isinstance(result, Ticket)
        ticket = result
    ticket = fresh(ticket)
    assert ticket.status == status
    return ticket


@pytest.fixture
def ticket_in(admin: User, requester: User) -> Callable[..., Ticket]:
    """`ticket_in(status, **create_fields)`: a ticket of `requester`, walked there by `admin`."""

    def build(status: str = "new", **fields: Any) -> Ticket:
        return walk(make_ticket(requester, **fields), status, admin)

    return build
