"""Running tickets follow SLA policy and calendar edits (workflows.sla.recompute).

The edit services enqueue `workflows.sla.tasks.sla_recompute` in their transaction;
these tests run the queued tasks inline, the way the worker would. The office calendar
is Mon-Fri 09:00-17:00 UTC and 2026-11-23 is a Monday.
"""

from __future__ import annotations

import ast
import threading
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
import time_machine
from django.db import connections, transaction
from django_q.models import OrmQ, Schedule

from ruledesk.events.models import DomainEvent
from ruledesk.tenancy.models import Organization, Role, User
from tests import factories, threads
from workflows import services
from workflows.models import Ticket
from workflows.sla import recompute, tasks
from workflows.sla import services as sla
from workflows.sla.models import BusinessCalendar, SlaPolicy, SlaTimer

from .conftest import MONDAY_10, OFFICE, at

pytestmark = pytest.mark.django_db

MONDAY_1015 = at("2026-11-23T10:15+00:00")


# --- Helpers ------------------------------------------------------------------------------


def queued() -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
    """(args, kwargs) of the recompute tasks waiting in the ORM broker, oldest first."""
    return [
        (tuple(q.task["args"]), dict(q.task["kwargs"]))
        for q in OrmQ.objects.order_by("id")
        if q.task["func"] == recompute.TASK
    ]


def run_recomputes() -> list[dict[str, int]]:
    """Run (and remove) queued recompute tasks, including the ones they enqueue."""
    results: list[dict[str, int]] = []
    while True:
        pending = [q for q in OrmQ.objects.order_by("id") if q.task["func"] == recompute.TASK]
        if not pending:
            return results
        for q in pending:
            task = q.task
            q.delete()
            results.append(tasks.sla_recompute(*task["args"], **task["kwargs"]))


def fresh(ticket: Ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk)


def timers(ticket: Ticket) -> dict[tuple[str, str, int], tuple[str, str, str | None]]:
    return {
        (t.target, t.kind, t.cycle): (
            t.fire_at.isoformat(),
            t.due_at.isoformat(),
            None if t.fired_at is None else t.fired_at.isoformat(),
        )
        for t in SlaTimer.objects.filter(ticket=ticket)
    }


def snapshot(*tickets: Ticket) -> dict[int, Any]:
    """Every SLA column, timer and history row count of the tickets."""
    return {
        t.pk: (
            Ticket.objects.filter(pk=t.pk)
            .values(
                "sla_policy_id",
                "first_response_due_at",
                "resolution_due_at",
                "first_response_warn_at",
                "resolution_warn_at",
                "sla_paused",
                "first_response_breached",
                "resolution_breached",
                "updated_at",
            )
            .get(),
            timers(t),
            Ticket.history.filter(id=t.pk).count(),
        )
        for t in tickets
    }


def due(ticket: Ticket) -> tuple[str | None, ...]:
    t = fresh(ticket)
    return tuple(
        None if value is None else value.isoformat()
        for value in (
            t.first_response_due_at,
            t.first_response_warn_at,
            t.resolution_due_at,
            t.resolution_warn_at,
        )
    )


def open_ticket(requester: User, title: str = "Broken", **fields: Any) -> Ticket:
    with time_machine.travel(MONDAY_10, tick=False):
        return services.ticket_create(actor=requester, title=title, **fields)


@pytest.fixture
def standard(make_policy: Callable[..., SlaPolicy]) -> SlaPolicy:
    """60 min first response, 480 min resolution, warning at 50 %, position 10."""
    return make_policy()


@pytest.fixture
def globex_ticket(outsider: User, globex: Organization) -> Ticket:
    """A running ticket of another organization, under its own policy on its own calendar."""
    calendar = sla.business_calendar_create(
        actor=outsider, name="Office", timezone="UTC", hours=OFFICE
    )
    sla.sla_policy_create(
        actor=outsider,
        name="Standard",
        calendar_id=calendar.pk,
        first_response_minutes=60,
        resolution_minutes=480,
    )
    return open_ticket(factories.user(globex, Role.REQUESTER, email="gina@globex.test"))


