"""Base classes every API view and serializer builds on, so conventions come for free."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from django.db import models
from rest_framework import generics, serializers
from rest_framework.exceptions import ErrorDetail, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ruledesk import errors
from ruledesk.access import policy
from ruledesk.api import idempotency
from ruledesk.api.pagination import CursorPagination
from ruledesk.keyset import SortKey
from ruledesk.tenancy.models import Organization, User
from ruledesk.tenancy.selectors import email_visible_to


class StrictFieldsMixin:
    """Unknown or read-only fields in a write answer 400 naming the field (never ignored)."""

    fields: Any

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            problems: dict[str, list[ErrorDetail]] = {}
            for key in data:
                field = self.fields.get(key)
                if field is None:
                    problems[key] = [ErrorDetail("Unknown field.", code="unknown_field")]
                elif field.read_only:
                    problems[key] = [ErrorDetail("This field is read-only.", code="read_only")]
            if problems:
                raise ValidationError(problems)
        return super().to_internal_value(data)  # type: ignore[misc]


class StrictSerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    pass


class UserRefSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    name = serializers.CharField()
    email = serializers.EmailField(allow_null=True)


class NamedRefSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    name = serializers.CharField()


def user_ref(user: Any, viewer: Any = None) -> dict[str, Any] | None:
    """A user as other objects embed them; the e-mail as `email_visible_to` allows."""
    if user is None:
        return None
    return {"id": user.pk, "name": user.display_name, "email": email_visible_to(viewer, user)}


def named_ref(obj: Any) -> dict[str, Any] | None:
    return None if obj is None else {"id": obj.pk, "name": obj.name}


class IdempotentMixin:
    """Replays POSTs that carry an Idempotency-Key (api.md); runs after authentication."""

    _idempotency_record: Any = None

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        self._idempotency_record = idempotency.begin(request)

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, idempotency.Replay):
            return exc.response
        return super().handle_exception(exc)  # type: ignore[misc, no-any-return]

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        if self._idempotency_record is not None:
            idempotency.finish(self._idempotency_record, response)
            self._idempotency_record = None
        return response


class ActorMixin:
    """`self.actor`: the caller as a typed `User` with an organization.

    The default permission class admits only organization members, so by the
    time a handler runs this always holds; the check keeps the types honest.
    """

    @property
    def actor(self) -> User:
        user = self.request.user  # type: ignore[attr-defined]
        if not isinstance(user, User) or user.organization is None:
            raise errors.NotAuthenticated()
        return user

    @property
    def organization(self) -> Organization:
        organization = self.actor.organization
        if organization is None:
            raise errors.NotAuthenticated()
        return organization


class ApiView(IdempotentMixin, ActorMixin, APIView):
    """Plain endpoint: authentication, throttles, problem errors, idempotency."""


class OrgScopedView(IdempotentMixin, ActorMixin, generics.GenericAPIView):  # type: ignore[type-arg]
    """List/detail endpoint over a tenant-owned model.

    Subclasses name `model` (and may narrow with `visible()`); `get_queryset`
    itself always filters by the caller's organization and is not meant to be
    overridden, so no subclass can forget the tenant boundary.
    """

    model: ClassVar[type[models.Model]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "get_queryset" in cls.__dict__:
            raise TypeError(f"{cls.__name__} must narrow with visible(), not get_queryset()")

    def visible(self, queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
        return queryset

    def get_queryset(self) -> models.QuerySet[Any]:
        base = self.model._default_manager.all()
        return self.visible(policy.scope(base, self.actor))

    def get_object(self) -> Any:
        return policy.access_object(self.get_queryset(), self.actor, self.kwargs["pk"])


class ListApiView(ApiView):
    """An endpoint with a keyset-paginated GET.

    `ordering` names model fields and ends with `id` (the tie-breaker); an index should
    cover it, as each page is one row-value comparison over those columns.
    """

    pagination_class = CursorPagination
    ordering: ClassVar[tuple[str | SortKey, ...]] = ("-created_at", "-id")

    def paginate(
        self,
        request: Request,
        queryset: models.QuerySet[Any],
        render: Callable[[Any], Any],
        ordering: tuple[str | SortKey, ...] | None = None,
        prepare: Callable[[list[Any]], None] | None = None,
    ) -> Response:
        """One page of `queryset`, each row rendered; `prepare` sees the page first
        (to load what the rows need in one query per page, not per row)."""
        paginator = self.pagination_class()
        paginator.ordering = ordering or self.ordering
        page = paginator.paginate_queryset(queryset, request, view=self)
        if prepare is not None:
            prepare(page)
        return paginator.get_paginated_response([render(obj) for obj in page])
