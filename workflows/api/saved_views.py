"""Saved views of the ticket list."""

from __future__ import annotations

from typing import Any, ClassVar

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from ruledesk.access import policy
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
from workflows.api.serializers import id_field
from workflows.models import SavedView
from workflows.services import saved_views as service


class SavedViewOutput(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    name = serializers.CharField()
    filters = serializers.DictField(child=serializers.CharField())
    columns = serializers.ListField(child=serializers.CharField())
    shared_with_team = NamedRefSerializer(allow_null=True)
    owner = UserRefSerializer()
    created_at = serializers.DateTimeField()


class SavedViewInput(StrictSerializer):
    name = serializers.CharField(max_length=100)
    filters = serializers.DictField(default=dict)
    # The ticket list's columns in display order (empty: the default set); the web UI's.
    columns = serializers.ListField(
        child=serializers.ChoiceField(choices=service.COLUMNS), max_length=20, default=list
    )
    shared_with_team = id_field(required=False, allow_null=True)


class SavedViewPatchInput(SavedViewInput):
    name = serializers.CharField(max_length=100, required=False)
    filters = serializers.DictField(required=False)
    columns = serializers.ListField(
        child=serializers.ChoiceField(choices=service.COLUMNS), max_length=20, required=False
    )


def view_out(view: SavedView, viewer: Any) -> dict[str, Any]:
    return {
        "id": view.pk,
        "name": view.name,
        "filters": view.filters,
        "columns": view.columns,
        "shared_with_team": named_ref(view.shared_with_team),
        "owner": user_ref(view.owner, viewer),
        "created_at": view.created_at,
    }


def _renamed(data: dict[str, Any]) -> dict[str, Any]:
    return {("shared_with_team_id" if k == "shared_with_team" else k): v for k, v in data.items()}


class SavedViewListApi(ListApiView):
    ordering: ClassVar[tuple[str, ...]] = ("id",)

    @extend_schema(responses={200: SavedViewOutput(many=True)})
    def get(self, request: Request) -> Response:
        views = selectors.saved_views_visible_to(self.actor)
        return self.paginate(request, views, lambda v: view_out(v, self.actor))

    @extend_schema(request=SavedViewInput, responses={201: SavedViewOutput})
    def post(self, request: Request) -> Response:
        data = SavedViewInput(data=request.data)
        data.is_valid(raise_exception=True)
        view = service.saved_view_create(actor=self.actor, **_renamed(data.validated_data))
        return Response(view_out(view, self.actor), status=status.HTTP_201_CREATED)


class SavedViewDetailApi(ApiView):
    def _load(self, pk: int) -> SavedView:
        return policy.access_object(selectors.saved_views_visible_to(self.actor), self.actor, pk)

    @extend_schema(responses={200: SavedViewOutput})
    def get(self, request: Request, pk: int) -> Response:
        return Response(view_out(self._load(pk), self.actor))

    @extend_schema(request=SavedViewPatchInput, responses={200: SavedViewOutput})
    def patch(self, request: Request, pk: int) -> Response:
        view = self._load(pk)
        data = SavedViewPatchInput(data=request.data)
        data.is_valid(raise_exception=True)
        view = service.saved_view_update(
            actor=self.actor, view=view, **_renamed(data.validated_data)
        )
        return Response(view_out(view, self.actor))

    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        service.saved_view_delete(actor=self.actor, view=self._load(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)
