"""Users and teams of the caller's organization."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from ruledesk.access import policy
from ruledesk.api import concurrency
from ruledesk.api.base import ApiView, ListApiView, named_ref, user_ref
from ruledesk.tenancy import selectors
from ruledesk.tenancy import services as tenancy
from ruledesk.tenancy.api import serializers as s
from ruledesk.tenancy.models import Role, Team, User


def _user_out(user: User) -> dict[str, Any]:
    teams = [named_ref(t) for t in user.teams.all()]
    return s.UserOutput(
        {
            "id": user.pk,
            "email": user.email,
            "name": user.name,
            "role": user.role,
            "is_active": user.is_active,
            "teams": teams,
        }
    ).data


def _team_out(team: Team, *, detail: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": team.pk,
        "name": team.name,
        "escalation_team": named_ref(team.escalation_team),
    }
    if detail:
        data["members"] = [user_ref(u) for u in selectors.team_members(team)]
        return s.TeamDetailOutput(data).data
    return s.TeamOutput(data).data


class UserListApi(ListApiView):
    ordering = ("id",)

    @extend_schema(
        parameters=[
            OpenApiParameter("role", OpenApiTypes.STR, enum=[r.value for r in Role]),
            OpenApiParameter("q", OpenApiTypes.STR),
        ],
        responses={200: s.UserOutput(many=True)},
    )
    def get(self, request: Request) -> Response:
        policy.require(self.actor, "users.view")
        role = request.query_params.get("role")
        users = selectors.users_visible_to(
            self.actor,
            role=role if role in Role.values else None,
            q=request.query_params.get("q", "")[:200] or None,
        )
        return self.paginate(request, users, _user_out)

    @extend_schema(request=s.UserCreateInput, responses={201: s.UserOutput})
    def post(self, request: Request) -> Response:
        policy.require(self.actor, "users.manage")
        data = s.UserCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = tenancy.user_create(
            actor=self.actor, organization=self.organization, **data.validated_data
        )
        return Response(_user_out(user), status=status.HTTP_201_CREATED)


class UserDetailApi(ApiView):
    def _load(self, request: Request, pk: int) -> User:
        policy.require(self.actor, "users.view")
        return policy.access_object(selectors.users_visible_to(self.actor), self.actor, pk)

    @extend_schema(responses={200: s.UserOutput})
    def get(self, request: Request, pk: int) -> Response:
        user = self._load(request, pk)
        return concurrency.with_etag(Response(_user_out(user)), user)

    @extend_schema(request=s.UserUpdateInput, responses={200: s.UserOutput})
    def patch(self, request: Request, pk: int) -> Response:
        user = self._load(request, pk)
        policy.require(self.actor, "users.manage", user)
        concurrency.check_if_match(request, user)
        data = s.UserUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = tenancy.user_update(actor=self.actor, user=user, **data.validated_data)
        user = self._load(request, pk)
        return concurrency.with_etag(Response(_user_out(user)), user)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        user = self._load(request, pk)
        tenancy.user_delete(actor=self.actor, user=user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TeamListApi(ListApiView):
    ordering = ("id",)

    @extend_schema(responses={200: s.TeamOutput(many=True)})
    def get(self, request: Request) -> Response:
        policy.require(self.actor, "users.view")
        return self.paginate(request, selectors.teams_visible_to(self.actor), _team_out)

    @extend_schema(request=s.TeamCreateInput, responses={201: s.TeamDetailOutput})
    def post(self, request: Request) -> Response:
        policy.require(self.actor, "teams.manage")
        data = s.TeamCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        team = tenancy.team_create(
            actor=self.actor,
            organization=self.organization,
            name=data.validated_data["name"],
            escalation_team_id=data.validated_data.get("escalation_team"),
        )
        return Response(_team_out(team, detail=True), status=status.HTTP_201_CREATED)


class TeamDetailApi(ApiView):
    def _load(self, request: Request, pk: int) -> Team:
        policy.require(self.actor, "users.view")
        return policy.access_object(selectors.teams_visible_to(self.actor), self.actor, pk)

    @extend_schema(responses={200: s.TeamDetailOutput})
    def get(self, request: Request, pk: int) -> Response:
        team = self._load(request, pk)
        return concurrency.with_etag(Response(_team_out(team, detail=True)), team)

    @extend_schema(request=s.TeamUpdateInput, responses={200: s.TeamDetailOutput})
    def patch(self, request: Request, pk: int) -> Response:
        team = self._load(request, pk)
        policy.require(self.actor, "teams.manage", team)
        concurrency.check_if_match(request, team)
        data = s.TeamUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        changes: dict[str, Any] = {}
        if "name" in data.validated_data:
            changes["name"] = data.validated_data["name"]
        if "escalation_team" in data.validated_data:
            changes["escalation_team_id"] = data.validated_data["escalation_team"]
        team = tenancy.team_update(actor=self.actor, team=team, **changes)
        team = self._load(request, pk)
        return concurrency.with_etag(Response(_team_out(team, detail=True)), team)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        team = self._load(request, pk)
        tenancy.team_delete(actor=self.actor, team=team)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TeamMemberApi(ApiView):
    def _load(self, request: Request, pk: int, user_id: int) -> tuple[Team, User]:
        policy.require(self.actor, "users.view")
        team = policy.access_object(selectors.teams_visible_to(self.actor), self.actor, pk)
        policy.require(self.actor, "teams.manage", team)
        user = policy.access_object(selectors.users_visible_to(self.actor), self.actor, user_id)
        return team, user

    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request, pk: int, user_id: int) -> Response:
        team, user = self._load(request, pk, user_id)
        tenancy.team_member_add(actor=self.actor, team=team, user=user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: int, user_id: int) -> Response:
        team, user = self._load(request, pk, user_id)
        tenancy.team_member_remove(actor=self.actor, team=team, user=user)
        return Response(status=status.HTTP_204_NO_CONTENT)
