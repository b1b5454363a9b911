"""A ticket's SLA state as the list and the rules show it."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from workflows.models import Ticket
from workflows.sla.clocks.deadlines import DONE


def sla_state(ticket: Ticket, now: datetime | None = None) -> str:
    """ "breached", "at_risk", "ok" or "none" (no policy, or every target stopped)."""
    now = now or timezone.now()
    if ticket.first_response_breached or ticket.resolution_breached:
        return "breached"
    if ticket.sla_policy_id is None or ticket.status in DONE:
        return "none"
    warns = [ticket.resolution_warn_at]
    if ticket.first_responded_at is None:
        warns.append(ticket.first_response_warn_at)
    if any(warn is not None and warn <= now for warn in warns):
        return "at_risk"
    return "ok"
