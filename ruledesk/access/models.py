from __future__ import annotations

from typing import Any, ClassVar

from django.db import models
from django.utils import timezone

from ruledesk.tenancy.models import Organization, Role


class RoleGrant(models.Model):
    """One cell of an organization's permission matrix that differs from, or pins, the default."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    role = models.CharField(max_length=16, choices=Role.choices)
    codename = models.CharField(max_length=64)
    granted = models.BooleanField()
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(
                fields=["organization", "role", "codename"], name="role_grant_unique_cell"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization_id}:{self.role}:{self.codename}={self.granted}"
