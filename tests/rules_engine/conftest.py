"""Helpers for rules-engine database tests: rules through the service, events dispatched inline."""

from __future__ import annotations

from typing import Any

import pytest

from ruledesk.events.models import DomainEvent, EventStatus
from ruledesk.events.services import event_dispatch
from ruledesk.tenancy.models import Organization, Role, Team, User
from rules_engine import services
from rules_engine.models import Rule
from tests import factories
from workflows import services as tickets
from workflows.models import Ticket


def make_rule(admin: User, **data: Any) -> Rule:
    body: dict[str, Any] = {"name": data.pop("name", "Rule"), "event": "ticket.created"}
    body.update(data)
    return services.rule_create(actor=admin, data=body)


def dispatch_all(max_rounds: int = 20) -> list[DomainEvent]:
    """Dispatch every pending event (and the events their rules cause) through the real path."""
    done: list[int] = []
    for _ in range(max_rounds):
        pending = list(
            DomainEvent.objects.filter(status=EventStatus.PENDING)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if not pending:
            break
        for pk in pending:
            event_dispatch(event_id=pk)
            done.append(pk)
    failed = list(DomainEvent.objects.exclude(status=EventStatus.DISPATCHED))
    assert failed == [], [(e.type, e.last_error) for e in failed]
    return list(DomainEvent.objects.filter(pk__in=done).order_by("pk"))


def ticket(requester: User, title: str = "Printer jams", **extra: Any) -> Ticket:
    return tickets.ticket_create(actor=requester, title=title, description="It jams.", **extra)


@pytest.fixture
def support(acme: Organization, agent: User) -> Team:
    return factories.team(acme, "Support", agent)


@pytest.fixture
def agent2(acme: Organization) -> User:
    return factories.user(acme, Role.AGENT, email="agent2@acme.test", name="Dan Agent")
