"""Keyset (cursor) pagination: `?page_size=N` (default 25, capped at 100)."""

from __future__ import annotations

import binascii
from base64 import b64decode
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from rest_framework import pagination
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request


class CursorPagination(pagination.CursorPagination):
    page_size = 25
    max_page_size = 100
    page_size_query_param = "page_size"
    ordering = ("-created_at", "-id")
    _model: type[models.Model] | None = None

    def paginate_queryset(
        self, queryset: Any, request: Request, view: Any = None
    ) -> list[Any] | None:
        self._model = getattr(queryset, "model", None)
        return super().paginate_queryset(queryset, request, view)

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            raise ValidationError({"page_size": ["Must be an integer."]}) from None
        if size < 1:
            raise ValidationError({"page_size": ["Must be at least 1."]})
        return min(size, self.max_page_size)

    def decode_cursor(self, request: Request) -> Any:
        encoded = request.query_params.get(self.cursor_query_param)
        if encoded is not None:
            try:  # DRF's decoder silently drops non-base64 characters; refuse them instead.
                b64decode(encoded.encode("ascii"), validate=True)
            except (ValueError, binascii.Error):
                raise ValidationError({"cursor": ["Invalid cursor."]}) from None
        try:
            cursor = super().decode_cursor(request)
        except NotFound:
            raise ValidationError({"cursor": ["Invalid cursor."]}) from None
        if cursor is not None and cursor.position is not None:
            self._check_position(cursor.position)
        return cursor

    def _check_position(self, position: Any) -> None:
        """A forged position must be a 400, not a lookup error (500) in the keyset filter."""
        if self._model is None:
            return
        first = self.ordering if isinstance(self.ordering, str) else self.ordering[0]
        name = first.lstrip("-")
        try:
            field = self._model._meta.get_field(name)
        except FieldDoesNotExist:
            return
        if not isinstance(field, models.Field):
            return
        try:
            field.to_python(position)
        except (DjangoValidationError, ValueError, TypeError):
            raise ValidationError({"cursor": ["Invalid cursor."]}) from None

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
                "name": "cursor",
                "required": False,
                "in": "query",
                "description": "The pagination cursor value.",
                "schema": {"type": "string"},
            },
            {
                "name": "page_size",
                "required": False,
                "in": "query",
                "description": "Results per page (default 25, at most 100).",
                "schema": {"type": "integer", "minimum": 1},
            },
        ]
