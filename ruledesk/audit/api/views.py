"""The audit log, read-only (api.md: no endpoint changes or deletes an event)."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from ruledesk import errors
from ruledesk.access import policy
from ruledesk.api.base import ApiView, ListApiView, UserRefSerializer
from ruledesk.audit.models import AuditEvent


class AuditEventOutput(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    at = serializers.DateTimeField()
    actor = UserRefSerializer(allow_null=True)
    action = serializers.CharField()
    object_type = serializers.CharField()
    object_id = serializers.CharField()
    changes = serializers.JSONField()
    request_id = serializers.CharField()
    ip = serializers.IPAddressField(allow_null=True)


def _out(event: AuditEvent) -> dict[str, Any]:
    actor = (
        {"id": event.actor_id, "name": event.actor_name, "email": event.actor_email or None}
        if event.actor_id
        else None
    )
    return AuditEventOutput(
        {
            "id": event.pk,
            "at": event.created_at,
            "actor": actor,
            "action": event.action,
            "object_type": event.object_type,
            "object_id": event.object_id,
            "changes": event.changes,
            "request_id": event.request_id,
            "ip": event.ip,
        }
    ).data


def _datetime_param(request: Request, name: str) -> Any:
    raw = request.query_params.get(name)
    if raw is None:
        return None
    try:
        value = parse_datetime(raw) if len(raw) <= 40 else None
    except ValueError:  # well-formed but impossible, e.g. month 13
        value = None
    if value is None:
        raise errors.ValidationFailed.on(name, _("Must be an ISO 8601 timestamp."))
    return value if timezone.is_aware(value) else timezone.make_aware(value, UTC)


class AuditEventListApi(ListApiView):
    @extend_schema(
        parameters=[
            OpenApiParameter("actor", OpenApiTypes.INT),
            OpenApiParameter("action", OpenApiTypes.STR),
            OpenApiParameter("object_type", OpenApiTypes.STR),
            OpenApiParameter("created_after", OpenApiTypes.DATETIME),
            OpenApiParameter("created_before", OpenApiTypes.DATETIME),
        ],
        responses={200: AuditEventOutput(many=True)},
    )
    def get(self, request: Request) -> Response:
        policy.require(self.actor, "audit.view")
        return self.paginate(request, self._filtered(request), _out)

    def _filtered(self, request: Request) -> QuerySet[AuditEvent]:
        events = policy.scope(AuditEvent.objects.all(), self.actor)
        params = request.query_params
        actor = params.get("actor")
        if actor is not None:
            if not (actor.isascii() and actor.isdigit()) or len(actor) > 18:
                raise errors.ValidationFailed.on("actor", _("Must be a user id."))
            events = events.filter(actor_id=int(actor))
        if params.get("action"):
            events = events.filter(action=params["action"][:100])
        if params.get("object_type"):
            events = events.filter(object_type=params["object_type"][:100])
        after, before = (
            _datetime_param(request, "created_after"),
            _datetime_param(request, "created_before"),
        )
        if after is not None:
            events = events.filter(created_at__gte=after)
        if before is not None:
            events = events.filter(created_at__lt=before)
        return events


class AuditEventDetailApi(ApiView):
    """One audit event; like the list, it has no method that changes or deletes (405)."""

    @extend_schema(responses={200: AuditEventOutput})
    def get(self, request: Request, pk: int) -> Response:
        policy.require(self.actor, "audit.view")
        return Response(_out(policy.access_object(AuditEvent.objects.all(), self.actor, pk)))
