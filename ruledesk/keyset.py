"""Keyset pagination, for any interface: one indexed query per page, at any depth.

A list names its order as a tuple of sort keys ending with `id` (the tie-breaker that
makes the order total), e.g. `("-created_at", "-id")` or `("priority_rank", "id")`.
The cursor carries the full key of a boundary row: the last row of the page for `next`,
the first for `previous`. The following page is then the rows strictly beyond that key,
written as one PostgreSQL row-value comparison,

    WHERE (priority_rank, id) > (2, 4711) ORDER BY priority_rank, id LIMIT 26

which an index on (..., priority_rank, id) answers as a single range scan: the cost of a
page does not depend on its depth, and rows inserted meanwhile neither shift nor repeat
the rows of later pages (api.md: `next` stays stable while rows are inserted).

NULLs: a key may declare `null_as`, an expression that sorts after every real value
(`'infinity'` for timestamps); the key then compares as `COALESCE(field, null_as)`, so
NULLs sort last and the comparison stays one row comparison an expression index serves.
A nullable key without `null_as` still pages correctly (NULLs last in the list's order)
through an expanded OR predicate, which PostgreSQL cannot turn into a single range.
Keys of mixed directions are expanded the same way.

The cursor is opaque: base64 of JSON signed with the project's secret (salted), checked
field by field on the way back in; anything else is a `ValidationFailed` on `cursor`
(400 in the API), never a 500.

This module knows nothing of HTTP: `page()` takes the cursor token and the page size and
returns the rows with the tokens of the neighbouring pages; the REST API's
`ruledesk.api.pagination.CursorPagination` and the portal turn those into links.
`ruledesk.offset_pages` pages a short list built in Python (a ticket's history) alike.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.core import signing
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.db.models import Expression, F, Q, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from ruledesk import errors

DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 100
MAX_CURSOR_LENGTH = 2000
# The salt predates this module (it lived in ruledesk/api/pagination.py); changing it
# would invalidate every cursor a client holds.
_SALT = "ruledesk.api.pagination.cursor"


# --- page size and cursor tokens -----------------------------------------------------------


def page_size(params: Mapping[str, Any], param: str = "page_size") -> int:
    """`page_size` from query parameters: default 25, at least 1, larger values capped at 100."""
    raw = params.get(param)
    if raw is None:
        return DEFAULT_PAGE_SIZE
    try:
        size = int(raw)
    except (TypeError, ValueError):
        raise errors.ValidationFailed.on(param, _("Must be an integer.")) from None
    if size < 1:
        raise errors.ValidationFailed.on(param, _("Must be at least 1."))
    return min(size, MAX_PAGE_SIZE)


def invalid_cursor() -> errors.ValidationFailed:
    return errors.ValidationFailed.on("cursor", _("Invalid cursor."))


def encode_token(payload: dict[str, Any]) -> str:
    """An opaque, URL-safe token for `payload` (JSON), signed so it cannot be forged."""
    signed = signing.Signer(salt=_SALT).sign_object(payload)
    return base64.urlsafe_b64encode(signed.encode()).decode().rstrip("=")


def decode_token(raw: str) -> dict[str, Any]:
    """The payload of a token from `encode_token`; anything else is a 400 on `cursor`."""
    if not raw or len(raw) > MAX_CURSOR_LENGTH:
        raise invalid_cursor()
    try:
        padded = raw.encode("ascii") + b"=" * (-len(raw) % 4)
        signed = base64.b64decode(padded, altchars=b"-_", validate=True).decode("ascii")
        payload = signing.Signer(salt=_SALT).unsign_object(signed)
    except (ValueError, binascii.Error, UnicodeError, signing.BadSignature):
        raise invalid_cursor() from None
    if not isinstance(payload, dict):
        raise invalid_cursor()
    return payload


# --- sort keys and the keyset predicate ---------------------------------------------------


@dataclass(frozen=True)
class SortKey:
    """One column of a list's order: a concrete model field, its direction, how NULL sorts."""

    field: str
    descending: bool = False
    # An expression sorting after every real value; NULLs then sort as it (last, ascending).
    null_as: Expression | None = None

    @classmethod
    def parse(cls, spec: str | SortKey) -> SortKey:
        if isinstance(spec, SortKey):
            return spec
        return cls(spec.removeprefix("-"), descending=spec.startswith("-"))

    @property
    def spec(self) -> str:
        return ("-" if self.descending else "") + self.field