@pytest.fixture
def resolved_ticket(requester: User, agent: User, standard: SlaPolicy) -> Ticket:
    ticket = open_ticket(requester, "Done")
    with time_machine.travel(at("2026-11-23T10:05+00:00"), tick=False):
        services.ticket_transition(actor=agent, ticket=ticket, name="resolve")
    return ticket


def drain() -> None:
    """Run what the setup enqueued (each policy created enqueues a re-match)."""
    with time_machine.travel(MONDAY_10, tick=False):
        run_recomputes()


# --- Targets and calendars: recomputed on the same policy ---------------------------------


def test_minutes_edit_recomputes_running_tickets_only_in_the_background(
    admin: User,
    requester: User,
    standard: SlaPolicy,
    resolved_ticket: Ticket,
    globex_ticket: Ticket,
) -> None:
    ticket = open_ticket(requester)
    drain()
    assert due(ticket) == (
        "2026-11-23T11:00:00+00:00",
        "2026-11-23T10:30:00+00:00",
        "2026-11-24T10:00:00+00:00",
        "2026-11-23T14:00:00+00:00",
    )
    untouched = snapshot(resolved_ticket, globex_ticket)
    history = Ticket.history.filter(id=ticket.pk).count()

    with time_machine.travel(MONDAY_1015, tick=False):
        sla.sla_policy_update(
            actor=admin, sla_policy=standard, first_response_minutes=120, resolution_minutes=960
        )
    assert queued() == [
        (
            (admin.organization_id, {"policy_id": standard.pk, "calendar_id": None, "matchers_before": None}),
            {},
        )
    ]  # fmt: skip
    assert due(ticket)[0] == "2026-11-23T11:00:00+00:00"  # not yet: the worker does it
    with time_machine.travel(MONDAY_1015, tick=False):
        assert run_recomputes() == [{"synced": 1, "deferred": 0}]

    # 120 minutes from Mon 10:00 (warning at 60); 960 = two office days (warning at 480).
    assert due(ticket) == (
        "2026-11-23T12:00:00+00:00",
        "2026-11-23T11:00:00+00:00",
        "2026-11-25T10:00:00+00:00",
        "2026-11-24T10:00:00+00:00",
    )
    assert timers(ticket) == {
        ("first_response", "warning", 0): ("2026-11-23T11:00:00+00:00", "2026-11-23T12:00:00+00:00", None),
        ("first_response", "breach", 0): ("2026-11-23T12:00:00+00:00", "2026-11-23T12:00:00+00:00", None),
        ("resolution", "warning", 0): ("2026-11-24T10:00:00+00:00", "2026-11-25T10:00:00+00:00", None),
        ("resolution", "breach", 0): ("2026-11-25T10:00:00+00:00", "2026-11-25T10:00:00+00:00", None),
    }  # fmt: skip
    assert fresh(ticket).sla_policy_id == standard.pk
    assert Ticket.history.filter(id=ticket.pk).count() == history  # no history row, no event
    assert snapshot(resolved_ticket, globex_ticket) == untouched


def test_running_twice_changes_nothing_the_second_time(
    admin: User, requester: User, agent: User, standard: SlaPolicy
) -> None:
    running = open_ticket(requester)
    waiting = open_ticket(requester, "Waiting")
    with time_machine.travel(at("2026-11-23T10:05+00:00"), tick=False):
        services.ticket_transition(actor=agent, ticket=waiting, name="open")
        services.ticket_transition(actor=agent, ticket=waiting, name="wait_on_requester")
    drain()
    with time_machine.travel(MONDAY_1015, tick=False):
        sla.sla_policy_update(actor=admin, sla_policy=standard, reminder_percent=75)
        ((args, kwargs),) = queued()
        assert run_recomputes() == [{"synced": 2, "deferred": 0}]
        after = snapshot(running, waiting)
        assert tasks.sla_recompute(*args, **kwargs) == {"synced": 2, "deferred": 0}
    assert snapshot(running, waiting) == after
    assert fresh(running).first_response_warn_at == at("2026-11-23T10:45+00:00")  # 75 % of 60
    assert fresh(running).resolution_warn_at == at("2026-11-23T16:00+00:00")  # 75 % of 480


