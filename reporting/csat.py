"""Customer satisfaction surveys (api.md, CSAT): issue a link, read it, answer it once.

A link carries a random token (`secrets.token_urlsafe(32)`, 256 bits); only its SHA-256 is
stored, so the database cannot hand out working links and a tampered or unknown token is
simply not found (404). A link expires (410) and answers once; a ticket is answered once,
whichever of its links answers first (409 for any later answer). Two answers racing are
serialized on the survey row, and a partial unique index on answered surveys of a ticket
is the last word, so exactly one commits.

Links are built from `settings.RULEDESK_BASE_URL`, never from request headers.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from reporting.models import SCORES, CsatSurvey
from ruledesk import errors
from ruledesk.access import policy
from ruledesk.audit import services as audit
from ruledesk.events.services import emit
from ruledesk.notifications.models import CSAT_SURVEY
from ruledesk.notifications.services import direct_email_send
from ruledesk.tenancy.models import User
from workflows import numbering
from workflows.models import Ticket

DEFAULT_MINUTES = 28 * 24 * 60  # Zendesk's default: 28 days
MAX_MINUTES = 43_200  # 30 days
COMMENT_MAX = 2000
TOKEN_MAX = 100  # longer than any token issued: not looked up


@dataclass(frozen=True)
class Issued:
    survey: CsatSurvey
    token: str
    url: str

    @property
    def expires_at(self) -> datetime:
        return self.survey.expires_at


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def survey_url(token: str) -> str:
    return settings.RULEDESK_BASE_URL + reverse("portal:csat", args=[token])


def already_answered(ticket_id: int) -> bool:
    return CsatSurvey.objects.filter(ticket_id=ticket_id, answered_at__isnull=False).exists()


def csat_request(*, actor: User, ticket: Ticket, expires_in_minutes: int | None = None) -> Issued:
    """An agent's or integrator's survey for `ticket` (`ticket.update` on it): 409 if answered."""
    policy.require(actor, "ticket.update", ticket)
    minutes = expires_in_minutes or DEFAULT_MINUTES
    if not 1 <= minutes <= MAX_MINUTES:
        raise errors.ValidationFailed.on(
            "expires_in_minutes",
            _("Must be between 1 and %(max)s.") % {"max": MAX_MINUTES},
            "invalid",
        )
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        if already_answered(ticket.pk):
            raise errors.Conflict(_("This ticket's requester has already answered a survey."))
        issued = survey_send(ticket=ticket, minutes=minutes)
        audit.record(
            actor=actor,
            action="csat.requested",
            obj_type="ticket",
            obj_id=ticket.pk,
            changes={"survey": issued.survey.pk},
        )
    return issued


def survey_send(*, ticket: Ticket, minutes: int = DEFAULT_MINUTES) -> Issued:
    """Store a survey for the ticket's requester and queue the e-mail with its link.

    Runs in the caller's transaction (the rule action's consumer, `csat_request`).
    """
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    survey = CsatSurvey.objects.create(
        organization_id=ticket.organization_id,
        ticket=ticket,
        requester_id=ticket.requester_id,
        cycle=ticket.reopen_count,
        token_hash=token_hash(token),
        sent_at=now,
        expires_at=now + timedelta(minutes=minutes),
    )
    issued = Issued(survey, token, survey_url(token))
    _email(ticket, issued)
    return issued


def _email(ticket: Ticket, issued: Issued) -> None:
    requester = ticket.requester
    if not requester.is_active or not requester.email:
        return
    organization = requester.organization
    context = {
        "user": requester,
        "organization": organization,
        "number": numbering.display_number(
            organization.slug if organization else "", ticket.number
        ),
        "title": ticket.title,
        "link": issued.url,
        "expires_at": issued.expires_at,
    }
    with translation.override(requester.locale):
        subject = _("How did we do? %(number)s") % {"number": context["number"]}
        text = render_to_string("emails/csat_survey.txt", context)
        html = render_to_string("emails/csat_survey.html", context)
    direct_email_send(
        user=requester,
        kind=CSAT_SURVEY,
        subject=subject,
        text=text,
        html=html,
        dedup_key=f"{CSAT_SURVEY}:{issued.survey.pk}",
    )


def survey_find(token: str) -> CsatSurvey:
    """The survey a link names: 404 unknown or tampered; 410 expired and not answered."""
    survey = (
        CsatSurvey.objects.select_related("ticket__organization")
        .filter(token_hash=token_hash(token))
        .first()
        if 0 < len(token) <= TOKEN_MAX
        else None
    )
    if survey is None:
        raise errors.NotFound(_("This survey link is not valid."))
    if survey.answered_at is None and survey.expires_at <= timezone.now():
        raise errors.Gone(_("This survey link has expired."))
    return survey


def ticket_answered(survey: CsatSurvey) -> bool:
    return survey.answered_at is not None or already_answered(survey.ticket_id)


def csat_answer(*, token: str, score: object, comment: str = "") -> CsatSurvey:
    """Record the requester's answer; emits `csat.received` (payload `score`) for the rules."""
    if isinstance(score, bool) or not isinstance(score, int) or score not in SCORES:
        raise errors.ValidationFailed.on("score", _("Choose a score from 1 to 5."), "invalid")
    comment = comment.strip()
    if len(comment) > COMMENT_MAX:
        raise errors.ValidationFailed.on(
            "comment", _("At most %(max)s characters.") % {"max": COMMENT_MAX}, "max_length"
        )
    survey = survey_find(token)
    try:
        with transaction.atomic():
            survey = CsatSurvey.objects.select_for_update().get(pk=survey.pk)
            if survey.answered_at is not None or already_answered(survey.ticket_id):
                raise errors.Conflict(_("This ticket has already been rated. Thank you!"))
            if survey.expires_at <= timezone.now():
                raise errors.Gone(_("This survey link has expired."))
            survey.answered_at = timezone.now()
            survey.score = score
            survey.comment = comment
            survey.save(update_fields=["answered_at", "score", "comment"])
            emit(
                organization_id=survey.organization_id,
                type="csat.received",
                actor_id=survey.requester_id,
                ticket_id=survey.ticket_id,
                payload={"score": score, "survey_id": survey.pk},
            )
            audit.record(
                actor=None,
                action="csat.received",
                obj_type="ticket",
                obj_id=survey.ticket_id,
                organization_id=survey.organization_id,
                changes={"survey": survey.pk, "score": score},
            )
    except IntegrityError as exc:  # another link of the same ticket answered first
        raise errors.Conflict(_("This ticket has already been rated. Thank you!")) from exc
    return survey


def latest_answer(ticket_id: int) -> CsatSurvey | None:
    """The ticket's answer, if any (for the desk's side panel)."""
    return CsatSurvey.objects.filter(ticket_id=ticket_id, answered_at__isnull=False).first()
