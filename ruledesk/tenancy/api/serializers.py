from __future__ import annotations

from rest_framework import serializers

from ruledesk.api.base import NamedRefSerializer, StrictSerializer, UserRefSerializer
from ruledesk.api.fields import BooleanField
from ruledesk.tenancy.models import Locale, Role


class UserOutput(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    email = serializers.EmailField()
    name = serializers.CharField()
    role = serializers.ChoiceField(choices=Role.choices)
    is_active = BooleanField()
    teams = NamedRefSerializer(many=True)


class UserCreateInput(StrictSerializer):
    email = serializers.EmailField(max_length=254)
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    role = serializers.ChoiceField(choices=Role.choices, default=Role.REQUESTER)
    password = serializers.CharField(
        max_length=256, required=False, write_only=True, trim_whitespace=False
    )
    locale = serializers.ChoiceField(choices=Locale.choices, required=False)


class UserUpdateInput(StrictSerializer):
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    role = serializers.ChoiceField(choices=Role.choices, required=False)
    is_active = BooleanField(required=False)
    locale = serializers.ChoiceField(choices=Locale.choices, required=False)


class TeamOutput(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    name = serializers.CharField()
    escalation_team = NamedRefSerializer(allow_null=True)


class TeamDetailOutput(TeamOutput):
    members = UserRefSerializer(many=True)


class TeamCreateInput(StrictSerializer):
    name = serializers.CharField(max_length=100)
    escalation_team = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=2**53
    )


class TeamUpdateInput(StrictSerializer):
    name = serializers.CharField(max_length=100, required=False)
    escalation_team = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=2**53
    )
