from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ruledesk.api.base import NamedRefSerializer, StrictSerializer, UserRefSerializer
from ruledesk.api.fields import BooleanField
from workflows.models import ApprovalStatus, Priority, Status, Visibility
from workflows.services.transitions import TRANSITIONS

# Transitions a bulk action can take: those that need no reason (bulk carries none).
BULK_TRANSITIONS = [name for name, spec in TRANSITIONS.items() if not spec.requires_reason]


def id_field(**options: bool) -> serializers.IntegerField:
    """A reference to another object by id (bounded so huge numbers are a 400, not a 500)."""
    return serializers.IntegerField(min_value=1, max_value=2**53, **options)  # type: ignore[arg-type]


class TicketRefSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    number = serializers.CharField()


class SlaSerializer(serializers.Serializer):  # type: ignore[type-arg]
    policy = NamedRefSerializer(allow_null=True)
    first_response_due_at = serializers.DateTimeField(allow_null=True)
    resolution_due_at = serializers.DateTimeField(allow_null=True)
    paused = BooleanField()
    first_response_breached = BooleanField()
    resolution_breached = BooleanField()


class TicketOutput(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    number = serializers.CharField()
    title = serializers.CharField()
    description = serializers.CharField()
    description_html = serializers.CharField()
    status = serializers.ChoiceField(choices=Status.choices)
    priority = serializers.ChoiceField(choices=Priority.choices)
    category = NamedRefSerializer(allow_null=True)
    tags = serializers.ListField(child=serializers.CharField())
    requester = UserRefSerializer()
    assignee = UserRefSerializer(allow_null=True)
    team = NamedRefSerializer(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    first_responded_at = serializers.DateTimeField(allow_null=True)
    resolved_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    reopen_count = serializers.IntegerField()
    sla = SlaSerializer()
    available_transitions = serializers.ListField(child=serializers.CharField())


class TicketCreateInput(StrictSerializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=50_000, allow_blank=True, default="")
    priority = serializers.ChoiceField(choices=Priority.choices, default=Priority.MEDIUM)
    category = id_field(required=False, allow_null=True)
    tags = serializers.ListField(
        child=serializers.CharField(max_length=50), required=False, max_length=50
    )
    assignee = id_field(required=False, allow_null=True)
    team = id_field(required=False, allow_null=True)


class TicketUpdateInput(StrictSerializer):
    title = serializers.CharField(max_length=200, required=False)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    category = id_field(required=False, allow_null=True)
    tags = serializers.ListField(
        child=serializers.CharField(max_length=50), required=False, max_length=50
    )
    assignee = id_field(required=False, allow_null=True)
    team = id_field(required=False, allow_null=True)


class TransitionOutput(serializers.Serializer):  # type: ignore[type-arg]
    name = serializers.CharField()
    target = serializers.ChoiceField(choices=Status.choices)
    requires_reason = BooleanField()


class TransitionInput(StrictSerializer):
    name = serializers.CharField(max_length=32)
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ApprovalOutput(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=ApprovalStatus.choices)
    reason = serializers.CharField()
    requested_by = UserRefSerializer(allow_null=True)
    created_at = serializers.DateTimeField()


class ApprovalEnvelope(serializers.Serializer):  # type: ignore[type-arg]
    approval = ApprovalOutput()


class CommentOutput(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    author = UserRefSerializer(allow_null=True)
    body = serializers.CharField()
    body_html = serializers.CharField()
    visibility = serializers.ChoiceField(choices=Visibility.choices)
    mentions = UserRefSerializer(many=True)
    created_at = serializers.DateTimeField()


class CommentInput(StrictSerializer):
    body = serializers.CharField(max_length=50_000)
    visibility = serializers.ChoiceField(choices=Visibility.choices, default=Visibility.PUBLIC)


_HISTORY_REF = {
    "type": "object",
    "required": ["id", "name"],
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": ["string", "null"]},
        "email": {"type": ["string", "null"], "format": "email"},
    },
}


@extend_schema_field(
    {
        "anyOf": [{"type": "string"}, _HISTORY_REF, {"type": "null"}],
        "description": (
            "The value before (`from`) or after (`to`). `title`, `priority`, `status`: the "
            "value; comment entries: the visibility (`to` only). `assignee`: the user "
            "embedded as {id, name, email} (email null for staff when a requester reads); "
            "`category`, `team`: {id, name}; null when unset. An object deleted since keeps "
            "its id with a null name (and email)."
        ),
    }
)
class HistoryValueField(serializers.JSONField):
    pass


class HistoryEntryOutput(serializers.Serializer):  # type: ignore[type-arg]
    at = serializers.DateTimeField()
    actor = UserRefSerializer(allow_null=True)
    kind = serializers.ChoiceField(choices=["field", "transition", "comment", "attachment"])
    field = serializers.CharField(required=False)
    to = HistoryValueField(required=False)
    reason = serializers.CharField(required=False)


# "from" is a Python keyword, so the field is added by name.
HistoryEntryOutput._declared_fields["from"] = HistoryValueField(required=False)


class BulkInput(StrictSerializer):
    """One of: assign (assignee), transition (name), set_priority (priority), add_tags (tags),
    macro (macro: the id of a macro the caller may use)."""

    ids = serializers.ListField(child=id_field(), min_length=1, max_length=500)
    action = serializers.ChoiceField(
        choices=["assign", "transition", "set_priority", "add_tags", "macro"]
    )
    assignee = id_field(required=False, allow_null=True)
    name = serializers.ChoiceField(choices=list(BULK_TRANSITIONS), required=False)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    tags = serializers.ListField(
        child=serializers.CharField(max_length=50), required=False, min_length=1, max_length=50
    )
    macro = id_field(required=False)

    REQUIRED = {
        "assign": "assignee",
        "transition": "name",
        "set_priority": "priority",
        "add_tags": "tags",
        "macro": "macro",
    }

    def validate(self, attrs: dict[str, object]) -> dict[str, object]:
        needed = self.REQUIRED[str(attrs["action"])]
        if needed not in attrs:
            raise serializers.ValidationError({needed: ["Required for this action."]})
        extra = set(attrs) - {"ids", "action", needed}
        if extra:
            raise serializers.ValidationError(
                {name: ["Not used by this action."] for name in extra}
            )
        return attrs


class BulkItemOutput(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    ok = BooleanField()
    error = serializers.JSONField(required=False)


class BulkOutput(serializers.Serializer):  # type: ignore[type-arg]
    results = BulkItemOutput(many=True)
