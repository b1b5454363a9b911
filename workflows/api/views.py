"""Tickets, transitions, reopen approvals, comments and history."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from ruledesk import errors
from ruledesk.access import policy
from ruledesk.api import concurrency
from ruledesk.api.base import ApiView, ListApiView
from ruledesk.api.errors import problem_body
from ruledesk.api.pagination import CursorPagination
from workflows import selectors, services, ticket_filters
from workflows.api import history
from workflows.api import serializers as s
from workflows.api.presenters import approval_out, comment_out, ticket_out, ticket_rows_out
from workflows.history import history_visible_to
from workflows.models import ReopenApproval, Ticket
from workflows.services import bulk

_LIST_PARAMS = [
    OpenApiParameter(name, OpenApiTypes.STR) for name in ticket_filters.FILTER_NAMES
] + [
    OpenApiParameter(
        "ordering",
        OpenApiTypes.STR,
        enum=list(ticket_filters.ORDERINGS),
        description=(
            "Sort order (default `-created_at`); ties break on id in the same direction. "
            "`resolution_due_at` lists tickets without a deadline last."
        ),
    )
]


class TicketListApi(ListApiView):
    @extend_schema(parameters=_LIST_PARAMS, responses={200: s.TicketOutput(many=True)})
    def get(self, request: Request) -> Response:
        actor = self.actor
        tickets = ticket_filters.apply(
            selectors.tickets_visible_to(actor), request.query_params, actor
        )
        ordering = ticket_filters.ordering(request.query_params)
        # Keyset page on one table, then the page's rows with their relations by id
        # (selectors.page_keys explains why two queries are cheaper than one here).
        paginator = self.pagination_class()
        paginator.ordering = ordering
        page = paginator.paginate_queryset(
            selectors.page_keys(tickets, ordering), request, view=self
        )
        return paginator.get_paginated_response(ticket_rows_out(selectors.page_rows(page), actor))

    @extend_schema(request=s.TicketCreateInput, responses={201: s.TicketOutput})
    def post(self, request: Request) -> Response:
        data = s.TicketCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        ticket = services.ticket_create(
            actor=self.actor,
            title=v["title"],
            description=v["description"],
            priority=v["priority"],
            category_id=v.get("category"),
            tags=v.get("tags"),
            channel="api",
            **{f"{k}_id": v[k] for k in ("assignee", "team") if k in v},
        )
        # The 201 is the ticket as just written, not read back: rules act on it later, in
        # the worker, after this commit (tests compare it with the GET that follows). Only
        # tags, sent by staff, are read back, for the detail's order by name.
        if v.get("tags"):
            [body] = ticket_rows_out(selectors.ticket_row(self.actor, ticket.pk), self.actor)
        else:
            body = ticket_out(ticket, self.actor, tags=[])
        return Response(body, status=status.HTTP_201_CREATED)


class TicketDetailApi(ApiView):
    @extend_schema(responses={200: s.TicketOutput})
    def get(self, request: Request, pk: int) -> Response:
        # Rows, not models (selectors.ticket_row); the ETag needs only the id and updated_at.
        [body] = ticket_rows_out(selectors.ticket_row(self.actor, pk), self.actor)
        stamp = Ticket(pk=body["id"], updated_at=body["updated_at"])
        return concurrency.with_etag(Response(body), stamp)

    @extend_schema(request=s.TicketUpdateInput, responses={200: s.TicketOutput})
    def patch(self, request: Request, pk: int) -> Response:
        ticket = selectors.access_ticket(self.actor, pk)
        if isinstance(request.data, dict) and "status" in request.data:
            raise errors.ValidationFailed.on(
                "status",
                _("Status changes go through POST /tickets/{id}/transitions."),
                "read_only",
            )
        data = s.TicketUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        concurrency.check_if_match(request, ticket)
        changes = {
            (
                "category_id"
                if k == "category"
                else "assignee_id"
                if k == "assignee"
                else "team_id"
                if k == "team"
                else k
            ): v
            for k, v in data.validated_data.items()
        }
        services.ticket_update(actor=self.actor, ticket=ticket, **changes)
        ticket = selectors.access_ticket(self.actor, pk)
        return concurrency.with_etag(Response(ticket_out(ticket, self.actor)), ticket)


class TicketTransitionsApi(ApiView):
    @extend_schema(responses={200: s.TransitionOutput(many=True)})
    def get(self, request: Request, pk: int) -> Response:
        ticket = selectors.access_ticket(self.actor, pk)
        specs = services.transitions_available(actor=self.actor, ticket=ticket)
        return Response(
            [
                {"name": x.name, "target": x.target, "requires_reason": x.requires_reason}
                for x in specs
            ]
        )

    @extend_schema(
        request=s.TransitionInput, responses={200: s.TicketOutput, 202: s.ApprovalEnvelope}
    )
    def post(self, request: Request, pk: int) -> Response:
        ticket = selectors.access_ticket(self.actor, pk)
        data = s.TransitionInput(data=request.data)
        data.is_valid(raise_exception=True)
        result = services.ticket_transition(
            actor=self.actor,
            ticket=ticket,
            name=data.validated_data["name"],
            reason=data.validated_data["reason"],
        )
        if isinstance(result, ReopenApproval):
            return Response(
                {"approval": approval_out(result, self.actor)}, status=status.HTTP_202_ACCEPTED
            )
        ticket = selectors.access_ticket(self.actor, pk)
        return Response(ticket_out(ticket, self.actor))


class ReopenApprovalListApi(ListApiView):
    """The ticket's reopen requests, newest first."""

    @extend_schema(responses={200: s.ApprovalOutput(many=True)})
    def get(self, request: Request, pk: int) -> Response:
        ticket = selectors.access_ticket(self.actor, pk, "ticket.reopen.approve")
        approvals = ticket.reopen_approvals.select_related("requested_by")
        return self.paginate(request, approvals, lambda a: approval_out(a, self.actor))


