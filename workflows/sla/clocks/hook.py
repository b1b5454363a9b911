"""Policies and the ticket hook: match a ticket's policy, write its clocks and timers."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ruledesk import errors
from ruledesk.access import policy as access
from ruledesk.events.services import emit
from ruledesk.tenancy.models import User
from workflows.models import Status, StatusTransition, Ticket
from workflows.sla.clocks.calendars import calendar_of
from workflows.sla.clocks.deadlines import Plan, Targets, plan
from workflows.sla.models import SlaPolicy, SlaTarget, SlaTimer, SlaTimerKind


def sla_policy_match(
    *, organization_id: int, priority: str, category_id: int | None
) -> SlaPolicy | None:
    """The first active policy by (position, id) matching; null priority/category match all."""
    return (
        SlaPolicy.objects.filter(organization_id=organization_id, active=True)
        .filter(Q(priority__isnull=True) | Q(priority=priority))
        .filter(Q(category__isnull=True) | Q(category_id=category_id))
        .select_related("calendar")
        .order_by("position", "id")
        .first()
    )


SLA_FIELDS = (
    "sla_policy",
    "first_response_due_at",
    "resolution_due_at",
    "first_response_warn_at",
    "resolution_warn_at",
    "sla_paused",
    "resolution_breached",
)


def ticket_sla_sync(
    *, ticket: Ticket, rematch: bool = False, now: datetime | None = None
) -> Ticket:
    """Recompute the ticket's due times, warn times, pause flag and timer rows.

    `rematch` picks the policy again (creation, priority or category change). Must
    run inside the caller's transaction with the ticket row locked. Writes with
    UPDATE (no extra history row) and mirrors the values on `ticket`.
    """
    now = now or timezone.now()
    policy: SlaPolicy | None
    if rematch:
        policy = sla_policy_match(
            organization_id=ticket.organization_id,
            priority=ticket.priority,
            category_id=ticket.category_id,
        )
    elif ticket.sla_policy_id is None:
        policy = None
    elif (
        Ticket.sla_policy.is_cached(ticket)
        and ticket.sla_policy is not None
        and SlaPolicy.calendar.is_cached(ticket.sla_policy)
    ):
        policy = ticket.sla_policy
    else:
        policy = (
            SlaPolicy.objects.select_related("calendar").filter(pk=ticket.sla_policy_id).first()
        )
    if ticket.resolution_breached and _new_cycle(ticket):
        ticket.resolution_breached = False
    result = _apply_plan(ticket, policy, now)
    _write(ticket)
    if result is None:
        SlaTimer.objects.filter(ticket=ticket, fired_at__isnull=True).delete()
    else:
        _write_timers(ticket, result, now)
    return ticket


def ticket_sla_prepare(*, ticket: Ticket, now: datetime) -> Plan | None:
    """Creation, before the INSERT: match the policy and set the clocks on the unsaved ticket.

    The INSERT then writes them (no UPDATE of the new row); `ticket_sla_start` adds the
    timers once the row exists. Same values as `ticket_sla_sync(rematch=True)` right after
    the insert: a new ticket has no transitions, no reopen and no breach.
    """
    policy = sla_policy_match(
        organization_id=ticket.organization_id,
        priority=ticket.priority,
        category_id=ticket.category_id,
    )
    return _apply_plan(ticket, policy, now)


def ticket_sla_start(*, ticket: Ticket, result: Plan | None, now: datetime) -> None:
    """Creation, after the INSERT: the timers of `ticket_sla_prepare`'s plan."""
    if result is not None:
        _write_timers(ticket, result, now, existing={})


def _apply_plan(ticket: Ticket, policy: SlaPolicy | None, now: datetime) -> Plan | None:
    """Set the policy, due and warn times and pause flag on `ticket` (not saved)."""
    ticket.sla_policy = policy
    if policy is None:
        ticket.first_response_due_at = ticket.resolution_due_at = None
        ticket.first_response_warn_at = ticket.resolution_warn_at = None
        ticket.sla_paused = ticket.status == Status.WAITING_ON_REQUESTER
        return None
    transitions = (
        list(StatusTransition.objects.filter(ticket=ticket).order_by("created_at", "id"))
        if ticket.pk is not None and (ticket.status != Status.NEW or ticket.reopen_count)
        else []
    )
    result = plan(
        cal=calendar_of(policy.calendar),
        targets=Targets(
            policy.first_response_minutes, policy.resolution_minutes, policy.reminder_percent
        ),
        created_at=ticket.created_at,
        first_responded_at=ticket.first_responded_at,
        transitions=transitions,
        status=ticket.status,
        reopen_count=ticket.reopen_count,
        now=now,
    )
    ticket.first_response_due_at = result.first_response_due_at
    ticket.resolution_due_at = result.resolution_due_at
    ticket.first_response_warn_at = result.first_response_warn_at
    ticket.resolution_warn_at = result.resolution_warn_at
    ticket.sla_paused = result.paused
    return result


