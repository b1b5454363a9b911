"""Presence rows (who views or replies to a ticket now) and macros."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ruledesk.tenancy.models import Organization, Team


class PresenceMode(models.TextChoices):
    VIEW = "view", _("Viewing")
    REPLY = "reply", _("Replying")


class TicketPresence(models.Model):
    """One viewer's heartbeat on one ticket; a row older than the expiry means gone."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey("workflows.Ticket", on_delete=models.CASCADE, related_name="+")
    viewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    mode = models.CharField(max_length=8, choices=PresenceMode.choices, default=PresenceMode.VIEW)
    last_seen = models.DateTimeField(default=timezone.now)

    class Meta:
        app_label = "workflows"
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(fields=["ticket", "viewer"], name="presence_ticket_viewer"),
        ]
        indexes: ClassVar[list[Any]] = [
            models.Index(fields=["ticket", "last_seen"], name="presence_ticket_seen"),
        ]

    def __str__(self) -> str:
        return f"{self.viewer_id} {self.mode} {self.ticket_id}"


class Macro(models.Model):
    """A canned reply with optional field changes; the whole organization's or one team's."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(max_length=100)
    body = models.TextField(max_length=20_000, blank=True)
    visibility = models.CharField(max_length=10, default="public")
    transition = models.CharField(max_length=32, blank=True)
    priority = models.CharField(max_length=10, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    set_team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    add_tags = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        app_label = "workflows"
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint("organization", Lower("name"), name="macro_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    def has_changes(self) -> bool:
        return bool(
            self.transition
            or self.priority
            or self.assignee_id
            or self.set_team_id
            or self.add_tags
        )
