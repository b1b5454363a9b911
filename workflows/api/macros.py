"""Macros: canned replies with field changes, previewed and applied on one ticket."""

from __future__ import annotations

from typing import Any, ClassVar

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from ruledesk.api import concurrency
from ruledesk.api.base import (
    ApiView,
    ListApiView,
    NamedRefSerializer,
    StrictSerializer,
    UserRefSerializer,
    named_ref,
    user_ref,
)
from workflows import selectors
from workflows.api.presenters import ticket_out
from workflows.api.serializers import BULK_TRANSITIONS, TicketOutput, id_field
from workflows.collab import macros as service
from workflows.collab.models import Macro
from workflows.models import Priority, Visibility


class MacroOutput(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    name = serializers.CharField()
    team = NamedRefSerializer(allow_null=True, help_text="Null: the whole organization's macro.")
    body = serializers.CharField(
        help_text="Markdown; variables: " + ", ".join(f"{{{{{v}}}}}" for v in service.VARIABLES)
    )
    visibility = serializers.ChoiceField(choices=Visibility.choices)
    transition = serializers.CharField(allow_null=True)
    priority = serializers.CharField(allow_null=True)
    assignee = UserRefSerializer(allow_null=True)
    set_team = NamedRefSerializer(allow_null=True)
    add_tags = serializers.ListField(child=serializers.CharField())
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class MacroInput(StrictSerializer):
    name = serializers.CharField(max_length=100)
    team = id_field(required=False, allow_null=True)
    body = serializers.CharField(max_length=20_000, required=False, allow_blank=True)
    visibility = serializers.ChoiceField(choices=Visibility.choices, required=False)
    transition = serializers.ChoiceField(choices=BULK_TRANSITIONS, required=False, allow_null=True)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False, allow_null=True)
    assignee = id_field(required=False, allow_null=True)
    set_team = id_field(required=False, allow_null=True)
    add_tags = serializers.ListField(
        child=serializers.CharField(max_length=50), required=False, max_length=service.MAX_TAGS
    )


class MacroPatchInput(MacroInput):
    name = serializers.CharField(max_length=100, required=False)


class MacroChangeOutput(serializers.Serializer):  # type: ignore[type-arg]
    field = serializers.CharField()
    value = serializers.CharField()


class MacroPreviewOutput(serializers.Serializer):  # type: ignore[type-arg]
    body = serializers.CharField()
    body_html = serializers.CharField()
    visibility = serializers.CharField()
    changes = MacroChangeOutput(many=True)
    unfilled = serializers.ListField(child=serializers.CharField())


def macro_out(macro: Macro, viewer: Any) -> dict[str, Any]:
    return {
        "id": macro.pk,
        "name": macro.name,
        "team": named_ref(macro.team),
        "body": macro.body,
        "visibility": macro.visibility,
        "transition": macro.transition or None,
        "priority": macro.priority or None,
        "assignee": user_ref(macro.assignee, viewer),
        "set_team": named_ref(macro.set_team),
        "add_tags": list(macro.add_tags),
        "created_at": macro.created_at,
        "updated_at": macro.updated_at,
    }


def _values(data: dict[str, Any]) -> dict[str, Any]:
    return {
        k: ("" if v is None and k in ("transition", "priority") else v) for k, v in data.items()
    }


class MacroListApi(ListApiView):
    ordering: ClassVar[tuple[str, ...]] = ("id",)

    @extend_schema(responses={200: MacroOutput(many=True)})
    def get(self, request: Request) -> Response:
        macros = service.macros_visible_to(self.actor)
        return self.paginate(request, macros, lambda m: macro_out(m, self.actor))

    @extend_schema(request=MacroInput, responses={201: MacroOutput})
    def post(self, request: Request) -> Response:
        data = MacroInput(data=request.data)
        data.is_valid(raise_exception=True)
        macro = service.macro_create(actor=self.actor, **_values(data.validated_data))
        macro = service.access_macro(self.actor, macro.pk)
        return Response(macro_out(macro, self.actor), status=status.HTTP_201_CREATED)


class MacroDetailApi(ApiView):
    @extend_schema(responses={200: MacroOutput})
    def get(self, request: Request, pk: int) -> Response:
        macro = service.access_macro(self.actor, pk)
        return concurrency.with_etag(Response(macro_out(macro, self.actor)), macro)

    @extend_schema(request=MacroPatchInput, responses={200: MacroOutput})
    def patch(self, request: Request, pk: int) -> Response:
        macro = service.access_macro(self.actor, pk)
        data = MacroPatchInput(data=request.data)
        data.is_valid(raise_exception=True)
        concurrency.check_if_match(request, macro)
        service.macro_update(actor=self.actor, macro=macro, **_values(data.validated_data))
        macro = service.access_macro(self.actor, pk)
        return concurrency.with_etag(Response(macro_out(macro, self.actor)), macro)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        service.macro_delete(actor=self.actor, macro=service.access_macro(self.actor, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class MacroPreviewApi(ApiView):
    @extend_schema(request=None, responses={200: MacroPreviewOutput})
    def post(self, request: Request, pk: int, macro_id: int) -> Response:
        ticket = selectors.access_ticket(self.actor, pk)
        macro = service.access_macro(self.actor, macro_id)
        preview = service.macro_preview(actor=self.actor, macro=macro, ticket=ticket)
        return Response(
            {
                "body": preview.body,
                "body_html": preview.body_html,
                "visibility": preview.visibility,
                "changes": [{"field": c.field, "value": c.value} for c in preview.changes],
                "unfilled": preview.unfilled,
            }
        )


class MacroApplyApi(ApiView):
    @extend_schema(request=None, responses={200: TicketOutput})
    def post(self, request: Request, pk: int, macro_id: int) -> Response:
        ticket = selectors.access_ticket(self.actor, pk)
        macro = service.access_macro(self.actor, macro_id)
        concurrency.check_if_match(request, ticket)
        service.macro_apply(actor=self.actor, macro=macro, ticket=ticket)
        ticket = selectors.access_ticket(self.actor, pk)
        return concurrency.with_etag(Response(ticket_out(ticket, self.actor)), ticket)
