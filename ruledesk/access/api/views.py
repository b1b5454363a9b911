"""The permission matrix as admins see and edit it."""

from __future__ import annotations

import dataclasses
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from ruledesk import errors
from ruledesk.access import policy, registry, services
from ruledesk.api.base import ApiView, StrictSerializer
from ruledesk.api.fields import BooleanField


class GrantsSerializer(StrictSerializer):
    requester = BooleanField()
    agent = BooleanField()
    admin = BooleanField()


class PermissionRowSerializer(StrictSerializer):
    codename = serializers.CharField(max_length=64)
    label = serializers.CharField(max_length=200, required=False)  # type: ignore[assignment]
    grants = GrantsSerializer()
    locked = serializers.ListField(
        child=serializers.ChoiceField(choices=registry.ROLES), required=False, max_length=3
    )


class MatrixSerializer(StrictSerializer):
    roles = serializers.ListField(
        child=serializers.ChoiceField(choices=registry.ROLES), required=False, max_length=3
    )
    permissions = PermissionRowSerializer(  # type: ignore[call-arg]
        many=True, max_length=len(registry.PERMISSIONS) * 2
    )


def matrix_body(organization_id: int) -> dict[str, Any]:
    grants = policy.organization_grants(organization_id)
    return {
        "roles": list(registry.ROLES),
        "permissions": [
            {
                "codename": p.codename,
                "label": p.label,
                "grants": grants[p.codename],
                "locked": [role for role in registry.ROLES if role in p.locked],
            }
            for p in registry.PERMISSIONS
        ],
    }


class PermissionMatrixApi(ApiView):
    @extend_schema(responses={200: MatrixSerializer})
    def get(self, request: Request) -> Response:
        policy.require(self.actor, "matrix.manage")
        return Response(matrix_body(self.organization.pk))

    @extend_schema(request=MatrixSerializer, responses={200: MatrixSerializer})
    def put(self, request: Request) -> Response:
        policy.require(self.actor, "matrix.manage")
        data = MatrixSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rows = data.validated_data["permissions"]
        index = _index_rows(rows)
        grants = {row["codename"]: dict(row["grants"]) for row in rows}
        try:
            services.matrix_update(actor=self.actor, grants=grants)
        except errors.ValidationFailed as exc:
            # The service names cells by codename; the client knows them by position.
            raise errors.ValidationFailed(
                exc.detail, errors=[_by_position(err, index) for err in exc.errors]
            ) from None
        return Response(matrix_body(self.organization.pk))


def _index_rows(rows: list[dict[str, Any]]) -> dict[str, int]:
    index: dict[str, int] = {}
    for position, row in enumerate(rows):
        if row["codename"] in index:
            raise errors.ValidationFailed.on(
                f"permissions[{position}].codename", _("Listed twice."), "duplicate"
            )
        index[row["codename"]] = position
    return index


def _by_position(err: errors.FieldError, index: dict[str, int]) -> errors.FieldError:
    # Codenames contain dots themselves: the service names a row by its bare codename
    # and a cell as "<codename>.grants.<role>" (a role never contains ".grants.").
    if err.field in index:
        return dataclasses.replace(err, field=f"permissions[{index[err.field]}].codename")
    codename, _, role = err.field.rpartition(".grants.")
    return dataclasses.replace(err, field=f"permissions[{index[codename]}].grants.{role}")
