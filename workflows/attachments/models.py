"""The attachment row and the per-organization size limits."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ruledesk.tenancy.models import Organization

# The same values as workflows.models.Visibility (not imported: that module imports this one).
VISIBILITIES = [("public", _("Public")), ("internal", _("Internal"))]


class ScanStatus(models.TextChoices):
    PENDING = "pending", _("Scanning")
    CLEAN = "clean", _("Clean")
    INFECTED = "infected", _("Infected")
    ERROR = "error", _("Scan failed")


class Attachment(models.Model):
    """One file on a ticket (optionally on one of its comments).

    `uploaded_at` is null until `complete` verified the stored bytes; `scan_status` stays
    `pending` until the worker's scan says otherwise. Only `clean` files are ever served.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey(
        "workflows.Ticket", on_delete=models.CASCADE, related_name="attachments"
    )
    comment = models.ForeignKey(
        "workflows.Comment",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    uploader = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    filename = models.CharField(max_length=255)
    # Server-generated, never derived from the name; moves from quarantine/ to clean/.
    key = models.CharField(max_length=255, unique=True)
    declared_type = models.CharField(max_length=127)
    content_type = models.CharField(max_length=127, blank=True)  # detected from the bytes
    size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)
    visibility = models.CharField(max_length=10, choices=VISIBILITIES)
    scan_status = models.CharField(
        max_length=10, choices=ScanStatus.choices, default=ScanStatus.PENDING
    )
    scan_attempts = models.PositiveSmallIntegerField(default=0)
    scan_error = models.CharField(max_length=300, blank=True)
    signature = models.CharField(max_length=200, blank=True)  # the scanner's verdict name
    created_at = models.DateTimeField(default=timezone.now)
    upload_expires_at = models.DateTimeField()
    uploaded_at = models.DateTimeField(null=True, blank=True)
    scanned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes: ClassVar[list[Any]] = [
            models.Index(fields=["ticket", "created_at", "id"], name="attachment_ticket_time"),
            models.Index(
                fields=["upload_expires_at"],
                name="attachment_awaiting_upload",
                condition=models.Q(uploaded_at__isnull=True),
            ),
            models.Index(
                fields=["created_at"],
                name="attachment_scan_pending",
                condition=models.Q(uploaded_at__isnull=False, scan_status="pending"),
            ),
        ]

    def __str__(self) -> str:
        return self.filename

    @property
    def downloadable(self) -> bool:
        return self.uploaded_at is not None and self.scan_status == ScanStatus.CLEAN


class AttachmentLimit(models.Model):
    """An organization's own size limit for one detected type (bytes); absent: the default."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    content_type = models.CharField(max_length=127)
    max_bytes = models.BigIntegerField()

    class Meta:
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(
                fields=["organization", "content_type"], name="attachment_limit_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.content_type} <= {self.max_bytes}"