class ReopenApprovalDecisionApi(ApiView):
    decision = ""

    @extend_schema(request=None, responses={200: s.ApprovalOutput})
    def post(self, request: Request, pk: int, approval_id: int) -> Response:
        ticket = selectors.access_ticket(self.actor, pk, "ticket.reopen.approve")
        approval = ticket.reopen_approvals.filter(pk=approval_id).first()
        if approval is None:
            raise errors.NotFound()
        approval = services.reopen_approval_decide(
            actor=self.actor, approval=approval, approve=self.decision == "approve"
        )
        return Response(approval_out(approval, self.actor))


class CommentListApi(ListApiView):
    ordering = ("created_at", "id")

    @extend_schema(responses={200: s.CommentOutput(many=True)})
    def get(self, request: Request, pk: int) -> Response:
        ticket = selectors.access_ticket(self.actor, pk)
        comments = selectors.comments_visible_to(self.actor, ticket)
        return self.paginate(request, comments, lambda c: comment_out(c, self.actor))

    @extend_schema(request=s.CommentInput, responses={201: s.CommentOutput})
    def post(self, request: Request, pk: int) -> Response:
        ticket = selectors.access_ticket(self.actor, pk)
        data = s.CommentInput(data=request.data)
        data.is_valid(raise_exception=True)
        comment = services.comment_create(actor=self.actor, ticket=ticket, **data.validated_data)
        return Response(comment_out(comment, self.actor), status=status.HTTP_201_CREATED)


class CommentDetailApi(ApiView):
    @extend_schema(responses={200: s.CommentOutput})
    def get(self, request: Request, pk: int, comment_id: int) -> Response:
        ticket = selectors.access_ticket(self.actor, pk)
        comment = selectors.comments_visible_to(self.actor, ticket).filter(pk=comment_id).first()
        if comment is None:
            raise errors.NotFound()
        return Response(comment_out(comment, self.actor))


class TicketHistoryApi(ApiView):
    # history.page() answers the cursor-page shape; this documents it as paginated.
    pagination_class = CursorPagination

    @extend_schema(responses={200: s.HistoryEntryOutput(many=True)})
    def get(self, request: Request, pk: int) -> Response:
        ticket = selectors.access_ticket(self.actor, pk)
        entries = history_visible_to(self.actor, ticket)
        return Response(history.page(request, entries, ticket, self.actor))


class TicketBulkApi(ApiView):
    @extend_schema(request=s.BulkInput, responses={200: s.BulkOutput})
    def post(self, request: Request) -> Response:
        policy.require(self.actor, "ticket.bulk")
        data = s.BulkInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = dict(data.validated_data)
        ids, action = v.pop("ids"), v.pop("action")
        results = bulk.tickets_bulk(actor=self.actor, ids=ids, action=action, params=v)
        return Response({"results": [_bulk_item(r) for r in results]})


def _bulk_item(result: bulk.ItemResult) -> dict[str, Any]:
    if result.error is None:
        return {"id": result.id, "ok": True}
    exc = result.error
    return {"id": result.id, "ok": False, "error": problem_body(exc.status, exc.code, exc.detail)}
