"""In-app notifications, the e-mail outbox, per-user preferences and organization templates.

Notifications know nothing about tickets beyond the `{"id", "number"}` reference
the caller hands over (`ticket_id`, `ticket_number`), so this app imports nothing
above the platform floor.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ruledesk.tenancy.models import Locale, Organization


class Kind(models.TextChoices):
    """What a notification is about; picks preferences and templates."""

    TICKET_CREATED = "ticket.created", _("Ticket created")
    TICKET_ASSIGNED = "ticket.assigned", _("Ticket assigned")
    TICKET_REPLIED = "ticket.replied", _("Ticket replied")
    TICKET_RESOLVED = "ticket.resolved", _("Ticket resolved")
    COMMENT_MENTIONED = "comment.mentioned", _("Mentioned in a comment")
    SLA_WARNING = "sla.warning", _("SLA warning")
    SLA_BREACHED = "sla.breached", _("SLA breached")
    REPORT_READY = "report.ready", _("Report ready")


# E-mails about a person's own account, not about tickets: no preference can turn
# them off and no template overrides them (they are rendered from project templates).
ACCOUNT_PASSWORD_RESET = "account.password_reset"  # noqa: S105 - a kind, not a secret
ACCOUNT_KINDS: tuple[str, ...] = (ACCOUNT_PASSWORD_RESET,)
# A satisfaction survey link to a ticket's requester (reporting): like account e-mails,
# addressed to one person, rendered from project templates, no preference or override.
CSAT_SURVEY = "csat.survey"
DIRECT_KINDS: tuple[str, ...] = (*ACCOUNT_KINDS, CSAT_SURVEY)
OUTBOX_KINDS = [
    *Kind.choices,
    (ACCOUNT_PASSWORD_RESET, "Password reset"),
    (CSAT_SURVEY, "Satisfaction survey"),
]


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    IN_APP = "in_app", _("In-app")


class Audience(models.TextChoices):
    REQUESTER = "requester", "Requester"
    AGENT = "agent", "Agent"


class EmailStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed (will retry)"
    DEAD = "dead", "Dead letter"
    CANCELLED = "cancelled", "Cancelled (preference off or recipient gone)"


class Notification(models.Model):
    """One in-app notification in a user's feed."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    event = models.CharField(max_length=64)
    kind = models.CharField(max_length=32, choices=Kind.choices)
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    ticket_id = models.BigIntegerField(null=True, blank=True)
    ticket_number = models.CharField(max_length=32, blank=True)
    audience = models.CharField(max_length=16, choices=Audience.choices)
    read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    dedup_key = models.CharField(max_length=255, unique=True)

    class Meta:
        indexes: ClassVar[list[Any]] = [
            models.Index(fields=["recipient", "-created_at", "-id"], name="notification_feed_idx"),
            models.Index(
                fields=["recipient", "-created_at", "-id"],
                name="notification_unread_idx",
                condition=models.Q(read_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}→{self.recipient_id}"


class EmailMessage(models.Model):
    """The e-mail outbox: written in the caller's transaction, delivered by the worker."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    to_email = models.EmailField(max_length=254)
    subject = models.CharField(max_length=300)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    audience = models.CharField(max_length=16, choices=Audience.choices)
    event = models.CharField(max_length=64)
    kind = models.CharField(max_length=32, choices=OUTBOX_KINDS)
    locale = models.CharField(max_length=2, choices=Locale.choices, default=Locale.EN)
    status = models.CharField(
        max_length=16, choices=EmailStatus.choices, default=EmailStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # Set when a worker claims the row; a `sending` row whose claim is older than
    # the lease was interrupted mid-delivery (see services.email_outbox_sweep).
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    dedup_key = models.CharField(max_length=255, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes: ClassVar[list[Any]] = [
            models.Index(
                fields=["next_attempt_at", "id"],
                name="email_due_idx",
                condition=models.Q(status__in=["queued", "failed"]),
            ),
            models.Index(
                fields=["claimed_at", "id"],
                name="email_sending_idx",
                condition=models.Q(status="sending"),
            ),
            models.Index(fields=["organization", "-created_at", "-id"], name="email_org_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}→{self.to_email} ({self.status})"


class NotificationPreference(models.Model):
    """An explicit choice of one user; absent rows mean the documented defaults."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    enabled = models.BooleanField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(
                fields=["user", "kind", "channel"], name="notification_preference_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.kind}:{self.channel}={self.enabled}"


class NotificationTemplate(models.Model):
    """An organization's override of the shipped template for one kind × channel × locale."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    event = models.CharField(max_length=32, choices=Kind.choices)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    locale = models.CharField(max_length=2, choices=Locale.choices)
    subject = models.CharField(max_length=300)
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(
                fields=["organization", "event", "channel", "locale"],
                name="notification_template_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event}/{self.channel}/{self.locale}"
