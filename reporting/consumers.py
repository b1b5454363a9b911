"""The `csat.requested` events consumer: turn a rule's `request_csat` into a survey e-mail.

Runs in the event's dispatch transaction (at least once): the intent row is locked and
marked fulfilled with the survey, so a redelivered event sends nothing twice. No survey
goes out for a ticket already rated, or when this resolution cycle already has an open link.
"""

from __future__ import annotations

from django.utils import timezone

from reporting import csat
from reporting.models import CsatSurvey
from ruledesk.events.models import DomainEvent
from rules_engine.actions import CSAT_REQUESTED
from rules_engine.models import CsatRequestIntent
from workflows.models import Ticket


def csat_requested(event: DomainEvent) -> None:
    if event.type != CSAT_REQUESTED:
        return
    intent = (
        CsatRequestIntent.objects.select_for_update()
        .filter(pk=event.payload.get("intent_id"), fulfilled_at__isnull=True)
        .first()
    )
    if intent is None:
        return
    ticket = Ticket.objects.select_for_update().filter(pk=intent.ticket_id).first()
    now = timezone.now()
    if ticket is not None and not _covered(ticket):
        csat.survey_send(ticket=ticket)
    intent.fulfilled_at = now
    intent.save(update_fields=["fulfilled_at"])


def _covered(ticket: Ticket) -> bool:
    """Rated already, or an unexpired unanswered link of this cycle is out."""
    if csat.already_answered(ticket.pk):
        return True
    return CsatSurvey.objects.filter(
        ticket=ticket,
        cycle=ticket.reopen_count,
        answered_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).exists()