def _new_cycle(ticket: Ticket) -> bool:
    """A reopen started a resolution cycle whose breach has not fired."""
    return (
        ticket.reopen_count > 0
        and not SlaTimer.objects.filter(
            ticket=ticket,
            target=SlaTarget.RESOLUTION,
            kind=SlaTimerKind.BREACH,
            cycle=ticket.reopen_count,
            fired_at__isnull=False,
        ).exists()
    )


def _write(ticket: Ticket) -> None:
    Ticket.objects.filter(pk=ticket.pk).update(
        **{
            ("sla_policy_id" if name == "sla_policy" else name): (
                ticket.sla_policy_id if name == "sla_policy" else getattr(ticket, name)
            )
            for name in SLA_FIELDS
        }
    )


def _write_timers(
    ticket: Ticket,
    result: Plan,
    now: datetime,
    existing: dict[tuple[str, str, int], SlaTimer] | None = None,
) -> None:
    """Upsert the unfired timers the plan wants; drop the ones it no longer wants.

    `existing`: the ticket's timers when the caller knows them (none for a new ticket).
    """
    wanted: dict[tuple[str, str, int], tuple[datetime, datetime]] = {}
    if not result.paused:
        if result.first_response_running and result.first_response_due_at:
            due = result.first_response_due_at
            warn = result.first_response_warn_at or due
            wanted[(SlaTarget.FIRST_RESPONSE, SlaTimerKind.WARNING, 0)] = (warn, due)
            wanted[(SlaTarget.FIRST_RESPONSE, SlaTimerKind.BREACH, 0)] = (due, due)
        if result.resolution_running and result.resolution_due_at:
            due = result.resolution_due_at
            warn = result.resolution_warn_at or due
            wanted[(SlaTarget.RESOLUTION, SlaTimerKind.WARNING, result.cycle)] = (warn, due)
            wanted[(SlaTarget.RESOLUTION, SlaTimerKind.BREACH, result.cycle)] = (due, due)
    if existing is None:
        existing = {(t.target, t.kind, t.cycle): t for t in SlaTimer.objects.filter(ticket=ticket)}
    stale: list[int] = []
    for key, timer in existing.items():
        if timer.fired_at is not None or key in wanted:
            continue
        # A pause keeps what was already due (the sweep fires it); the rest waits.
        if result.paused and timer.fire_at <= now and _target_running(result, timer.target):
            continue
        stale.append(timer.pk)
    if stale:
        SlaTimer.objects.filter(pk__in=stale, fired_at__isnull=True).delete()
    create: list[SlaTimer] = []
    for (target, kind, cycle), (fire_at, due_at) in wanted.items():
        current = existing.get((target, kind, cycle))
        if current is None:
            create.append(
                SlaTimer(
                    organization_id=ticket.organization_id,
                    ticket=ticket,
                    target=target,
                    kind=kind,
                    cycle=cycle,
                    fire_at=fire_at,
                    due_at=due_at,
                )
            )
        elif current.fired_at is None and (current.fire_at, current.due_at) != (fire_at, due_at):
            SlaTimer.objects.filter(pk=current.pk, fired_at__isnull=True).update(
                fire_at=fire_at, due_at=due_at
            )
    if create:
        SlaTimer.objects.bulk_create(create)


def _target_running(result: Plan, target: str) -> bool:
    if target == SlaTarget.FIRST_RESPONSE:
        return result.first_response_running
    return result.resolution_running


def sla_policy_apply(*, actor: User, ticket: Ticket, policy_id: int, depth: int = 0) -> Ticket:
    """Put `ticket` under policy `policy_id` (the rule action apply_sla_policy).

    Emits `ticket.updated` with changes {"sla_policy": [old_id, new_id]} when it changes.
    A later priority or category change picks the matching policy again.
    """
    access.require(actor, "ticket.update", ticket)
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        chosen = (
            SlaPolicy.objects.filter(organization_id=ticket.organization_id, pk=policy_id)
            .select_related("calendar")
            .first()
        )
        if chosen is None:
            raise errors.ValidationFailed.on("policy", _("No such SLA policy."), "does_not_exist")
        before = ticket.sla_policy_id
        if before == chosen.pk:
            return ticket
        ticket.sla_policy = chosen
        ticket_sla_sync(ticket=ticket)
        emit(
            organization_id=ticket.organization_id,
            type="ticket.updated",
            actor_id=actor.pk,
            ticket_id=ticket.pk,
            changes={"sla_policy": [before, chosen.pk]},
            depth=depth,
        )
    return ticket