@dataclass(frozen=True)
class Key:
    """A SortKey bound to its model field."""

    sort: SortKey
    model_field: models.Field  # type: ignore[type-arg]

    @property
    def nullable(self) -> bool:
        """NULLs that the comparison must handle apart (no `null_as` to stand in for them)."""
        return bool(self.model_field.null) and self.sort.null_as is None

    def expression(self) -> Expression:
        column = F(self.sort.field)
        if self.sort.null_as is not None:
            return Coalesce(column, self.sort.null_as, output_field=self.model_field)
        return column  # type: ignore[return-value]

    def value(self, raw: Any) -> Expression:
        if raw is None and self.sort.null_as is not None:
            return self.sort.null_as
        return Value(raw, output_field=self.model_field)

    def order_by(self, reverse: bool) -> Any:
        """The ORDER BY term; NULLs come last in the list's order, first when walking back."""
        descending = self.sort.descending != reverse
        expression = self.expression()
        nulls = (
            {} if not self.nullable else {"nulls_first": True} if reverse else {"nulls_last": True}
        )
        return expression.desc(**nulls) if descending else expression.asc(**nulls)


def keys_bind(model: type[models.Model], ordering: Sequence[str | SortKey]) -> list[Key]:
    """The ordering's keys bound to `model`'s fields; a misdeclared ordering is a bug."""
    sort_keys = [SortKey.parse(spec) for spec in ordering]
    if not sort_keys or sort_keys[-1].field not in ("id", "pk") or sort_keys[-1].null_as:
        raise ImproperlyConfigured("A keyset ordering must end with id, the tie-breaker.")
    bound = []
    for key in sort_keys:
        name = model._meta.pk.name if key.field == "pk" else key.field
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            raise ImproperlyConfigured(f"{model.__name__} has no field {name!r}.") from None
        if not isinstance(field, models.Field) or not field.concrete or field.is_relation:
            raise ImproperlyConfigured(f"Cannot page on {model.__name__}.{name}.")
        bound.append(Key(SortKey(field.attname, key.descending, key.null_as), field))
    return bound


def signature(keys: list[Key]) -> str:
    """The ordering as a cursor records it: a cursor of another ordering is refused."""
    return ",".join(key.sort.spec for key in keys)


class RowComparison(Expression):
    """`(a, b, c) > (x, y, z)`: PostgreSQL's row-value comparison, usable as an index range."""

    conditional = True
    OPERATORS = ("<", "<=", "=", ">=", ">")

    def __init__(self, lhs: Sequence[Any], operator: str, rhs: Sequence[Any]) -> None:
        if operator not in self.OPERATORS or len(lhs) != len(rhs) or not lhs:
            raise ValueError("A row comparison needs one known operator and rows of equal length.")
        super().__init__(output_field=models.BooleanField())
        self.lhs, self.operator, self.rhs = list(lhs), operator, list(rhs)

    def get_source_expressions(self) -> list[Any]:
        return [*self.lhs, *self.rhs]

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        count = len(self.lhs)
        self.lhs, self.rhs = list(exprs[:count]), list(exprs[count:])

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        sides: list[str] = []
        params: list[Any] = []
        for row in (self.lhs, self.rhs):
            parts = []
            for expression in row:
                sql, expression_params = compiler.compile(expression)
                parts.append(sql)
                params.extend(expression_params)
            sides.append(f"({', '.join(parts)})")
        return f"{sides[0]} {self.operator} {sides[1]}", tuple(params)


def beyond(keys: list[Key], values: list[Any], forward: bool, inclusive: bool) -> Q:
    """Rows strictly after (`forward`) or before the boundary row in the list's order.

    A run of same-direction keys without NULLs becomes one row comparison; `inclusive`
    also admits the boundary row itself (its key ends with the unique id).
    """
    key = keys[0]
    if key.nullable:
        raw = values[0]
        rest = beyond(keys[1:], values[1:], forward, inclusive)
        column = key.sort.field
        if raw is None:  # NULLs sort last: nothing non-null lies after a NULL, all lies before
            same = Q(**{f"{column}__isnull": True}) & rest
            return same if forward else Q(**{f"{column}__isnull": False}) | same
        ahead = "gt" if key.sort.descending != forward else "lt"
        after = Q(**{f"{column}__{ahead}": raw})
        if forward:
            after |= Q(**{f"{column}__isnull": True})
        return after | (Q(**{column: raw}) & rest)

    def operator(k: Key) -> str:
        return ">" if k.sort.descending != forward else "<"

    run = 1
    while run < len(keys) and not keys[run].nullable and operator(keys[run]) == operator(key):
        run += 1
    lhs = [k.expression() for k in keys[:run]]
    rhs = [k.value(v) for k, v in zip(keys[:run], values[:run], strict=True)]
    if run == len(keys):
        return Q(RowComparison(lhs, operator(key) + ("=" if inclusive else ""), rhs))
    rest = beyond(keys[run:], values[run:], forward, inclusive)
    return Q(RowComparison(lhs, operator(key), rhs)) | (Q(RowComparison(lhs, "=", rhs)) & rest)


