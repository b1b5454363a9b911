"""The REST API's cursor pagination: `ruledesk.keyset` pages, presented as links.

`?page_size=N` (default 25, capped at 100) and `?cursor=` (opaque, from the `next` or
`previous` link of a page). The keyset itself (sort keys, cursors, the row-value
predicate) lives in `ruledesk/keyset.py`, which the portal uses too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from ruledesk import keyset
from ruledesk.keyset import SortKey


def link(request: Request, param: str, token: str | None) -> str | None:
    """The request's own URL with `param` set to `token` (None without a token)."""
    if token is None:
        return None
    return replace_query_param(request.build_absolute_uri(), param, token)


class CursorPagination(BasePagination):
    """Keyset pages over `ordering` (set per list by `ListApiView.paginate`)."""

    page_size = keyset.DEFAULT_PAGE_SIZE
    max_page_size = keyset.MAX_PAGE_SIZE
    page_size_query_param = "page_size"
    cursor_query_param = "cursor"
    ordering: Sequence[str | SortKey] = ("-created_at", "-id")

    def __init__(self) -> None:
        self.next_link: str | None = None
        self.previous_link: str | None = None

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> list[Any]:
        params = request.query_params
        result = keyset.page(
            queryset,
            self.ordering,
            cursor=params.get(self.cursor_query_param),
            size=keyset.page_size(params, self.page_size_query_param),
        )
        self.next_link = link(request, self.cursor_query_param, result.next)
        self.previous_link = link(request, self.cursor_query_param, result.previous)
        return result.rows

    def get_paginated_response(self, data: Any) -> Response:
        return Response({"results": data, "next": self.next_link, "previous": self.previous_link})

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["results", "next", "previous"],
            "properties": {
                "next": {"type": ["string", "null"], "format": "uri"},
                "previous": {"type": ["string", "null"], "format": "uri"},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": (
                    "Opaque position, taken from the `next` or `previous` link of a page "
                    "(keyset pagination: pages stay stable while rows are inserted). "
                    "A cursor that was altered or belongs to another ordering answers 400."
                ),
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": "Results per page (default 25, at most 100).",
                "schema": {"type": "integer", "minimum": 1},
            },
        ]
