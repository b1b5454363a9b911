"""Shapes of the rules API: parsing (strict) and presenting (explicit)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ruledesk.api.base import StrictSerializer, UserRefSerializer, user_ref
from ruledesk.api.fields import BooleanField
from rules_engine import vocabulary as v
from rules_engine.models import Rule, RuleExecution
from rules_engine.services import rule_definition
from workflows.numbering import display_number

_OBJECT = {"type": "object", "additionalProperties": True}


@extend_schema_field(
    {
        **_OBJECT,
        "description": 'A tree: {"all": [...]}, {"any": [...]}, {"not": {...}} or '
        '{"field", "operator", "value"}; groups nest at most 5 deep.',
    }
)
class ConditionsField(serializers.JSONField):
    pass


@extend_schema_field(
    {
        "type": "array",
        "items": _OBJECT,
        "description": 'Ordered actions, each {"type", ...params} (see /rules/vocabulary).',
    }
)
class ActionsField(serializers.JSONField):
    pass


@extend_schema_field({"type": "array", "items": _OBJECT})
class TraceField(serializers.JSONField):
    pass


class ScheduleSerializer(StrictSerializer):
    every_minutes = serializers.IntegerField(min_value=1, max_value=v.MAX_SCHEDULE_MINUTES)


class RuleInput(StrictSerializer):
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    event = serializers.ChoiceField(choices=list(v.EVENTS))
    schedule = ScheduleSerializer(required=False, allow_null=True)
    conditions = ConditionsField(required=False)
    actions = ActionsField(required=False)
    position = serializers.IntegerField(min_value=0, max_value=2**31 - 1, required=False)
    active = BooleanField(required=False)
    stop_processing = BooleanField(required=False)


class RulePatchInput(RuleInput):
    name = serializers.CharField(max_length=200, required=False)
    event = serializers.ChoiceField(choices=list(v.EVENTS), required=False)


class RuleOutput(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    name = serializers.CharField()
    description = serializers.CharField()
    event = serializers.ChoiceField(choices=list(v.EVENTS))
    schedule = ScheduleSerializer(allow_null=True)
    conditions = ConditionsField()
    actions = ActionsField()
    position = serializers.IntegerField()
    active = BooleanField()
    stop_processing = BooleanField()
    created_by = UserRefSerializer(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


def rule_out(rule: Rule) -> dict[str, Any]:
    definition = rule_definition(rule)
    return {
        "id": rule.pk,
        "name": rule.name,
        "description": rule.description,
        "event": rule.event,
        "schedule": definition["schedule"],
        "conditions": rule.conditions,
        "actions": rule.actions,
        "position": rule.position,
        "active": rule.active,
        "stop_processing": rule.stop_processing,
        "created_by": user_ref(rule.created_by),
        "created_at": rule.created_at,
        "updated_at": rule.updated_at,
    }


class VocabularyFieldSerializer(serializers.Serializer):  # type: ignore[type-arg]
    name = serializers.CharField()
    type = serializers.CharField()
    operators = serializers.ListField(child=serializers.CharField())


class VocabularyActionSerializer(serializers.Serializer):  # type: ignore[type-arg]
    type = serializers.CharField()
    params = serializers.DictField(child=serializers.CharField())


class VocabularyOutput(serializers.Serializer):  # type: ignore[type-arg]
    events = serializers.ListField(child=serializers.CharField())
    operators = serializers.ListField(child=serializers.CharField())
    fields = VocabularyFieldSerializer(many=True)  # type: ignore[assignment]
    actions = VocabularyActionSerializer(many=True)


class DryRunInput(StrictSerializer):
    ticket = serializers.IntegerField(min_value=1, max_value=2**53)


class DraftRuleInput(StrictSerializer):
    """A rule as it would be saved; only its definition matters for a dry run."""

    name = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    event = serializers.ChoiceField(choices=list(v.EVENTS))
    schedule = ScheduleSerializer(required=False, allow_null=True)
    conditions = ConditionsField(required=False)
    actions = ActionsField(required=False)
    position = serializers.IntegerField(min_value=0, max_value=2**31 - 1, required=False)
    active = BooleanField(required=False)
    stop_processing = BooleanField(required=False)


class DraftDryRunInput(StrictSerializer):
    rule = DraftRuleInput()
    ticket = serializers.IntegerField(min_value=1, max_value=2**53)


class TraceEntrySerializer(serializers.Serializer):  # type: ignore[type-arg]
    path = serializers.CharField()
    field = serializers.CharField()
    operator = serializers.CharField()
    value = serializers.JSONField(allow_null=True)
    actual = serializers.JSONField(allow_null=True)
    result = BooleanField()


class DryRunOutput(serializers.Serializer):  # type: ignore[type-arg]
    matched = BooleanField()
    trace = TraceEntrySerializer(many=True)
    actions = ActionsField()


class RuleRefSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()


class TicketRefSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    number = serializers.CharField()


class ActionResultSerializer(serializers.Serializer):  # type: ignore[type-arg]
    type = serializers.CharField()
    ok = BooleanField()
    error = serializers.CharField(required=False)


class ExecutionOutput(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    rule = RuleRefSerializer()
    event = serializers.CharField()
    event_id = serializers.IntegerField(allow_null=True)
    ticket = TicketRefSerializer(allow_null=True)
    matched = BooleanField()
    trace = TraceEntrySerializer(many=True)
    actions = ActionResultSerializer(many=True)
    error = serializers.CharField(allow_null=True)
    duration_ms = serializers.FloatField()
    created_at = serializers.DateTimeField()


def execution_out(execution: RuleExecution, organization_slug: str) -> dict[str, Any]:
    ticket = execution.ticket
    return {
        "id": execution.pk,
        "rule": {"id": execution.rule_id, "name": execution.rule_name},
        "event": execution.event_type,
        "event_id": execution.event_id,
        "ticket": (
            {"id": ticket.pk, "number": display_number(organization_slug, ticket.number)}
            if ticket is not None
            else None
        ),
        "matched": execution.matched,
        "trace": execution.trace,
        "actions": execution.actions,
        "error": execution.error or None,
        "duration_ms": execution.duration_ms,
        "created_at": execution.created_at,
    }
