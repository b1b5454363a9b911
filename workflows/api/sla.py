"""Business calendars and SLA policies (api.md, SLA).

Reads (lists, details, preview) are for staff: anyone who may see all tickets
(`ticket.view_all`: agents and admins by default) or manage SLA. Writes and the
simulation need `sla.manage` (admins by default). Requesters get 403.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from ruledesk import errors
from ruledesk.access import policy
from ruledesk.api.base import ApiView, ListApiView, NamedRefSerializer, StrictSerializer, named_ref
from ruledesk.api.fields import BooleanField
from ruledesk.tenancy.models import User
from workflows.api.serializers import id_field
from workflows.models import Priority
from workflows.sla import services
from workflows.sla.clocks import DAY_KEYS
from workflows.sla.models import MAX_TARGET_MINUTES, BusinessCalendar, SlaPolicy


def _require_read(actor: User) -> None:
    if not (policy.can(actor, "ticket.view_all") or policy.can(actor, "sla.manage")):
        raise errors.PermissionDenied(_("Only staff may read SLA settings."))


# --- Serializers --------------------------------------------------------------------------


def _hours_field(**options: Any) -> serializers.DictField:
    return serializers.DictField(
        child=serializers.ListField(
            child=serializers.ListField(child=serializers.CharField(max_length=5), max_length=2),
            max_length=24,
        ),
        help_text='Weekday ("mon".."sun") -> [["HH:MM", "HH:MM"], ...]; 24:00 may end a day.',
        **options,
    )


def _holidays_field(**options: Any) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.DateField(), max_length=services.MAX_HOLIDAYS, **options
    )


class CalendarInput(StrictSerializer):
    name = serializers.CharField(max_length=100)
    timezone = serializers.CharField(max_length=64)
    hours = _hours_field()
    holidays = _holidays_field(required=False, default=list)


class CalendarPatchInput(StrictSerializer):
    name = serializers.CharField(max_length=100, required=False)
    timezone = serializers.CharField(max_length=64, required=False)
    hours = _hours_field(required=False)
    holidays = _holidays_field(required=False)


class CalendarOutput(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    name = serializers.CharField()
    timezone = serializers.CharField()
    hours = serializers.DictField(
        child=serializers.ListField(child=serializers.ListField(child=serializers.CharField()))
    )
    holidays = serializers.ListField(child=serializers.DateField())
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


def _minutes(**options: Any) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_TARGET_MINUTES, **options)


def _percent(**options: Any) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=99, **options)


def _position(**options: Any) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=0, max_value=2**31 - 1, **options)


class PolicyInput(StrictSerializer):
    name = serializers.CharField(max_length=100)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False, allow_null=True)
    category = id_field(required=False, allow_null=True)
    calendar = id_field()
    first_response_minutes = _minutes()
    resolution_minutes = _minutes()
    reminder_percent = _percent(default=80)
    position = _position(default=0)
    active = BooleanField(default=True)


class PolicyPatchInput(StrictSerializer):
    name = serializers.CharField(max_length=100, required=False)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False, allow_null=True)
    category = id_field(required=False, allow_null=True)
    calendar = id_field(required=False)
    first_response_minutes = _minutes(required=False)
    resolution_minutes = _minutes(required=False)
    reminder_percent = _percent(required=False)
    position = _position(required=False)
    active = BooleanField(required=False)


class DraftPolicyInput(PolicyInput):
    """A policy not saved: only what a simulation needs is required."""

    name = serializers.CharField(max_length=100, required=False)


class PolicyOutput(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    name = serializers.CharField()
    priority = serializers.ChoiceField(choices=Priority.choices, allow_null=True)
    category = NamedRefSerializer(allow_null=True)
    calendar = NamedRefSerializer()
    first_response_minutes = serializers.IntegerField()
    resolution_minutes = serializers.IntegerField()
    reminder_percent = serializers.IntegerField()
    position = serializers.IntegerField()
    active = BooleanField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class PreviewInput(StrictSerializer):
    priority = serializers.ChoiceField(choices=Priority.choices)
    category = id_field(required=False, allow_null=True)
    created_at = serializers.DateTimeField(required=False)


class PreviewOutput(serializers.Serializer):  # type: ignore[type-arg]
    policy = NamedRefSerializer(allow_null=True)
    first_response_due_at = serializers.DateTimeField(allow_null=True)
    resolution_due_at = serializers.DateTimeField(allow_null=True)


class SimulateInput(StrictSerializer):
    policy = DraftPolicyInput()
    to = serializers.CharField(
        max_length=40,
        help_text="Exclusive end: a date (start of day, org time zone) or a timestamp.",
    )


# `from` is a Python keyword: declare it after the class body, first in the field order.
SimulateInput._declared_fields = {
    "policy": SimulateInput._declared_fields["policy"],
    "from": serializers.CharField(
        max_length=40, help_text="A date (start of that day in the org time zone) or a timestamp."
    ),
    "to": SimulateInput._declared_fields["to"],
}


class BreachCounts(serializers.Serializer):  # type: ignore[type-arg]
    tickets = serializers.IntegerField()
    first_response_breaches = serializers.IntegerField()
    resolution_breaches = serializers.IntegerField()


class ByPriority(serializers.Serializer):  # type: ignore[type-arg]
    low = BreachCounts()
    medium = BreachCounts()
    high = BreachCounts()
    critical = BreachCounts()


class SimulateOutput(BreachCounts):
    by_priority = ByPriority()
    truncated = BooleanField(
        help_text=f"More than {services.SIMULATE_MAX_TICKETS} tickets matched; the earliest were replayed."
    )


# --- Presenters ---------------------------------------------------------------------------


def calendar_out(calendar: BusinessCalendar) -> dict[str, Any]:
    return {
        "id": calendar.pk,
        "name": calendar.name,
        "timezone": calendar.timezone,
        "hours": {key: calendar.hours.get(key, []) for key in DAY_KEYS},
        "holidays": list(calendar.holidays),
        "created_at": calendar.created_at,
        "updated_at": calendar.updated_at,
    }


def policy_out(sla_policy: SlaPolicy) -> dict[str, Any]:
    return {
        "id": sla_policy.pk,
        "name": sla_policy.name,
        "priority": sla_policy.priority,
        "category": named_ref(sla_policy.category),
        "calendar": named_ref(sla_policy.calendar),
        "first_response_minutes": sla_policy.first_response_minutes,
        "resolution_minutes": sla_policy.resolution_minutes,
        "reminder_percent": sla_policy.reminder_percent,
        "position": sla_policy.position,
        "active": sla_policy.active,
        "created_at": sla_policy.created_at,
        "updated_at": sla_policy.updated_at,
    }


def _calendars(actor: User) -> QuerySet[BusinessCalendar]:
    return policy.scope(BusinessCalendar.objects.all(), actor)


def _policies(actor: User) -> QuerySet[SlaPolicy]:
    return policy.scope(SlaPolicy.objects.select_related("category", "calendar"), actor)


def _policy_fields(data: dict[str, Any]) -> dict[str, Any]:
    names = {"category": "category_id", "calendar": "calendar_id"}
    return {names.get(key, key): value for key, value in data.items()}


# --- Views --------------------------------------------------------------------------------


class BusinessCalendarListApi(ListApiView):
    ordering: ClassVar[tuple[str, ...]] = ("id",)

    @extend_schema(responses={200: CalendarOutput(many=True)})
    def get(self, request: Request) -> Response:
        _require_read(self.actor)
        return self.paginate(request, _calendars(self.actor), calendar_out)

    @extend_schema(request=CalendarInput, responses={201: CalendarOutput})
    def post(self, request: Request) -> Response:
        policy.require(self.actor, "sla.manage")
        data = CalendarInput(data=request.data)
        data.is_valid(raise_exception=True)
        calendar = services.business_calendar_create(actor=self.actor, **data.validated_data)
        return Response(calendar_out(calendar), status=status.HTTP_201_CREATED)


class BusinessCalendarDetailApi(ApiView):
    def _load(self, pk: int) -> BusinessCalendar:
        calendar = policy.access_object(_calendars(self.actor), self.actor, pk)
        _require_read(self.actor)
        return calendar

    @extend_schema(responses={200: CalendarOutput})
    def get(self, request: Request, pk: int) -> Response:
        return Response(calendar_out(self._load(pk)))

    @extend_schema(request=CalendarPatchInput, responses={200: CalendarOutput})
    def patch(self, request: Request, pk: int) -> Response:
        calendar = policy.access_object(_calendars(self.actor), self.actor, pk, "sla.manage")
        data = CalendarPatchInput(data=request.data)
        data.is_valid(raise_exception=True)
        updated = services.business_calendar_update(
            actor=self.actor, calendar=calendar, **data.validated_data
        )
        return Response(calendar_out(updated))

    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        calendar = policy.access_object(_calendars(self.actor), self.actor, pk, "sla.manage")
        services.business_calendar_delete(actor=self.actor, calendar=calendar)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SlaPolicyListApi(ListApiView):
    """Listed in evaluation order: position, then id."""

    ordering: ClassVar[tuple[str, ...]] = ("position", "id")

    @extend_schema(responses={200: PolicyOutput(many=True)})
    def get(self, request: Request) -> Response:
        _require_read(self.actor)
        return self.paginate(request, _policies(self.actor), policy_out)

    @extend_schema(request=PolicyInput, responses={201: PolicyOutput})
    def post(self, request: Request) -> Response:
        policy.require(self.actor, "sla.manage")
        data = PolicyInput(data=request.data)
        data.is_valid(raise_exception=True)
        created = services.sla_policy_create(
            actor=self.actor, **_policy_fields(data.validated_data)
        )
        return Response(policy_out(created), status=status.HTTP_201_CREATED)


class SlaPolicyDetailApi(ApiView):
    @extend_schema(responses={200: PolicyOutput})
    def get(self, request: Request, pk: int) -> Response:
        found = policy.access_object(_policies(self.actor), self.actor, pk)
        _require_read(self.actor)
        return Response(policy_out(found))

    @extend_schema(request=PolicyPatchInput, responses={200: PolicyOutput})
    def patch(self, request: Request, pk: int) -> Response:
        found = policy.access_object(_policies(self.actor), self.actor, pk, "sla.manage")
        data = PolicyPatchInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.sla_policy_update(
            actor=self.actor, sla_policy=found, **_policy_fields(data.validated_data)
        )
        return Response(policy_out(_policies(self.actor).get(pk=found.pk)))

    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        found = policy.access_object(_policies(self.actor), self.actor, pk, "sla.manage")
        services.sla_policy_delete(actor=self.actor, sla_policy=found)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SlaPolicyPreviewApi(ApiView):
    """The policy a new ticket would get and its due times; `policy` is null when none matches."""

    @extend_schema(request=PreviewInput, responses={200: PreviewOutput})
    def post(self, request: Request) -> Response:
        _require_read(self.actor)
        data = PreviewInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        preview = services.sla_policy_preview(
            actor=self.actor,
            priority=values["priority"],
            category_id=values.get("category"),
            created_at=values.get("created_at"),
        )
        return Response(
            {
                "policy": named_ref(preview.policy),
                "first_response_due_at": preview.first_response_due_at,
                "resolution_due_at": preview.resolution_due_at,
            }
        )


class SlaPolicySimulateApi(ApiView):
    """Projected breaches of the organization's tickets created in [from, to) under a draft."""

    @extend_schema(request=SimulateInput, responses={200: SimulateOutput})
    def post(self, request: Request) -> Response:
        policy.require(self.actor, "sla.manage")
        data = SimulateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        tz = self.organization.timezone
        start = services.moment_parse(values["from"], field="from", timezone_name=tz)
        end = services.moment_parse(values["to"], field="to", timezone_name=tz)
        result = services.sla_policy_simulate(
            actor=self.actor, start=start, end=end, **_policy_fields(values["policy"])
        )
        return Response(result)
