"""Auth and `me`: the endpoints every client starts with."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import logout
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from ruledesk.access import policy
from ruledesk.api.authentication import token_revoke
from ruledesk.api.base import ApiView, StrictSerializer
from ruledesk.api.login import login_for_token
from ruledesk.api.models import ApiToken
from ruledesk.client_ip import client_ip
from ruledesk.tenancy import services as tenancy
from ruledesk.tenancy.models import Locale, Role


class TokenInput(StrictSerializer):
    email = serializers.CharField(max_length=254)
    password = serializers.CharField(max_length=256, trim_whitespace=False)


class TokenOutput(serializers.Serializer):  # type: ignore[type-arg]
    token = serializers.CharField()
    expires_at = serializers.DateTimeField()


class AuthTokenApi(ApiView):
    def get_authenticators(self) -> list[Any]:
        # POST is a login: a stale Authorization header must not turn it into a 401.
        if self.request is not None and self.request.method == "POST":
            return []
        return super().get_authenticators()

    def get_permissions(self) -> Any:
        if self.request.method == "POST":
            return [AllowAny()]
        return super().get_permissions()

    @extend_schema(request=TokenInput, responses={201: TokenOutput}, auth=[])
    def post(self, request: Request) -> Response:
        data = TokenInput(data=request.data)
        data.is_valid(raise_exception=True)
        raw, token = login_for_token(
            request=request._request,
            email=data.validated_data["email"],
            password=data.validated_data["password"],
            ip=client_ip(request._request),
        )
        body = TokenOutput({"token": raw, "expires_at": token.expires_at}).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request) -> Response:
        if isinstance(request.auth, ApiToken):
            token_revoke(token=request.auth)
        else:
            logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class OrganizationRefSerializer(serializers.Serializer):  # type: ignore[type-arg]
    slug = serializers.CharField()
    name = serializers.CharField()


class MeOutput(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    email = serializers.EmailField()
    name = serializers.CharField()
    role = serializers.ChoiceField(choices=Role.choices)
    organization = OrganizationRefSerializer()
    locale = serializers.ChoiceField(choices=Locale.choices)
    permissions = serializers.ListField(child=serializers.CharField())


class MeInput(StrictSerializer):
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    locale = serializers.ChoiceField(choices=Locale.choices, required=False)


def _me(user: Any) -> dict[str, Any]:
    return MeOutput(
        {
            "id": user.pk,
            "email": user.email,
            "name": user.name,
            "role": user.role,
            "organization": user.organization,
            "locale": user.locale,
            "permissions": policy.effective_permissions(user),
        }
    ).data


class MeApi(ApiView):
    @extend_schema(responses={200: MeOutput})
    def get(self, request: Request) -> Response:
        return Response(_me(self.actor))

    @extend_schema(request=MeInput, responses={200: MeOutput})
    def patch(self, request: Request) -> Response:
        data = MeInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = tenancy.me_update(user=self.actor, **data.validated_data)
        return Response(_me(user))
