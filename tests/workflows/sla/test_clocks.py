"""SLA clocks on real tickets: matching, recompute, pause replay, first response, reopen, state."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from django.db import transaction
from django.test.utils import override_settings

from ruledesk.events.models import DomainEvent
from ruledesk.tenancy.models import User
from workflows import services
from workflows.models import Ticket
from workflows.sla import clocks
from workflows.sla import services as sla
from workflows.sla.models import SlaTimer

from .conftest import MONDAY_10, at

pytestmark = pytest.mark.django_db


def fresh(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_related("sla_policy").get(pk=ticket.pk)


def timers(ticket: Ticket) -> dict[tuple[str, str, int], tuple[str, str, bool]]:
    return {
        (t.target, t.kind, t.cycle): (
            t.fire_at.isoformat(),
            t.due_at.isoformat(),
            t.fired_at is not None,
        )
        for t in SlaTimer.objects.filter(ticket=ticket)
    }


def step(actor: User, ticket: Ticket, name: str, when: datetime, reason: str = "") -> Ticket:
    with (
        time_machine.travel(when, tick=False),
        override_settings(RULEDESK_REOPEN_COOLDOWN_SECONDS=0),
    ):
        result = services.ticket_transition(actor=actor, ticket=ticket, name=name, reason=reason)
    assert isinstance(result, Ticket)
    return fresh(result)


def test_create_picks_first_matching_policy_and_writes_due_times_and_timers(
    requester, make_policy
) -> None:
    make_policy("Critical only", priority="critical", position=1)
    standard = make_policy("Standard", position=10)
    make_policy("Catch-all later", position=20)
    with time_machine.travel(MONDAY_10, tick=False):
        ticket = fresh(services.ticket_create(actor=requester, title="Broken", priority="medium"))
    assert ticket.sla_policy == standard
    assert ticket.first_response_due_at == at("2026-11-23T11:00+00:00")
    assert ticket.resolution_due_at == at("2026-11-24T10:00+00:00")
    assert ticket.first_response_warn_at == at("2026-11-23T10:30+00:00")
    assert ticket.resolution_warn_at == at("2026-11-23T14:00+00:00")
    assert ticket.sla_paused is False
    assert timers(ticket) == {
        ("first_response", "warning", 0): ("2026-11-23T10:30:00+00:00", "2026-11-23T11:00:00+00:00", False),
        ("first_response", "breach", 0): ("2026-11-23T11:00:00+00:00", "2026-11-23T11:00:00+00:00", False),
        ("resolution", "warning", 0): ("2026-11-23T14:00:00+00:00", "2026-11-24T10:00:00+00:00", False),
        ("resolution", "breach", 0): ("2026-11-24T10:00:00+00:00", "2026-11-24T10:00:00+00:00", False),
    }  # fmt: skip


def test_inactive_and_non_matching_policies_are_skipped(requester, admin, make_policy) -> None:
    make_policy("Off", position=1, active=False)
    hardware = services.category_create(actor=admin, name="Hardware")
    make_policy("Hardware", position=2, category_id=hardware.pk)
    fallback = make_policy("Fallback", position=3)
    with time_machine.travel(MONDAY_10, tick=False):
        plain = fresh(services.ticket_create(actor=requester, title="A"))
        kit = fresh(services.ticket_create(actor=requester, title="B", category_id=hardware.pk))
    assert plain.sla_policy == fallback
    assert kit.sla_policy is not None and kit.sla_policy.name == "Hardware"


def test_no_policy_means_no_due_times(requester) -> None:
    ticket = fresh(services.ticket_create(actor=requester, title="A"))
    assert (ticket.sla_policy, ticket.first_response_due_at, ticket.resolution_due_at) == (
        None,
        None,
        None,
    )
    assert clocks.sla_state(ticket) == "none"
    assert not SlaTimer.objects.filter(ticket=ticket).exists()


def test_priority_change_recomputes_from_creation(requester, agent, make_policy) -> None:
    make_policy(
        "High", priority="high", position=1, first_response_minutes=30, resolution_minutes=120
    )
    make_policy("Any", position=10)
    with time_machine.travel(MONDAY_10, tick=False):
        ticket = services.ticket_create(actor=requester, title="Broken")
    with time_machine.travel(at("2026-11-23T10:10+00:00"), tick=False):
        services.ticket_update(actor=agent, ticket=ticket, priority="high")
    ticket = fresh(ticket)
    assert ticket.sla_policy is not None and ticket.sla_policy.name == "High"
    assert ticket.first_response_due_at == at("2026-11-23T10:30+00:00")
    assert ticket.resolution_due_at == at("2026-11-23T12:00+00:00")
    assert timers(ticket)[("resolution", "warning", 0)] == (
        "2026-11-23T11:00:00+00:00",
        "2026-11-23T12:00:00+00:00",
        False,
    )
    assert SlaTimer.objects.filter(ticket=ticket).count() == 4


def test_pause_and_resume_push_due_times_by_replaying_the_log(
    requester, agent, make_policy
) -> None:
    make_policy()
    with time_machine.travel(MONDAY_10, tick=False):
        ticket = services.ticket_create(actor=requester, title="Broken")
    ticket = step(agent, ticket, "open", at("2026-11-23T10:05+00:00"))
    ticket = step(agent, ticket, "wait_on_requester", at("2026-11-23T10:20+00:00"))
    assert ticket.sla_paused is True
    # Paused before either warning: warnings cleared, future timers gone.
    assert (ticket.first_response_warn_at, ticket.resolution_warn_at) == (None, None)
    assert timers(ticket) == {}
    assert clocks.sla_state(ticket, at("2026-11-24T09:00+00:00")) == "ok"
    # Resume Tuesday 10:00: 20 business minutes were used; 10:20 Mon -> 10:00 Tue is paused.
    ticket = step(requester, ticket, "resume", at("2026-11-24T10:00+00:00"))
    assert ticket.sla_paused is False
    assert ticket.first_response_due_at == at("2026-11-24T10:40+00:00")  # 40 left
    assert ticket.resolution_due_at == at("2026-11-25T09:40+00:00")  # 460 left: 420 Tue + 40 Wed
    assert ticket.first_response_warn_at == at("2026-11-24T10:10+00:00")
    assert ticket.resolution_warn_at == at("2026-11-24T13:40+00:00")  # 240 - 20 = 220 after resume
    # A second pause (Tue 11:00 -> Wed 09:30 = 360 + 30 business minutes) pushes again.
    ticket = step(agent, ticket, "wait_on_requester", at("2026-11-24T11:00+00:00"))
    ticket = step(requester, ticket, "resume", at("2026-11-25T09:30+00:00"))
    assert ticket.resolution_due_at == at("2026-11-25T16:10+00:00")  # 09:40 Wed + 390
    # The stored values are what a replay of the log gives, recomputed from scratch.
    with transaction.atomic():
        locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
        Ticket.objects.filter(pk=ticket.pk).update(resolution_due_at=None)
        clocks.ticket_sla_sync(ticket=locked, now=at("2026-11-25T12:00+00:00"))
    assert fresh(ticket).resolution_due_at == at("2026-11-25T16:10+00:00")


def test_a_warning_already_due_when_paused_still_fires(requester, agent, make_policy) -> None:
    make_policy()
    with time_machine.travel(MONDAY_10, tick=False):
        ticket = services.ticket_create(actor=requester, title="Broken")
    ticket = step(agent, ticket, "open", at("2026-11-23T10:31+00:00"))
    ticket = step(agent, ticket, "wait_on_requester", at("2026-11-23T10:32+00:00"))
    assert ticket.first_response_warn_at == at("2026-11-23T10:30+00:00")
    assert set(timers(ticket)) == {("first_response", "warning", 0)}
    assert sla.sla_sweep(now=at("2026-11-23T10:33+00:00")) == 1
    assert clocks.sla_state(fresh(ticket), at("2026-11-23T10:34+00:00")) == "at_risk"


def test_first_public_agent_reply_stops_first_response(requester, agent, make_policy) -> None:
    make_policy()
    with time_machine.travel(MONDAY_10, tick=False):
        ticket = services.ticket_create(actor=requester, title="Broken")
    with time_machine.travel(at("2026-11-23T10:15+00:00"), tick=False):
        services.comment_create(actor=agent, ticket=ticket, body="Note", visibility="internal")
        services.comment_create(actor=requester, ticket=ticket, body="Any news?")
    assert ("first_response", "breach", 0) in timers(ticket)
    with time_machine.travel(at("2026-11-23T10:20+00:00"), tick=False):
        services.comment_create(actor=agent, ticket=ticket, body="Looking.")
    ticket = fresh(ticket)
    assert ticket.first_responded_at == at("2026-11-23T10:20+00:00")
    assert ticket.first_response_warn_at is None
    assert ticket.first_response_due_at == at("2026-11-23T11:00+00:00")
    assert set(timers(ticket)) == {("resolution", "warning", 0), ("resolution", "breach", 0)}
    assert sla.sla_sweep(now=at("2026-11-23T12:00+00:00")) == 0


def test_resolve_stops_and_reopen_restarts_resolution(requester, agent, make_policy) -> None:
    make_policy()
    with time_machine.travel(MONDAY_10, tick=False):
        ticket = services.ticket_create(actor=requester, title="Broken")
    ticket = step(agent, ticket, "open", at("2026-11-23T10:05+00:00"))
    with time_machine.travel(at("2026-11-23T10:06+00:00"), tick=False):
        services.comment_create(actor=agent, ticket=ticket, body="Fixed?")
    # Resolution breached first (due Tue 10:00), then resolved.
    assert sla.sla_sweep(now=at("2026-11-24T10:00+00:00")) == 2
    ticket = step(agent, ticket, "resolve", at("2026-11-24T11:00+00:00"))
    assert ticket.resolution_breached is True
    assert clocks.sla_state(ticket) == "breached"
    assert not SlaTimer.objects.filter(ticket=ticket, fired_at__isnull=True).exists()
    # Reopen Wed 15:00: a new cycle with the full 480 minutes from the reopen.
    ticket = step(requester, ticket, "reopen", at("2026-11-25T15:00+00:00"), reason="Again")
    assert ticket.resolution_breached is False
    assert ticket.resolution_due_at == at("2026-11-26T15:00+00:00")
    assert ticket.resolution_warn_at == at("2026-11-26T11:00+00:00")
    assert timers(ticket)[("resolution", "breach", 1)] == (
        "2026-11-26T15:00:00+00:00",
        "2026-11-26T15:00:00+00:00",
        False,
    )
    assert timers(ticket)[("resolution", "breach", 0)][2] is True  # the old cycle's, fired
    assert clocks.sla_state(ticket, at("2026-11-26T10:00+00:00")) == "ok"
    assert clocks.sla_state(ticket, at("2026-11-26T11:00+00:00")) == "at_risk"
    assert sla.sla_sweep(now=at("2026-11-26T15:00+00:00")) == 2
    assert fresh(ticket).resolution_breached is True


def test_sweep_emits_each_event_once_with_payload(requester, make_policy) -> None:
    make_policy()
    with time_machine.travel(MONDAY_10, tick=False):
        ticket = services.ticket_create(actor=requester, title="Broken")
    assert sla.sla_sweep(now=at("2026-11-23T10:29+00:00")) == 0
    assert sla.sla_sweep(now=at("2026-11-23T10:30+00:00")) == 1
    assert sla.sla_sweep(now=at("2026-11-23T10:45+00:00")) == 0
    assert sla.sla_sweep(now=at("2026-11-24T10:00+00:00")) == 3
    assert sla.sla_sweep(now=at("2026-11-30T10:00+00:00")) == 0
    events = DomainEvent.objects.filter(ticket_id=ticket.pk, type__startswith="sla.")
    assert sorted((e.type, e.payload["target"], e.payload["due_at"], e.actor_id, e.depth) for e in events) == [
        ("sla.breached", "first_response", "2026-11-23T11:00:00Z", None, 0),
        ("sla.breached", "resolution", "2026-11-24T10:00:00Z", None, 0),
        ("sla.warning", "first_response", "2026-11-23T11:00:00Z", None, 0),
        ("sla.warning", "resolution", "2026-11-24T10:00:00Z", None, 0),
    ]  # fmt: skip
    ticket = fresh(ticket)
    assert (ticket.first_response_breached, ticket.resolution_breached) == (True, True)


def test_sweep_respects_its_limit(requester, make_policy) -> None:
    make_policy()
    with time_machine.travel(MONDAY_10, tick=False):
        for n in range(3):
            services.ticket_create(actor=requester, title=f"T{n}")
    assert sla.sla_sweep(limit=5, now=at("2026-11-30T10:00+00:00")) == 5
    assert sla.sla_sweep(limit=100, now=at("2026-11-30T10:00+00:00")) == 7


def test_sla_policy_apply_emits_ticket_updated(requester, make_policy) -> None:
    from ruledesk.tenancy.services import system_actor

    standard = make_policy()
    fast = make_policy("Fast", position=50, first_response_minutes=15, resolution_minutes=60)
    with time_machine.travel(MONDAY_10, tick=False):
        ticket = services.ticket_create(actor=requester, title="Broken")
        sla.sla_policy_apply(
            actor=system_actor(ticket.organization_id), ticket=ticket, policy_id=fast.pk
        )
    ticket = fresh(ticket)
    assert ticket.sla_policy == fast
    assert ticket.resolution_due_at == at("2026-11-23T11:00+00:00")
    event = DomainEvent.objects.filter(ticket_id=ticket.pk, type="ticket.updated").get()
    assert event.changes == {"sla_policy": [standard.pk, fast.pk]}


def test_state_and_list_filter_agree(api, agent, requester, make_policy) -> None:
    make_policy()
    with time_machine.travel(MONDAY_10, tick=False):
        ok = services.ticket_create(actor=requester, title="ok")
    with time_machine.travel(MONDAY_10 - timedelta(minutes=30), tick=False):
        risky = services.ticket_create(actor=requester, title="risky")  # 09:30: warns 10:00
    with time_machine.travel(MONDAY_10 - timedelta(days=3), tick=False):
        late = services.ticket_create(actor=requester, title="late")  # Friday
    no_policy = services.ticket_create(actor=requester, title="none")
    Ticket.objects.filter(pk=no_policy.pk).update(sla_policy=None)
    sla.sla_sweep(now=MONDAY_10 + timedelta(minutes=5))
    with time_machine.travel(MONDAY_10 + timedelta(minutes=5), tick=False):
        states = {t.title: clocks.sla_state(fresh(t)) for t in (ok, risky, late, no_policy)}
        assert states == {"ok": "ok", "risky": "at_risk", "late": "breached", "none": "none"}
        client = api(agent)
        for state, expected in (("ok", [ok.pk]), ("at_risk", [risky.pk]), ("breached", [late.pk])):
            body = client.get(f"/api/v1/tickets?sla={state}").json()
            assert [item["id"] for item in body["results"]] == expected, state
        detail = client.get(f"/api/v1/tickets/{late.pk}").json()
    assert detail["sla"] == {
        "policy": {"id": late.sla_policy_id, "name": "Standard"},
        "first_response_due_at": "2026-11-20T11:00:00Z",
        "resolution_due_at": "2026-11-23T10:00:00Z",
        "paused": False,
        "first_response_breached": True,
        "resolution_breached": True,
    }


def test_organization_calendar_is_the_oldest_or_24_7(acme, admin) -> None:
    from workflows.sla.business_time import Calendar

    assert sla.organization_calendar(acme.pk) == Calendar.always("UTC")
    sla.business_calendar_create(
        actor=admin, name="First", timezone="Europe/Warsaw", hours={"mon": [["09:00", "10:00"]]},
        holidays=[at("2026-12-25T00:00+00:00").date()],
    )  # fmt: skip
    sla.business_calendar_create(
        actor=admin, name="Second", timezone="UTC", hours={"tue": [["09:00", "10:00"]]}
    )
    calendar = sla.organization_calendar(acme.pk)
    assert (calendar.timezone, dict(calendar.hours), calendar.holidays) == (
        "Europe/Warsaw", {0: ((540, 600),)}, frozenset({at("2026-12-25T00:00+00:00").date()}),
    )  # fmt: skip


def test_category_merge_moves_policies_and_delete_is_refused_while_used(admin, make_policy) -> None:
    from ruledesk import errors

    old = services.category_create(actor=admin, name="Old")
    new = services.category_create(actor=admin, name="New")
    policy = make_policy(category_id=old.pk)
    services.category_merge(actor=admin, source=old, target=new)
    policy.refresh_from_db()
    assert policy.category_id == new.pk
    with pytest.raises(errors.Conflict):
        services.category_delete(actor=admin, category=new)


def test_the_sweep_is_a_registered_periodic_job() -> None:
    from ruledesk.ops import schedules
    from workflows.sla import tasks

    job = next(job for job in schedules.jobs() if job.name == "sla-sweep")
    assert (job.func, job.every_seconds) == ("workflows.sla.tasks.sla_sweep", 30)
    assert tasks.sla_sweep() == 0
