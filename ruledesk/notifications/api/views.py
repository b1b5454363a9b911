"""The notifications API: the caller's feed, their preferences, and the org's templates (admin)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from ruledesk import errors
from ruledesk.access import policy
from ruledesk.api.base import ApiView, ListApiView, StrictSerializer
from ruledesk.api.fields import BooleanField
from ruledesk.notifications import services
from ruledesk.notifications.models import Channel, Kind, Notification, NotificationTemplate
from ruledesk.tenancy.models import Locale

# --- Feed ------------------------------------------------------------------------------


class NotificationTicketRefOutput(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    number = serializers.CharField()


class NotificationOutput(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    event = serializers.CharField()
    title = serializers.CharField()
    body = serializers.CharField()
    ticket = NotificationTicketRefOutput(allow_null=True)
    read = BooleanField()
    created_at = serializers.DateTimeField()


def notification_out(notification: Notification) -> dict[str, Any]:
    ticket = (
        {"id": notification.ticket_id, "number": notification.ticket_number}
        if notification.ticket_id is not None
        else None
    )
    return NotificationOutput(
        {
            "id": notification.pk,
            "event": notification.event,
            "title": notification.title,
            "body": notification.body,
            "ticket": ticket,
            "read": notification.read_at is not None,
            "created_at": notification.created_at,
        }
    ).data


_TRUE, _FALSE = ("true", "1", "yes"), ("false", "0", "no")


def _unread_param(request: Request) -> bool | None:
    raw = request.query_params.get("unread")
    if raw is None or raw == "":
        return None
    if raw.lower() in _TRUE:
        return True
    if raw.lower() in _FALSE:
        return False
    raise errors.ValidationFailed.on("unread", _("Must be true or false."))


class NotificationListApi(ListApiView):
    @extend_schema(
        parameters=[
            OpenApiParameter(
                "unread", OpenApiTypes.BOOL, description="Only unread notifications when true."
            )
        ],
        responses={200: NotificationOutput(many=True)},
    )
    def get(self, request: Request) -> Response:
        """The caller's own notifications, newest first."""
        unread = _unread_param(request)
        feed: QuerySet[Notification] = Notification.objects.filter(recipient=self.actor)
        if unread is True:
            feed = feed.filter(read_at__isnull=True)
        elif unread is False:
            feed = feed.filter(read_at__isnull=False)
        return self.paginate(request, feed, notification_out)


