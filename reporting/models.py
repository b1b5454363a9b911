"""Customer satisfaction surveys: one row per survey sent, answered at most once per ticket."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone

from ruledesk.tenancy.models import Organization

SCORES = range(1, 6)


class CsatSurvey(models.Model):
    """A survey link sent to the requester of a ticket.

    Only the SHA-256 of the link's token is stored. `cycle` is the ticket's reopen count
    when it was sent (the SLA timers' cycle). A ticket is answered at most once, whichever
    of its surveys answers first (a partial unique index, so two answers racing on two
    links of the same ticket cannot both commit).
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey("workflows.Ticket", on_delete=models.CASCADE, related_name="+")
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    cycle = models.PositiveIntegerField(default=0)
    token_hash = models.CharField(max_length=64, unique=True)
    sent_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    comment = models.TextField(max_length=2000, blank=True)

    class Meta:
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(
                fields=["ticket"],
                condition=models.Q(answered_at__isnull=False),
                name="csat_one_answer_per_ticket",
            ),
            models.CheckConstraint(
                condition=models.Q(score__isnull=True) | models.Q(score__gte=1, score__lte=5),
                name="csat_score_1_to_5",
            ),
        ]
        indexes: ClassVar[list[Any]] = [
            models.Index(fields=["organization", "sent_at"], name="csat_org_sent"),
            models.Index(
                fields=["organization", "answered_at"],
                name="csat_org_answered",
                include=["score"],
                condition=models.Q(answered_at__isnull=False),
            ),
            models.Index(fields=["ticket", "-sent_at"], name="csat_ticket_sent"),
        ]

    def __str__(self) -> str:
        return f"csat {self.ticket_id} ({self.score or '-'})"
