"""Validation of a rule's condition tree (all/any/not groups and typed leaves)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from ruledesk.errors import FieldError
from rules_engine import vocabulary as v
from rules_engine.validation.common import (
    _MAX_NUMBER,
    GROUPS,
    LEAF_KEYS,
    _err,
    _is_id,
)

# --- Conditions ---------------------------------------------------------------------


def validate_conditions(conditions: Any, path: str = "conditions") -> list[FieldError]:
    errors: list[FieldError] = []
    counter = [0]
    _node(conditions, path, 0, errors, counter)
    if counter[0] > v.MAX_CONDITIONS:
        errors.append(
            _err(
                path,
                "too_many",
                _("At most %(max)s conditions in one rule.") % {"max": v.MAX_CONDITIONS},
            )
        )
    return errors


def _node(node: Any, path: str, depth: int, errors: list[FieldError], counter: list[int]) -> None:
    if not isinstance(node, Mapping):
        errors.append(_err(path, "invalid", _("A condition is an object.")))
        return
    groups = [key for key in GROUPS if key in node]
    if groups:
        if len(node) != 1:
            errors.append(_err(path, "invalid", _("A group has exactly one key: all, any or not.")))
            return
        key = groups[0]
        if depth + 1 > v.MAX_DEPTH:  # this group is the bad node, not its child
            errors.append(
                _err(
                    path,
                    "max_depth",
                    _("Groups nest at most %(max)s deep.") % {"max": v.MAX_DEPTH},
                )
            )
            return
        child = node[key]
        if key == "not":
            _node(child, f"{path}.not", depth + 1, errors, counter)
            return
        if not isinstance(child, list):
            errors.append(_err(f"{path}.{key}", "invalid", _("A list of conditions.")))
            return
        for index, item in enumerate(child):
            _node(item, f"{path}.{key}[{index}]", depth + 1, errors, counter)
        return
    counter[0] += 1
    _leaf(node, path, errors)


def _leaf(node: Mapping[str, Any], path: str, errors: list[FieldError]) -> None:
    unknown = [key for key in node if key not in LEAF_KEYS]
    for key in unknown:
        errors.append(_err(f"{path}.{key}", "unknown_field", _("Unknown field.")))
    name = node.get("field")
    field = v.FIELDS.get(name) if isinstance(name, str) else None
    if field is None:
        errors.append(_err(f"{path}.field", "invalid_choice", _("Unknown field.")))
        return
    operator = node.get("operator")
    if not isinstance(operator, str) or operator not in v.OPERATORS:
        errors.append(_err(f"{path}.operator", "invalid_choice", _("Unknown operator.")))
        return
    if operator not in field.operators:
        errors.append(
            _err(
                f"{path}.operator",
                "not_allowed",
                _("%(operator)s does not apply to %(field)s (%(type)s).")
                % {"operator": repr(operator), "field": field.name, "type": field.type},
            )
        )
        return
    value = node.get("value")
    vpath = f"{path}.value"
    if operator in v.VALUELESS:
        if value is not None:
            errors.append(
                _err(
                    vpath,
                    "not_allowed",
                    _("%(operator)s takes no value.") % {"operator": repr(operator)},
                )
            )
        return
    if "value" not in node:
        errors.append(_err(vpath, "required", _("A value is required.")))
        return
    if operator in v.LIST_VALUED:
        if not isinstance(value, list) or not value:
            errors.append(_err(vpath, "invalid", _("A non-empty list.")))
            return
        if len(value) > v.MAX_LIST_VALUES:
            errors.append(
                _err(vpath, "too_many", _("At most %(max)s values.") % {"max": v.MAX_LIST_VALUES})
            )
            return
        for index, item in enumerate(value):
            problem = _value_problem(field, operator, item)
            if problem:
                errors.append(_err(f"{vpath}[{index}]", "invalid", problem))
        return
    problem = _value_problem(field, operator, value)
    if problem:
        errors.append(_err(vpath, "invalid", problem))


def _value_problem(field: v.Field, operator: str, value: Any) -> str | None:
    """Why `value` does not fit `field` under `operator`, or None."""
    kind = field.type
    if value is None:
        if operator in ("changed_to", "changed_from") and kind in ("category", "team", "user"):
            return None  # "was unassigned" / "became unassigned"
        return _("A value is required.")
    if kind == "string" or kind == "tags":
        limit = v.MAX_TAG if kind == "tags" else v.MAX_STRING
        if not isinstance(value, str) or not value.strip():
            return _("A non-empty string.")
        if len(value) > limit:
            return _("At most %(max)s characters.") % {"max": limit}
        return None
    if kind == "choice":
        if not isinstance(value, str) or value not in field.choices:
            return _("One of: %(choices)s.") % {"choices": ", ".join(field.choices)}
        return None
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            return _("A number.")
        if not math.isfinite(value) or abs(value) > _MAX_NUMBER:
            return _("A finite number of reasonable size.")
        return None
    # category, team, user: ids
    if not _is_id(value):
        return _("An id (a positive integer).")
    return None
