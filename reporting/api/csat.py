"""CSAT (api.md): `POST /tickets/{id}/csat-request` for staff, `GET|POST /csat/{token}` public.

The public routes take no authentication at all (a stale session or bearer token is
ignored, and no CSRF applies: the token in the path is the credential). Writes are still
rate limited per client IP.
"""

from __future__ import annotations

from typing import Any, ClassVar

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from reporting import csat
from ruledesk.api.base import ApiView, StrictSerializer
from ruledesk.api.fields import BooleanField
from workflows import numbering
from workflows.selectors import access_ticket


class JsonInteger(serializers.IntegerField):
    """A JSON integer only: "5", 4.0, 4.5 and true are wrong types (api.md, bad input)."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return int(super().to_internal_value(data))


class CsatRequestInput(StrictSerializer):
    expires_in_minutes = JsonInteger(min_value=1, max_value=csat.MAX_MINUTES, required=False)


class CsatRequestOutput(serializers.Serializer):  # type: ignore[type-arg]
    token = serializers.CharField()
    url = serializers.URLField()
    expires_at = serializers.DateTimeField()


class CsatSurveyOutput(serializers.Serializer):  # type: ignore[type-arg]
    ticket_number = serializers.CharField()
    title = serializers.CharField()
    already_answered = BooleanField()


class CsatAnswerInput(StrictSerializer):
    score = JsonInteger(min_value=1, max_value=5)
    comment = serializers.CharField(
        max_length=csat.COMMENT_MAX, required=False, allow_blank=True, default=""
    )


class CsatAnswerOutput(serializers.Serializer):  # type: ignore[type-arg]
    ticket_number = serializers.CharField()
    score = serializers.IntegerField()
    answered_at = serializers.DateTimeField()


class CsatRequestApi(ApiView):
    """Send the requester a survey link now (agents and admins: `ticket.update`)."""

    @extend_schema(request=CsatRequestInput, responses={201: CsatRequestOutput})
    def post(self, request: Request, pk: int) -> Response:
        ticket = access_ticket(self.actor, pk, "ticket.update")
        data = CsatRequestInput(data=request.data)
        data.is_valid(raise_exception=True)
        issued = csat.csat_request(
            actor=self.actor,
            ticket=ticket,
            expires_in_minutes=data.validated_data.get("expires_in_minutes"),
        )
        body = {"token": issued.token, "url": issued.url, "expires_at": issued.expires_at}
        return Response(body, status=status.HTTP_201_CREATED)


def _number(survey: Any) -> str:
    ticket = survey.ticket
    return numbering.display_number(ticket.organization.slug, ticket.number)


class CsatPublicApi(ApiView):
    """The survey a link names; no sign-in. 404 unknown, 410 expired, 409 answered twice."""

    error_statuses: ClassVar[dict[str, list[int]]] = {"get": [410], "post": [409, 410]}

    def get_authenticators(self) -> list[Any]:
        return []

    def get_permissions(self) -> Any:
        return [AllowAny()]

    @extend_schema(responses={200: CsatSurveyOutput}, auth=[])
    def get(self, request: Request, token: str) -> Response:
        survey = csat.survey_find(token)
        return Response(
            {
                "ticket_number": _number(survey),
                "title": survey.ticket.title,
                "already_answered": csat.ticket_answered(survey),
            }
        )

    @extend_schema(request=CsatAnswerInput, responses={201: CsatAnswerOutput}, auth=[])
    def post(self, request: Request, token: str) -> Response:
        csat.survey_find(token)  # 404 / 410 before judging the body
        data = CsatAnswerInput(data=request.data)
        data.is_valid(raise_exception=True)
        survey = csat.csat_answer(
            token=token,
            score=data.validated_data["score"],
            comment=data.validated_data["comment"],
        )
        body = {
            "ticket_number": _number(survey),
            "score": survey.score,
            "answered_at": survey.answered_at,
        }
        return Response(body, status=status.HTTP_201_CREATED)
