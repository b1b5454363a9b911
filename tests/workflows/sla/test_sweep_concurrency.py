"""Two sweepers at once, each with its own database connection: every event fires once."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
import time_machine
from django.db import connections

from ruledesk.events.models import DomainEvent
from ruledesk.tenancy.models import Role
from tests import factories, threads
from workflows import services
from workflows.models import Ticket
from workflows.sla import services as sla
from workflows.sla.services import sweep as sweeping

from .conftest import MONDAY_10, OFFICE, at

TICKETS = 25
SWEEPERS = 2


@pytest.mark.xdist_group("sla-sweep")
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sweepers_emit_each_warning_and_breach_once(monkeypatch) -> None:
    org = factories.organization("acme")
    admin = factories.user(org, Role.ADMIN, email="admin@acme.test")
    requester = factories.user(org, Role.REQUESTER, email="requester@acme.test")
    calendar = sla.business_calendar_create(
        actor=admin, name="Office", timezone="UTC", hours=OFFICE
    )
    sla.sla_policy_create(
        actor=admin,
        name="Standard",
        calendar_id=calendar.pk,
        first_response_minutes=60,
        resolution_minutes=480,
        reminder_percent=50,
    )
    with time_machine.travel(MONDAY_10, tick=False):
        tickets = [services.ticket_create(actor=requester, title=f"T{n}") for n in range(TICKETS)]
    monkeypatch.setattr(sweeping, "SWEEP_BATCH", 3)  # small batches: the sweepers interleave
    start = threading.Barrier(SWEEPERS)
    counts: list[int] = []
    failures: list[BaseException] = []

    def sweep() -> None:
        try:
            start.wait(timeout=30)
            counts.append(sla.sla_sweep(now=at("2026-11-30T10:00+00:00")))
        except BaseException as exc:  # collected and asserted below
            failures.append(exc)
        finally:
            connections.close_all()

    threads.join_all([threads.started(sweep) for _ in range(SWEEPERS)], timeout=120)
    assert failures == []
    assert sum(counts) == TICKETS * 4
    fired = Counter(
        (e.ticket_id, e.type, e.payload["target"])
        for e in DomainEvent.objects.filter(type__startswith="sla.")
    )
    assert len(fired) == TICKETS * 4
    assert set(fired.values()) == {1}
    assert {ticket_id for ticket_id, _, _ in fired} == {t.pk for t in tickets}
    # A third sweep finds nothing left.
    assert sla.sla_sweep(now=at("2026-11-30T10:00+00:00")) == 0
    assert (
        Ticket.objects.filter(first_response_breached=True, resolution_breached=True).count()
        == TICKETS
    )
