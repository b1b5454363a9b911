"""What the validation modules share: limits, the References protocol, small checks."""

from __future__ import annotations

from typing import Any, Protocol

from ruledesk.errors import FieldError, StrOrPromise

GROUPS = ("all", "any", "not")
LEAF_KEYS = frozenset({"field", "operator", "value"})
_MAX_ID = 2**63 - 1
_MAX_NUMBER = 1e12


class References(Protocol):
    """Which ids exist in the rule's organization (kind: category, team, agent, user, template, sla_policy)."""

    def exists(self, kind: str, ident: int) -> bool: ...


# --- helpers ------------------------------------------------------------------------


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_id(value: Any) -> bool:
    return _is_int(value) and 0 < value <= _MAX_ID


def _err(field: str, code: str, message: StrOrPromise) -> FieldError:
    return FieldError(field=field, code=code, message=message)
