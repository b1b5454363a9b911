from __future__ import annotations

from typing import Any, ClassVar

from django.db import models
from django.utils import timezone


class AuditEvent(models.Model):
    """An append-only record of who did what.

    Rows can be inserted and read, never changed: a database trigger (see the
    migration) rejects UPDATE and DELETE, so not even raw SQL rewrites history.
    Hence no foreign keys that could cascade: the actor and organization are
    stored as plain ids with a snapshot of the actor's name and e-mail.
    """

    organization_id = models.BigIntegerField(null=True, db_index=True)
    actor_id = models.BigIntegerField(null=True)
    actor_name = models.CharField(max_length=200, blank=True)
    actor_email = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=100)
    object_type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=64, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    request_id = models.CharField(max_length=128, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes: ClassVar[list[Any]] = [
            models.Index(
                fields=["organization_id", "-created_at", "-id"], name="audit_org_time_idx"
            ),
            models.Index(fields=["organization_id", "actor_id"], name="audit_org_actor_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.object_type}:{self.object_id}"