def to_json(value: Any) -> Any:
    """A key value as JSON, losslessly (datetimes keep their microseconds)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal | UUID | float):
        return str(value)
    raise ImproperlyConfigured(f"Cannot page on a key of type {type(value).__name__}.")


# --- cursors and pages ----------------------------------------------------------------------


@dataclass(frozen=True)
class Cursor:
    values: list[Any]
    reverse: bool = False  # walking back: the rows before the boundary
    inclusive: bool = False  # the boundary row itself belongs to the page


def cursor_encode(keys: list[Key], cursor: Cursor) -> str:
    payload: dict[str, Any] = {"o": signature(keys), "v": cursor.values}
    if cursor.reverse:
        payload["r"] = 1
    if cursor.inclusive:
        payload["i"] = 1
    return encode_token(payload)


def cursor_decode(raw: str | None, keys: list[Key]) -> Cursor | None:
    """The cursor a token holds for this ordering (None without one); a bad one is a 400."""
    if raw is None:
        return None
    payload = decode_token(raw)
    values = payload.get("v")
    flags = (payload.get("r", 0), payload.get("i", 0))
    if (
        set(payload) - {"o", "v", "r", "i"}
        or payload.get("o") != signature(keys)
        or not isinstance(values, list)
        or len(values) != len(keys)
        or any(flag not in (0, 1) for flag in flags)
    ):
        raise invalid_cursor()
    return Cursor(
        [_key_value(key, raw_value) for key, raw_value in zip(keys, values, strict=True)],
        reverse=bool(flags[0]),
        inclusive=bool(flags[1]),
    )


def _key_value(key: Key, raw: Any) -> Any:
    """A cursor value back as the field's Python value; unusable ones are a 400."""
    if raw is None:
        if not key.model_field.null:
            raise invalid_cursor()
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | str) or len(str(raw)) > 100:
        raise invalid_cursor()
    try:
        value = key.model_field.to_python(raw)
        key.model_field.run_validators(value)  # e.g. the column's integer range
    except (DjangoValidationError, ValueError, TypeError, OverflowError):
        raise invalid_cursor() from None
    if isinstance(value, datetime) and value.tzinfo is None:
        raise invalid_cursor()
    if isinstance(value, int) and not -(2**63) <= value < 2**63:
        raise invalid_cursor()
    return value


@dataclass(frozen=True)
class Page:
    """One page of rows, in the list's order, with the tokens of its neighbours (or None)."""

    rows: list[Any]
    next: str | None
    previous: str | None


def page(
    queryset: models.QuerySet[Any],
    ordering: Sequence[str | SortKey],
    *,
    cursor: str | None,
    size: int,
) -> Page:
    """The page of `queryset` in `ordering` at `cursor` (a token of `Page.next`/`previous`)."""
    keys = keys_bind(queryset.model, ordering)
    position = cursor_decode(cursor, keys)
    reverse = position is not None and position.reverse
    queryset = queryset.order_by(*(key.order_by(reverse) for key in keys))
    if position is not None:
        queryset = queryset.filter(
            beyond(keys, position.values, forward=not reverse, inclusive=position.inclusive)
        )
    rows = list(queryset[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    if reverse:
        rows.reverse()
    has_next, has_previous = (True, more) if reverse else (more, position is not None)
    first = _values(keys, rows[0]) if rows else None
    last = _values(keys, rows[-1]) if rows else None
    boundary = [to_json(v) for v in position.values] if position is not None else None
    next_token = previous_token = None
    if has_next and (last or boundary):
        # After the last row; after an empty backward page, from the boundary on.
        next_token = cursor_encode(keys, Cursor(last or boundary or [], inclusive=last is None))
    if has_previous and (first or boundary):
        previous_token = cursor_encode(
            keys, Cursor(first or boundary or [], reverse=True, inclusive=first is None)
        )
    return Page(rows, next_token, previous_token)


def _values(keys: list[Key], row: Any) -> list[Any]:
    return [to_json(getattr(row, key.sort.field)) for key in keys]
