"""Each SLA clock of one ticket as the desk shows it: due, elapsed business time, state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from workflows.models import Status, Ticket
from workflows.sla import business_time
from workflows.sla.clocks.calendars import calendar_of
from workflows.sla.models import SlaTarget


@dataclass(frozen=True)
class Clock:
    target: str  # SlaTarget value
    due_at: datetime | None
    target_minutes: int
    elapsed_minutes: int  # business minutes counted so far (up to the target while running)
    state: str  # "running", "paused", "met", "breached", "stopped"
    breached: bool
    done_at: datetime | None = None  # when it was met or stopped

    @property
    def percent(self) -> int:
        if not self.target_minutes:
            return 0
        return min(100, self.elapsed_minutes * 100 // self.target_minutes)


def clocks_of(ticket: Ticket, now: datetime | None = None) -> list[Clock]:
    """First response and resolution clocks; [] without a policy. Reads the policy's calendar."""
    policy = ticket.sla_policy
    if policy is None:
        return []
    now = now or timezone.now()
    cal = calendar_of(policy.calendar)

    def running(target: str, due: datetime | None, minutes: int, breached: bool) -> Clock:
        paused = ticket.sla_paused
        if due is None:
            return Clock(target, None, minutes, 0, "paused" if paused else "stopped", breached)
        remaining = business_time.business_minutes_between(cal, now, due) if due > now else 0
        state = "breached" if breached or due <= now else ("paused" if paused else "running")
        return Clock(target, due, minutes, max(0, minutes - remaining), state, breached)

    clocks: list[Clock] = []
    fr_minutes = policy.first_response_minutes
    fr_breached = ticket.first_response_breached
    if ticket.first_responded_at is not None:
        clocks.append(
            Clock(
                SlaTarget.FIRST_RESPONSE,
                ticket.first_response_due_at,
                fr_minutes,
                fr_minutes,
                "breached" if fr_breached else "met",
                fr_breached,
                ticket.first_responded_at,
            )
        )
    elif ticket.status in (Status.RESOLVED, Status.CLOSED):
        clocks.append(Clock(SlaTarget.FIRST_RESPONSE, None, fr_minutes, 0, "stopped", fr_breached))
    else:
        clocks.append(
            running(SlaTarget.FIRST_RESPONSE, ticket.first_response_due_at, fr_minutes, fr_breached)
        )
    res_minutes = policy.resolution_minutes
    res_breached = ticket.resolution_breached
    if ticket.status in (Status.RESOLVED, Status.CLOSED):
        clocks.append(
            Clock(
                SlaTarget.RESOLUTION,
                ticket.resolution_due_at,
                res_minutes,
                res_minutes,
                "breached" if res_breached else "met",
                res_breached,
                ticket.resolved_at,
            )
        )
    else:
        clocks.append(
            running(SlaTarget.RESOLUTION, ticket.resolution_due_at, res_minutes, res_breached)
        )
    return clocks
