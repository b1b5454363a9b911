"""The periodic sweep works off a burst in one run, resuming after the last timer it saw;
a budget bounds it; a timer whose ticket is being edited waits for the next run."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
import time_machine
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from ruledesk.events.models import DomainEvent
from ruledesk.tenancy.models import Role, User
from tests import factories, threads
from workflows import services
from workflows.models import Ticket
from workflows.sla import services as sla
from workflows.sla import tasks
from workflows.sla.models import SlaTimer
from workflows.sla.services import sweep as sweeping

from .conftest import MONDAY_10, OFFICE, at

LATER = at("2026-11-30T10:00+00:00")  # every timer of a Monday 10:00 ticket is due


def sla_events() -> Counter[tuple[int | None, str, str]]:
    return Counter(
        (e.ticket_id, e.type, e.payload["target"])
        for e in DomainEvent.objects.filter(type__startswith="sla.")
    )


def claims(queries: CaptureQueriesContext) -> int:
    return sum(1 for q in queries.captured_queries if "WITH claimed AS" in q["sql"])


def tickets_under_policy(count: int, requester: User, admin: User) -> list[Ticket]:
    calendar = sla.business_calendar_create(
        actor=admin, name="Office", timezone="UTC", hours=OFFICE
    )
    sla.sla_policy_create(
        actor=admin, name="Standard", calendar_id=calendar.pk, first_response_minutes=60,
        resolution_minutes=480, reminder_percent=50,
    )  # fmt: skip
    with time_machine.travel(MONDAY_10, tick=False):
        return [services.ticket_create(actor=requester, title=f"T{n}") for n in range(count)]


@pytest.mark.django_db
def test_one_periodic_run_fires_a_burst_of_many_batches(admin, requester, monkeypatch) -> None:
    tickets = tickets_under_policy(5, requester, admin)
    monkeypatch.setattr(sweeping, "SWEEP_BATCH", 3)
    with time_machine.travel(LATER, tick=False), CaptureQueriesContext(connection) as queries:
        assert tasks.sla_sweep() == 20
    # 20 timers in 7 batches of at most 3, then one claim that finds nothing after the last.
    assert claims(queries) == 8
    assert not SlaTimer.objects.filter(fired_at__isnull=True).exists()
    assert set(SlaTimer.objects.values_list("fired_at", flat=True)) == {LATER}
    events = sla_events()
    assert len(events) == 20
    assert set(events.values()) == {1}
    assert {ticket_id for ticket_id, _, _ in events} == {t.pk for t in tickets}
    assert (
        Ticket.objects.filter(first_response_breached=True, resolution_breached=True).count() == 5
    )
    with time_machine.travel(LATER, tick=False):
        assert tasks.sla_sweep() == 0


@pytest.mark.django_db
def test_the_budget_stops_the_sweep_after_the_batch_that_spent_it(
    admin, requester, monkeypatch
) -> None:
    tickets_under_policy(2, requester, admin)
    monkeypatch.setattr(sweeping, "SWEEP_BATCH", 3)
    assert sla.sla_sweep(limit=None, budget=0, now=LATER) == 3
    assert SlaTimer.objects.filter(fired_at__isnull=True).count() == 5
    assert sla.sla_sweep(limit=None, budget=60, now=LATER) == 5
    assert sla.sla_sweep(limit=None, budget=0, now=LATER) == 0
    assert set(sla_events().values()) == {1}


@pytest.mark.django_db
def test_a_limit_smaller_than_a_batch_claims_only_the_limit(admin, requester) -> None:
    tickets_under_policy(2, requester, admin)
    assert sla.sla_sweep(limit=2, now=LATER) == 2
    assert SlaTimer.objects.filter(fired_at__isnull=True).count() == 6


@pytest.mark.xdist_group("sla-sweep")
@pytest.mark.django_db(transaction=True)
def test_a_timer_whose_ticket_is_locked_waits_for_the_next_run_and_fires_once(
    monkeypatch,
) -> None:
    org = factories.organization("acme")
    admin = factories.user(org, Role.ADMIN, email="admin@acme.test")
    requester = factories.user(org, Role.REQUESTER, email="requester@acme.test")
    first, edited, last = tickets_under_policy(3, requester, admin)
    monkeypatch.setattr(sweeping, "SWEEP_BATCH", 2)  # the edited ticket's timers are mid-batch
    locked, release = threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def edit() -> None:  # a ticket service holding the ticket's row lock
        try:
            with transaction.atomic():
                Ticket.objects.select_for_update().get(pk=edited.pk)
                locked.set()
                release.wait(timeout=60)
        except BaseException as exc:  # asserted below
            failures.append(exc)
        finally:
            connections.close_all()

    editor = threads.started(edit)
    try:
        assert locked.wait(timeout=30)
        with time_machine.travel(LATER, tick=False):
            assert tasks.sla_sweep() == 8
        unfired = SlaTimer.objects.filter(fired_at__isnull=True)
        assert sorted(unfired.values_list("ticket_id", flat=True)) == [edited.pk] * 4
        assert {ticket_id for ticket_id, _, _ in sla_events()} == {first.pk, last.pk}
    finally:
        release.set()
        threads.join_all([editor], timeout=60)
    assert failures == []
    with time_machine.travel(LATER, tick=False):
        assert tasks.sla_sweep() == 4
        assert tasks.sla_sweep() == 0
    events = sla_events()
    assert len(events) == 12
    assert set(events.values()) == {1}
    assert Ticket.objects.get(pk=edited.pk).first_response_breached is True
    assert Ticket.objects.get(pk=edited.pk).resolution_breached is True
