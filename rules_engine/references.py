"""Which ids a rule may name: the organization's own categories, teams, users, templates, policies."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from ruledesk.notifications.models import NotificationTemplate
from ruledesk.tenancy.models import Role, Team, User
from workflows.models import Category
from workflows.sla.models import SlaPolicy


class DbReferences:
    """`validation.References` backed by the database, scoped to one organization."""

    def __init__(self, organization_id: int) -> None:
        self.organization_id = organization_id

    def exists(self, kind: str, ident: int) -> bool:
        return self._queryset(kind).filter(pk=ident).exists()

    def _queryset(self, kind: str) -> QuerySet[Any]:
        org = self.organization_id
        users = User.live.filter(organization_id=org, is_active=True)
        querysets: dict[str, QuerySet[Any]] = {
            "category": Category.objects.filter(organization_id=org, is_archived=False),
            "team": Team.objects.filter(organization_id=org),
            "agent": users.filter(role__in=[Role.AGENT, Role.ADMIN]),
            "user": users,
            "template": NotificationTemplate.objects.filter(organization_id=org),
            "sla_policy": SlaPolicy.objects.filter(organization_id=org),
        }
        return querysets[kind]
