"""The rules API (admin only, `rules.manage`): parse, authorize, call one service, present."""

from __future__ import annotations

from typing import ClassVar

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from ruledesk import errors
from ruledesk.access import policy
from ruledesk.api.base import ApiView, ListApiView
from rules_engine import selectors, services
from rules_engine.api import serializers as s
from rules_engine.selectors import MANAGE, traces_fill
from rules_engine.vocabulary import vocabulary


class RuleListApi(ListApiView):
    ordering: ClassVar[tuple[str, ...]] = ("position", "id")

    @extend_schema(responses={200: s.RuleOutput(many=True)})
    def get(self, request: Request) -> Response:
        policy.require(self.actor, MANAGE)
        return self.paginate(request, selectors.rules_visible_to(self.actor), s.rule_out)

    @extend_schema(request=s.RuleInput, responses={201: s.RuleOutput})
    def post(self, request: Request) -> Response:
        policy.require(self.actor, MANAGE)
        data = s.RuleInput(data=request.data)
        data.is_valid(raise_exception=True)
        rule = services.rule_create(actor=self.actor, data=data.validated_data)
        return Response(s.rule_out(rule), status=status.HTTP_201_CREATED)


class RuleDetailApi(ApiView):
    @extend_schema(responses={200: s.RuleOutput})
    def get(self, request: Request, pk: int) -> Response:
        return Response(s.rule_out(selectors.access_rule(self.actor, pk)))

    @extend_schema(request=s.RulePatchInput, responses={200: s.RuleOutput})
    def patch(self, request: Request, pk: int) -> Response:
        rule = selectors.access_rule(self.actor, pk)
        data = s.RulePatchInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.rule_update(actor=self.actor, rule=rule, data=data.validated_data)
        return Response(s.rule_out(selectors.access_rule(self.actor, pk)))

    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        services.rule_delete(actor=self.actor, rule=selectors.access_rule(self.actor, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class RuleVocabularyApi(ApiView):
    @extend_schema(responses={200: s.VocabularyOutput})
    def get(self, request: Request) -> Response:
        policy.require(self.actor, MANAGE)
        return Response(vocabulary())


class RuleDryRunApi(ApiView):
    @extend_schema(request=s.DryRunInput, responses={200: s.DryRunOutput})
    def post(self, request: Request, pk: int) -> Response:
        rule = selectors.access_rule(self.actor, pk)
        data = s.DryRunInput(data=request.data)
        data.is_valid(raise_exception=True)
        ticket = selectors.dry_run_ticket(self.actor, data.validated_data["ticket"])
        result = services.rule_dry_run(
            actor=self.actor, definition=services.rule_definition(rule), ticket=ticket
        )
        return Response(result)


class DraftDryRunApi(ApiView):
    @extend_schema(
        operation_id="v1_rules_dry_run_draft",
        request=s.DraftDryRunInput,
        responses={200: s.DryRunOutput},
    )
    def post(self, request: Request) -> Response:
        policy.require(self.actor, MANAGE)
        data = s.DraftDryRunInput(data=request.data)
        data.is_valid(raise_exception=True)
        draft = data.validated_data["rule"]
        ticket = selectors.dry_run_ticket(self.actor, data.validated_data["ticket"])
        definition = {
            "event": draft["event"],
            "schedule": draft.get("schedule"),
            "conditions": draft.get("conditions", {"all": []}),
            "actions": draft.get("actions", []),
        }
        try:
            result = services.rule_dry_run(actor=self.actor, definition=definition, ticket=ticket)
        except errors.ValidationFailed as exc:
            raise errors.ValidationFailed(
                exc.detail,
                errors=[
                    errors.FieldError(f"rule.{e.field}", e.code, e.message) for e in exc.errors
                ],
            ) from None
        return Response(result)


class RuleExecutionListApi(ListApiView):
    @extend_schema(responses={200: s.ExecutionOutput(many=True)})
    def get(self, request: Request, pk: int) -> Response:
        executions = selectors.executions_of_rule(self.actor, pk)
        slug = self.organization.slug
        return self.paginate(
            request, executions, lambda e: s.execution_out(e, slug), prepare=traces_fill
        )


class TicketRuleExecutionListApi(ListApiView):
    @extend_schema(responses={200: s.ExecutionOutput(many=True)})
    def get(self, request: Request, pk: int) -> Response:
        executions = selectors.executions_of_ticket(self.actor, pk)
        slug = self.organization.slug
        return self.paginate(
            request, executions, lambda e: s.execution_out(e, slug), prepare=traces_fill
        )