def test_calendar_edit_recomputes_tickets_whose_policy_uses_it(
    admin: User,
    requester: User,
    office: BusinessCalendar,
    standard: SlaPolicy,
    make_policy: Callable[..., SlaPolicy],
    globex_ticket: Ticket,
) -> None:
    nights = sla.business_calendar_create(
        actor=admin, name="Nights", timezone="UTC", hours={"mon": [["20:00", "24:00"]]}
    )
    make_policy("High", priority="high", position=1, calendar_id=nights.pk)
    on_office = open_ticket(requester)
    on_nights = open_ticket(requester, "Urgent", priority="high")
    drain()
    untouched = snapshot(on_nights, globex_ticket)

    with time_machine.travel(MONDAY_1015, tick=False):
        sla.business_calendar_update(
            actor=admin, calendar=office, holidays=[date(2026, 11, 24)], name="Office 2026"
        )
        assert queued() == [
            (
                (admin.organization_id, {"policy_id": None, "calendar_id": office.pk, "matchers_before": None}),
                {},
            )
        ]  # fmt: skip
        assert run_recomputes() == [{"synced": 1, "deferred": 0}]

    # Tuesday is a holiday now: 420 minutes on Monday, the last 60 on Wednesday.
    assert due(on_office) == (
        "2026-11-23T11:00:00+00:00",
        "2026-11-23T10:30:00+00:00",
        "2026-11-25T10:00:00+00:00",
        "2026-11-23T14:00:00+00:00",
    )
    assert snapshot(on_nights, globex_ticket) == untouched


def test_edits_that_change_no_clock_enqueue_nothing(
    admin: User, office: BusinessCalendar, standard: SlaPolicy
) -> None:
    drain()
    sla.business_calendar_update(actor=admin, calendar=office, name="Renamed")
    spare = sla.business_calendar_create(actor=admin, name="Spare", timezone="UTC", hours=OFFICE)
    sla.business_calendar_delete(actor=admin, calendar=spare)
    sla.sla_policy_update(actor=admin, sla_policy=standard, name="Renamed")
    off = sla.sla_policy_create(
        actor=admin,
        name="Off",
        calendar_id=office.pk,
        first_response_minutes=5,
        resolution_minutes=5,
        active=False,
    )
    # Only its minutes count: an inactive policy matches nobody wherever it stands.
    sla.sla_policy_update(actor=admin, sla_policy=off, position=0, first_response_minutes=6)
    assert queued() == [
        ((admin.organization_id, {"policy_id": off.pk, "calendar_id": None, "matchers_before": None}), {})
    ]  # fmt: skip
    run_recomputes()
    sla.sla_policy_delete(actor=admin, sla_policy=off)
    assert queued() == []


def test_a_rolled_back_edit_enqueues_nothing(admin: User, standard: SlaPolicy) -> None:
    drain()
    with pytest.raises(RuntimeError), transaction.atomic():
        sla.sla_policy_update(actor=admin, sla_policy=standard, resolution_minutes=30)
        raise RuntimeError
    assert queued() == []
    assert SlaPolicy.objects.get(pk=standard.pk).resolution_minutes == 480


# --- Matching: re-matched when who policies match changes ---------------------------------


def test_new_policy_rematches_tickets_under_their_matched_policy_but_not_rule_choices(
    admin: User,
    requester: User,
    make_policy: Callable[..., SlaPolicy],
    standard: SlaPolicy,
    globex_ticket: Ticket,
) -> None:
    special = make_policy("Special", priority="critical", position=50)
    matched = open_ticket(requester)
    low = open_ticket(requester, "Low", priority="low")
    chosen_by_rule = open_ticket(requester, "Rule")
    with time_machine.travel(MONDAY_10, tick=False):
        sla.sla_policy_apply(actor=admin, ticket=chosen_by_rule, policy_id=special.pk)
    drain()
    untouched = snapshot(low, chosen_by_rule, globex_ticket)

    with time_machine.travel(MONDAY_1015, tick=False):
        medium = make_policy(
            "Medium first",
            priority="medium",
            position=1,
            first_response_minutes=30,
            resolution_minutes=120,
        )
        ((args, _),) = queued()
        assert args[1]["matchers_before"] == [
            [standard.pk, None, None],
            [special.pk, "critical", None],
        ]
        assert run_recomputes() == [{"synced": 2, "deferred": 0}]  # matched and low

    assert fresh(matched).sla_policy_id == medium.pk
    assert due(matched) == (
        "2026-11-23T10:30:00+00:00",
        "2026-11-23T10:15:00+00:00",
        "2026-11-23T12:00:00+00:00",
        "2026-11-23T11:00:00+00:00",
    )
    # low was re-matched to the same policy; the rule's choice stays.
    assert snapshot(low, chosen_by_rule, globex_ticket) == untouched


