"""Categories and tags: everyone in the organization reads, admins (taxonomy.manage) write."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from ruledesk.access import policy
from ruledesk.api.base import ApiView, ListApiView, NamedRefSerializer, StrictSerializer, named_ref
from ruledesk.api.fields import BooleanField
from workflows import services
from workflows.api.serializers import id_field
from workflows.models import Category, Tag


class CategoryOutput(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    name = serializers.CharField()
    parent = NamedRefSerializer(allow_null=True)
    default_team = NamedRefSerializer(allow_null=True)
    is_archived = BooleanField()


class CategoryInput(StrictSerializer):
    name = serializers.CharField(max_length=100)
    parent = id_field(required=False, allow_null=True)  # type: ignore[assignment]
    default_team = id_field(required=False, allow_null=True)


class CategoryPatchInput(CategoryInput):
    name = serializers.CharField(max_length=100, required=False)


class TagOutput(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    name = serializers.CharField()
    is_archived = BooleanField()


class TagInput(StrictSerializer):
    name = serializers.CharField(max_length=50)


class TagPatchInput(StrictSerializer):
    name = serializers.CharField(max_length=50, required=False)


class MergeInput(StrictSerializer):
    into = id_field()


def category_out(category: Category) -> dict[str, Any]:
    return {
        "id": category.pk,
        "name": category.name,
        "parent": named_ref(category.parent),
        "default_team": named_ref(category.default_team),
        "is_archived": category.is_archived,
    }


def tag_out(tag: Tag) -> dict[str, Any]:
    return {"id": tag.pk, "name": tag.name, "is_archived": tag.is_archived}


def _categories(actor: Any) -> QuerySet[Category]:
    return policy.scope(Category.objects.select_related("parent", "default_team"), actor)


def _tags(actor: Any) -> QuerySet[Tag]:
    return policy.scope(Tag.objects.all(), actor)


def _renamed(data: dict[str, Any]) -> dict[str, Any]:
    names = {"parent": "parent_id", "default_team": "default_team_id"}
    return {names.get(k, k): v for k, v in data.items()}


class CategoryListApi(ListApiView):
    ordering: ClassVar[tuple[str, ...]] = ("id",)

    @extend_schema(responses={200: CategoryOutput(many=True)})
    def get(self, request: Request) -> Response:
        return self.paginate(request, _categories(self.actor), category_out)

    @extend_schema(request=CategoryInput, responses={201: CategoryOutput})
    def post(self, request: Request) -> Response:
        policy.require(self.actor, "taxonomy.manage")
        data = CategoryInput(data=request.data)
        data.is_valid(raise_exception=True)
        category = services.category_create(actor=self.actor, **_renamed(data.validated_data))
        return Response(category_out(category), status=status.HTTP_201_CREATED)


class CategoryDetailApi(ApiView):
    def _load(self, pk: int) -> Category:
        return policy.access_object(_categories(self.actor), self.actor, pk)

    @extend_schema(responses={200: CategoryOutput})
    def get(self, request: Request, pk: int) -> Response:
        return Response(category_out(self._load(pk)))

    @extend_schema(request=CategoryPatchInput, responses={200: CategoryOutput})
    def patch(self, request: Request, pk: int) -> Response:
        category = self._load(pk)
        policy.require(self.actor, "taxonomy.manage", category)
        data = CategoryPatchInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.category_update(
            actor=self.actor, category=category, **_renamed(data.validated_data)
        )
        return Response(category_out(self._load(pk)))

    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        services.category_delete(actor=self.actor, category=self._load(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class CategoryArchiveApi(ApiView):
    @extend_schema(request=None, responses={200: CategoryOutput})
    def post(self, request: Request, pk: int) -> Response:
        category = policy.access_object(_categories(self.actor), self.actor, pk)
        return Response(
            category_out(services.category_archive(actor=self.actor, category=category))
        )


class CategoryMergeApi(ApiView):
    @extend_schema(request=MergeInput, responses={200: CategoryOutput})
    def post(self, request: Request, pk: int) -> Response:
        source = policy.access_object(_categories(self.actor), self.actor, pk)
        policy.require(self.actor, "taxonomy.manage", source)
        data = MergeInput(data=request.data)
        data.is_valid(raise_exception=True)
        target = policy.access_object(
            _categories(self.actor), self.actor, data.validated_data["into"]
        )
        merged = services.category_merge(actor=self.actor, source=source, target=target)
        return Response(category_out(merged))


class TagListApi(ListApiView):
    ordering: ClassVar[tuple[str, ...]] = ("id",)

    @extend_schema(responses={200: TagOutput(many=True)})
    def get(self, request: Request) -> Response:
        return self.paginate(request, _tags(self.actor), tag_out)

    @extend_schema(request=TagInput, responses={201: TagOutput})
    def post(self, request: Request) -> Response:
        policy.require(self.actor, "taxonomy.manage")
        data = TagInput(data=request.data)
        data.is_valid(raise_exception=True)
        tag = services.tag_create(actor=self.actor, name=data.validated_data["name"])
        return Response(tag_out(tag), status=status.HTTP_201_CREATED)


class TagDetailApi(ApiView):
    def _load(self, pk: int) -> Tag:
        return policy.access_object(_tags(self.actor), self.actor, pk)

    @extend_schema(responses={200: TagOutput})
    def get(self, request: Request, pk: int) -> Response:
        return Response(tag_out(self._load(pk)))

    @extend_schema(request=TagPatchInput, responses={200: TagOutput})
    def patch(self, request: Request, pk: int) -> Response:
        tag = self._load(pk)
        policy.require(self.actor, "taxonomy.manage", tag)
        data = TagPatchInput(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(
            tag_out(services.tag_update(actor=self.actor, tag=tag, **data.validated_data))
        )

    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        services.tag_delete(actor=self.actor, tag=self._load(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class TagArchiveApi(ApiView):
    @extend_schema(request=None, responses={200: TagOutput})
    def post(self, request: Request, pk: int) -> Response:
        tag = policy.access_object(_tags(self.actor), self.actor, pk)
        return Response(tag_out(services.tag_archive(actor=self.actor, tag=tag)))


class TagMergeApi(ApiView):
    @extend_schema(request=MergeInput, responses={200: TagOutput})
    def post(self, request: Request, pk: int) -> Response:
        source = policy.access_object(_tags(self.actor), self.actor, pk)
        policy.require(self.actor, "taxonomy.manage", source)
        data = MergeInput(data=request.data)
        data.is_valid(raise_exception=True)
        target = policy.access_object(_tags(self.actor), self.actor, data.validated_data["into"])
        return Response(tag_out(services.tag_merge(actor=self.actor, source=source, target=target)))