class NotificationReadApi(ApiView):
    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request, pk: int) -> Response:
        """Mark one of the caller's notifications read (another person's id answers 404)."""
        services.notification_mark_read(actor=self.actor, notification_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class NotificationReadAllApi(ApiView):
    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request) -> Response:
        """Mark every notification of the caller read."""
        services.notifications_mark_all_read(actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Preferences -----------------------------------------------------------------------


class NotificationChannelsOutput(serializers.Serializer):  # type: ignore[type-arg]
    email = BooleanField()
    in_app = BooleanField()


class NotificationChannelsInput(serializers.Serializer):  # type: ignore[type-arg]
    email = BooleanField(required=False)
    in_app = BooleanField(required=False)


# Field names are the event names ("ticket.assigned"), so the classes are built with type().
NotificationPreferenceEventsOutput = type(
    "NotificationPreferenceEventsOutput",
    (serializers.Serializer,),
    {kind: NotificationChannelsOutput() for kind in services.NOTIFICATION_EVENTS},
)
NotificationPreferenceEventsInput = type(
    "NotificationPreferenceEventsInput",
    (serializers.Serializer,),
    {kind: NotificationChannelsInput(required=False) for kind in services.NOTIFICATION_EVENTS},
)


class NotificationPreferencesOutput(serializers.Serializer):  # type: ignore[type-arg]
    events = NotificationPreferenceEventsOutput()


class NotificationPreferencesInput(serializers.Serializer):  # type: ignore[type-arg]
    """Any subset of events and channels; what is absent keeps its current value."""

    events = NotificationPreferenceEventsInput()


def parse_preferences(data: Any) -> dict[str, dict[str, bool]]:
    """Validate `{"events": {kind: {channel: bool}}}` (any subset); 400 names the path."""
    if not isinstance(data, dict):
        raise errors.ValidationFailed.on(
            "events", _("Expected an object with `events`."), "required"
        )
    unknown = [key for key in data if key != "events"]
    if unknown:
        raise errors.ValidationFailed.on(unknown[0], _("Unknown field."), "unknown_field")
    events = data.get("events")
    if not isinstance(events, dict):
        raise errors.ValidationFailed.on("events", _("Expected an object."), "invalid")
    problems: list[errors.FieldError] = []
    parsed: dict[str, dict[str, bool]] = {}
    for kind, channels in events.items():
        path = f"events.{kind}"
        if kind not in services.NOTIFICATION_EVENTS:
            problems.append(errors.FieldError(path, "invalid_choice", _("Unknown event.")))
            continue
        if not isinstance(channels, dict):
            problems.append(errors.FieldError(path, "invalid", _("Expected an object.")))
            continue
        for channel, enabled in channels.items():
            if channel not in services.CHANNELS:
                problems.append(
                    errors.FieldError(f"{path}.{channel}", "invalid_choice", _("Unknown channel."))
                )
            elif not isinstance(enabled, bool):
                problems.append(
                    errors.FieldError(f"{path}.{channel}", "invalid", _("Must be a boolean."))
                )
            else:
                parsed.setdefault(kind, {})[channel] = enabled
    if problems:
        raise errors.ValidationFailed(problems[0].message, errors=problems)
    return parsed


class NotificationPreferencesApi(ApiView):
    @extend_schema(responses={200: NotificationPreferencesOutput})
    def get(self, request: Request) -> Response:
        """The caller's effective preferences for every event and channel (defaults included)."""
        return Response({"events": services.preferences_get(user=self.actor)})

    @extend_schema(
        request=NotificationPreferencesInput, responses={200: NotificationPreferencesOutput}
    )
    def put(self, request: Request) -> Response:
        """Merge the given choices (any subset of events and channels) into the caller's own."""
        events = parse_preferences(request.data)
        return Response({"events": services.preferences_update(actor=self.actor, events=events)})


# --- Templates -------------------------------------------------------------------------


class NotificationTemplateOutput(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    event = serializers.ChoiceField(choices=Kind.choices)
    channel = serializers.ChoiceField(choices=Channel.choices)
    locale = serializers.ChoiceField(choices=Locale.choices)
    subject = serializers.CharField()
    body = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class NotificationTemplateInput(StrictSerializer):
    event = serializers.ChoiceField(choices=Kind.choices)
    channel = serializers.ChoiceField(choices=Channel.choices)
    locale = serializers.ChoiceField(choices=Locale.choices)
    subject = serializers.CharField(max_length=services.SUBJECT_MAX)
    body = serializers.CharField(max_length=services.TEMPLATE_BODY_MAX, trim_whitespace=False)


class NotificationTemplatePatchInput(StrictSerializer):
    event = serializers.ChoiceField(choices=Kind.choices, required=False)
    channel = serializers.ChoiceField(choices=Channel.choices, required=False)
    locale = serializers.ChoiceField(choices=Locale.choices, required=False)
    subject = serializers.CharField(max_length=services.SUBJECT_MAX, required=False)
    body = serializers.CharField(
        max_length=services.TEMPLATE_BODY_MAX, trim_whitespace=False, required=False
    )


def template_out(template: NotificationTemplate) -> dict[str, Any]:
    return NotificationTemplateOutput(
        {
            "id": template.pk,
            "event": template.event,
            "channel": template.channel,
            "locale": template.locale,
            "subject": template.subject,
            "body": template.body,
            "created_at": template.created_at,
            "updated_at": template.updated_at,
        }
    ).data


class TemplateListApi(ListApiView):
    ordering = ("id",)

    @extend_schema(responses={200: NotificationTemplateOutput(many=True)})
    def get(self, request: Request) -> Response:
        """The organization's template overrides (absent ones use the shipped defaults)."""
        policy.require(self.actor, "templates.manage")
        return self.paginate(
            request, policy.scope(NotificationTemplate.objects.all(), self.actor), template_out
        )

    @extend_schema(request=NotificationTemplateInput, responses={201: NotificationTemplateOutput})
    def post(self, request: Request) -> Response:
        """Override one event × channel × locale; a duplicate answers 409, a bad template 400."""
        policy.require(self.actor, "templates.manage")
        data = NotificationTemplateInput(data=request.data)
        data.is_valid(raise_exception=True)
        template = services.template_create(actor=self.actor, **data.validated_data)
        return Response(template_out(template), status=status.HTTP_201_CREATED)


class TemplateDetailApi(ApiView):
    def _load(self, pk: int) -> NotificationTemplate:
        return policy.access_object(
            NotificationTemplate.objects.all(), self.actor, pk, "templates.manage"
        )

    @extend_schema(responses={200: NotificationTemplateOutput})
    def get(self, request: Request, pk: int) -> Response:
        return Response(template_out(self._load(pk)))

    @extend_schema(
        request=NotificationTemplatePatchInput, responses={200: NotificationTemplateOutput}
    )
    def patch(self, request: Request, pk: int) -> Response:
        template = self._load(pk)
        data = NotificationTemplatePatchInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.template_update(actor=self.actor, template=template, **data.validated_data)
        return Response(template_out(self._load(pk)))

    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        """Remove the override; the shipped default applies again."""
        services.template_delete(actor=self.actor, template=self._load(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)