def test_deactivating_a_policy_moves_its_tickets_to_the_next_match(
    admin: User, requester: User, make_policy: Callable[..., SlaPolicy], standard: SlaPolicy
) -> None:
    quick = make_policy(
        "Quick", position=1, first_response_minutes=15, resolution_minutes=60, reminder_percent=80
    )
    ticket = open_ticket(requester)
    drain()
    assert fresh(ticket).sla_policy_id == quick.pk

    with time_machine.travel(MONDAY_1015, tick=False):
        sla.sla_policy_update(actor=admin, sla_policy=quick, active=False)
        assert run_recomputes() == [{"synced": 1, "deferred": 0}]
    assert fresh(ticket).sla_policy_id == standard.pk
    assert due(ticket) == (
        "2026-11-23T11:00:00+00:00",
        "2026-11-23T10:30:00+00:00",
        "2026-11-24T10:00:00+00:00",
        "2026-11-23T14:00:00+00:00",
    )

    # No policy left to match: the clocks stop and the unfired timers go.
    with time_machine.travel(MONDAY_1015, tick=False):
        sla.sla_policy_update(actor=admin, sla_policy=standard, priority="critical")
        run_recomputes()
    assert fresh(ticket).sla_policy_id is None
    assert due(ticket) == (None, None, None, None)
    assert timers(ticket) == {}


def test_narrowing_a_policy_to_a_category_moves_the_other_tickets_away(
    admin: User, requester: User, make_policy: Callable[..., SlaPolicy], standard: SlaPolicy
) -> None:
    hardware = services.category_create(actor=admin, name="Hardware")
    kit = make_policy("Kit", position=1, first_response_minutes=30)
    plain = open_ticket(requester)
    printer = open_ticket(requester, "Printer", category_id=hardware.pk)
    drain()
    assert {fresh(plain).sla_policy_id, fresh(printer).sla_policy_id} == {kit.pk}

    with time_machine.travel(MONDAY_1015, tick=False):
        sla.sla_policy_update(actor=admin, sla_policy=kit, category_id=hardware.pk)
        assert run_recomputes() == [{"synced": 2, "deferred": 0}]
    assert fresh(plain).sla_policy_id == standard.pk
    assert fresh(plain).first_response_due_at == at("2026-11-23T11:00+00:00")
    assert fresh(printer).sla_policy_id == kit.pk
    assert fresh(printer).first_response_due_at == at("2026-11-23T10:30+00:00")


def test_fired_timers_and_breach_flags_stay_when_a_target_is_extended(
    admin: User, requester: User, standard: SlaPolicy
) -> None:
    ticket = open_ticket(requester)
    drain()
    assert sla.sla_sweep(now=at("2026-11-23T11:05+00:00")) == 2  # first response warning, breach
    fired = {key: value for key, value in timers(ticket).items() if value[2] is not None}
    assert set(fired) == {("first_response", "warning", 0), ("first_response", "breach", 0)}
    assert fresh(ticket).first_response_breached is True

    with time_machine.travel(at("2026-11-23T11:10+00:00"), tick=False):
        sla.sla_policy_update(
            actor=admin, sla_policy=standard, first_response_minutes=240, resolution_minutes=960
        )
        run_recomputes()

    ticket = fresh(ticket)
    assert ticket.first_response_due_at == at("2026-11-23T14:00+00:00")
    assert ticket.first_response_breached is True  # a breach that happened stays
    assert timers(ticket) == {
        **fired,
        ("resolution", "warning", 0): ("2026-11-24T10:00:00+00:00", "2026-11-25T10:00:00+00:00", None),
        ("resolution", "breach", 0): ("2026-11-25T10:00:00+00:00", "2026-11-25T10:00:00+00:00", None),
    }  # fmt: skip
    events = DomainEvent.objects.filter(type__startswith="sla.").count()
    assert sla.sla_sweep(now=at("2026-11-23T16:00+00:00")) == 0  # nothing fires twice
    assert DomainEvent.objects.filter(type__startswith="sla.").count() == events


# --- Chunks, locks and later runs ---------------------------------------------------------


def test_a_long_walk_continues_in_fresh_runs_from_its_cursor(
    admin: User, requester: User, standard: SlaPolicy, monkeypatch: pytest.MonkeyPatch
) -> None:
    tickets = [open_ticket(requester, f"T{n}") for n in range(5)]
    drain()
    monkeypatch.setattr(recompute, "CHUNK", 2)
    monkeypatch.setattr(recompute, "BUDGET_SECONDS", 0.0)  # one chunk per run
    with time_machine.travel(MONDAY_1015, tick=False):
        sla.sla_policy_update(actor=admin, sla_policy=standard, first_response_minutes=120)
        assert run_recomputes() == [
            {"synced": 2, "deferred": 0},
            {"synced": 2, "deferred": 0},
            {"synced": 1, "deferred": 0},
        ]
    assert {fresh(t).first_response_due_at for t in tickets} == {at("2026-11-23T12:00+00:00")}


@pytest.mark.xdist_group("sla-recompute")
@pytest.mark.django_db(transaction=True)
def test_a_ticket_locked_by_an_edit_is_recomputed_by_a_later_run() -> None:
    org = factories.organization("acme")
    admin = factories.user(org, Role.ADMIN, email="admin@acme.test")
    requester = factories.user(org, Role.REQUESTER, email="requester@acme.test")
    calendar = sla.business_calendar_create(
        actor=admin, name="Office", timezone="UTC", hours=OFFICE
    )
    policy = sla.sla_policy_create(
        actor=admin,
        name="Standard",
        calendar_id=calendar.pk,
        first_response_minutes=60,
        resolution_minutes=480,
    )
    free, busy = open_ticket(requester, "Free"), open_ticket(requester, "Busy")
    drain()
    locked, release = threading.Event(), threading.Event()

    def hold_lock() -> None:
        try:
            with transaction.atomic():
                Ticket.objects.select_for_update().get(pk=busy.pk)
                locked.set()
                release.wait(timeout=30)
        finally:
            connections.close_all()

    holder = threads.started(hold_lock)
    try:
        assert locked.wait(timeout=30)
        with time_machine.travel(MONDAY_1015, tick=False):
            sla.sla_policy_update(actor=admin, sla_policy=policy, first_response_minutes=120)
            assert run_recomputes() == [{"synced": 1, "deferred": 1}]
    finally:
        release.set()
        threads.join_all([holder])
    assert fresh(free).first_response_due_at == at("2026-11-23T12:00+00:00")
    assert fresh(busy).first_response_due_at == at("2026-11-23T11:00+00:00")

    (later,) = Schedule.objects.filter(func=recompute.TASK)
    assert later.next_run == MONDAY_1015 + recompute.RETRY_DELAY
    args, kwargs = ast.literal_eval(later.args), ast.literal_eval(later.kwargs)
    assert kwargs == {"after_id": None, "retry_ids": [busy.pk], "retry_run": 1}
    with time_machine.travel(at("2026-11-23T10:16+00:00"), tick=False):
        assert tasks.sla_recompute(*args, **kwargs) == {"synced": 1, "deferred": 0}
    assert fresh(busy).first_response_due_at == at("2026-11-23T12:00+00:00")
    assert Schedule.objects.filter(func=recompute.TASK).count() == 1  # no further run


def test_first_match_follows_the_database_matcher() -> None:
    matchers = ((1, "high", 7), (2, None, 7), (3, "high", None), (4, None, None))
    assert recompute.first_match(matchers, "high", 7) == 1
    assert recompute.first_match(matchers, "low", 7) == 2
    assert recompute.first_match(matchers, "high", None) == 3
    assert recompute.first_match(matchers, "low", None) == 4
    assert recompute.first_match(matchers[:3], "low", None) is None
    assert recompute.first_match((), "low", None) is None
