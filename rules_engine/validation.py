"""Validation of a rule's definition: event, schedule, condition tree and actions.

Pure: objects a rule names (categories, teams, agents, templates, policies,
users) are checked through a `References` object, which the service backs by
the database and tests back by sets. Every error names the JSON path of the bad
node (`conditions.all[1].operator`, `actions[0].priority`), as api.md requires.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ruledesk.errors import FieldError, StrOrPromise
from rules_engine import vocabulary as v

GROUPS = ("all", "any", "not")
LEAF_KEYS = frozenset({"field", "operator", "value"})
_MAX_ID = 2**63 - 1
_MAX_NUMBER = 1e12


class References(Protocol):
    """Which ids exist in the rule's organization (kind: category, team, agent, user, template, sla_policy)."""

    def exists(self, kind: str, ident: int) -> bool: ...


def validate_definition(
    *,
    event: Any,
    schedule: Any,
    conditions: Any,
    actions: Any,
    refs: References | None,
) -> list[FieldError]:
    """All problems of one rule definition, each with the path of its node ([] when valid)."""
    errors: list[FieldError] = []
    errors += _event(event, schedule)
    errors += validate_conditions(conditions)
    errors += validate_actions(actions, refs)
    # PostgreSQL cannot store NUL in JSON text: refuse it wherever it hides.
    errors += _nul_strings(conditions, "conditions") + _nul_strings(actions, "actions")
    return errors


def _nul_strings(node: Any, path: str) -> list[FieldError]:
    if isinstance(node, str):
        return (
            [_err(path, "null_characters", _("Null characters are not allowed."))]
            if "\x00" in node
            else []
        )
    found: list[FieldError] = []
    if isinstance(node, Mapping):
        for key, child in node.items():
            if isinstance(key, str) and "\x00" in key:
                found.append(_err(path, "null_characters", _("Null characters are not allowed.")))
            else:
                found += _nul_strings(child, f"{path}.{key}")
    elif isinstance(node, list):
        for index, child in enumerate(node):
            found += _nul_strings(child, f"{path}[{index}]")
    return found


def _event(event: Any, schedule: Any) -> list[FieldError]:
    if not isinstance(event, str) or event not in v.EVENTS:
        return [
            _err(
                "event",
                "invalid_choice",
                _("Must be one of: %(choices)s.") % {"choices": ", ".join(v.EVENTS)},
            )
        ]
    if event != v.SCHEDULE:
        if schedule is not None:
            return [_err("schedule", "not_allowed", _("Only schedule rules have a schedule."))]
        return []
    if not isinstance(schedule, Mapping):
        return [_err("schedule", "required", _('Schedule rules need {"every_minutes": N}.'))]
    errors = [
        _err(f"schedule.{key}", "unknown_field", _("Unknown field."))
        for key in schedule
        if key != "every_minutes"
    ]
    every = schedule.get("every_minutes")
    if not (isinstance(every, int) and _is_int(every) and 1 <= every <= v.MAX_SCHEDULE_MINUTES):
        errors.append(
            _err(
                "schedule.every_minutes",
                "invalid",
                _("An integer from 1 to %(max)s.") % {"max": v.MAX_SCHEDULE_MINUTES},
            )
        )
    return errors


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
        if depth + 1 > v.MAX_DEPTH:
            errors.append(
                _err(
                    f"{path}.{key}",
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


# --- Actions ------------------------------------------------------------------------


def validate_actions(actions: Any, refs: References | None) -> list[FieldError]:
    if not isinstance(actions, list):
        return [_err("actions", "invalid", _("A list of actions."))]
    if len(actions) > v.MAX_ACTIONS:
        return [_err("actions", "too_many", _("At most %(max)s actions.") % {"max": v.MAX_ACTIONS})]
    errors: list[FieldError] = []
    for index, action in enumerate(actions):
        errors += _action(action, f"actions[{index}]", refs)
    return errors


def _action(action: Any, path: str, refs: References | None) -> list[FieldError]:
    if not isinstance(action, Mapping):
        return [_err(path, "invalid", _("An action is an object."))]
    kind = action.get("type")
    spec = v.ACTIONS.get(kind) if isinstance(kind, str) else None
    if spec is None:
        return [_err(f"{path}.type", "invalid_choice", _("Unknown action type."))]
    errors: list[FieldError] = []
    known = {p.name for p in spec.params}
    for key in action:
        if key != "type" and key not in known:
            errors.append(_err(f"{path}.{key}", "unknown_field", _("Unknown field.")))
    for param in spec.params:
        ppath = f"{path}.{param.name}"
        value = action.get(param.name)
        if value is None:
            if param.required:
                errors.append(_err(ppath, "required", _("This field is required.")))
            continue
        errors += _param(param.type, value, ppath, refs)
    return errors


def _param(kind: str, value: Any, path: str, refs: References | None) -> list[FieldError]:
    checker = _PARAM_CHECKS[kind]
    return checker(value, path, refs)


Checker = Callable[[Any, str, "References | None"], list[FieldError]]


def _choice(choices: tuple[str, ...]) -> Checker:
    def check(value: Any, path: str, refs: References | None) -> list[FieldError]:
        if not isinstance(value, str) or value not in choices:
            return [
                _err(
                    path,
                    "invalid_choice",
                    _("One of: %(choices)s.") % {"choices": ", ".join(choices)},
                )
            ]
        return []

    return check


def _reference(kind: str, missing: StrOrPromise) -> Checker:
    """Checks an id of `kind`; `missing` is the message when the organization has none."""

    def check(value: Any, path: str, refs: References | None) -> list[FieldError]:
        if not _is_id(value):
            return [_err(path, "invalid", _("An id (a positive integer)."))]
        if refs is not None and not refs.exists(kind, value):
            return [_err(path, "does_not_exist", missing)]
        return []

    return check


def _agent(value: Any, path: str, refs: References | None) -> list[FieldError]:
    if isinstance(value, str):
        if value in v.AGENT_STRATEGIES:
            return []
        return [_err(path, "invalid_choice", _("An agent id, 'round_robin' or 'least_loaded'."))]
    return _reference("agent", _NO_AGENT)(value, path, refs)


def _tags(value: Any, path: str, refs: References | None) -> list[FieldError]:
    if not isinstance(value, list) or not value:
        return [_err(path, "invalid", _("A non-empty list of tag names."))]
    if len(value) > v.MAX_LIST_VALUES:
        return [_err(path, "too_many", _("At most %(max)s tags.") % {"max": v.MAX_LIST_VALUES})]
    return [
        _err(
            f"{path}[{index}]",
            "invalid",
            _("A tag name of 1 to %(max)s characters.") % {"max": v.MAX_TAG},
        )
        for index, name in enumerate(value)
        if not isinstance(name, str) or not name.strip() or len(name.strip()) > v.MAX_TAG
    ]


def _capacity(value: Any, path: str, refs: References | None) -> list[FieldError]:
    if not _is_int(value) or not 1 <= value <= v.MAX_CAPACITY:
        return [_err(path, "invalid", _("An integer from 1 to %(max)s.") % {"max": v.MAX_CAPACITY})]
    return []


def _text(value: Any, path: str, refs: References | None) -> list[FieldError]:
    if not isinstance(value, str) or not value.strip():
        return [_err(path, "invalid", _("A non-empty string."))]
    if len(value) > v.MAX_NOTE:
        return [_err(path, "max_length", _("At most %(max)s characters.") % {"max": v.MAX_NOTE})]
    return []


def _boolean(value: Any, path: str, refs: References | None) -> list[FieldError]:
    return [] if isinstance(value, bool) else [_err(path, "invalid", _("true or false."))]


def _recipients(value: Any, path: str, refs: References | None) -> list[FieldError]:
    if not isinstance(value, list) or not value:
        return [_err(path, "invalid", _("A non-empty list of recipients."))]
    if len(value) > v.MAX_LIST_VALUES:
        return [
            _err(path, "too_many", _("At most %(max)s recipients.") % {"max": v.MAX_LIST_VALUES})
        ]
    errors: list[FieldError] = []
    for index, item in enumerate(value):
        ipath = f"{path}[{index}]"
        if isinstance(item, str) and item in v.RECIPIENT_KEYWORDS:
            continue
        user_id = parse_user_recipient(item)
        if user_id is None:
            errors.append(
                _err(
                    ipath,
                    "invalid_choice",
                    _("One of requester, assignee, team, mentioned, role:agent or user:<id>."),
                )
            )
        elif refs is not None and not refs.exists("user", user_id):
            errors.append(_err(ipath, "does_not_exist", _("No such active user.")))
    return errors


def parse_user_recipient(item: Any) -> int | None:
    """The id in "user:<id>", or None when `item` is not of that form."""
    if not isinstance(item, str) or not item.startswith("user:"):
        return None
    digits = item[5:]
    if not digits.isascii() or not digits.isdigit() or len(digits) > 18:
        return None
    ident = int(digits)
    return ident if ident > 0 else None


# Built at import, so lazy: rendered in the language of the request that reads them.
_NO_AGENT = gettext_lazy("No such active agent in this organization.")
_PARAM_CHECKS: dict[str, Checker] = {
    "priority": _choice(v.PRIORITIES),
    "category": _reference("category", gettext_lazy("No such category in this organization.")),
    "team": _reference("team", gettext_lazy("No such team in this organization.")),
    "agent": _agent,
    "capacity": _capacity,
    "transition": _choice(v.TRANSITION_NAMES),
    "tags": _tags,
    "text": _text,
    "recipients": _recipients,
    "template": _reference(
        "template", gettext_lazy("No such notification template in this organization.")
    ),
    "channel": _choice(v.NOTIFY_CHANNELS),
    "boolean": _boolean,
    "sla_policy": _reference(
        "sla_policy", gettext_lazy("No such SLA policy in this organization.")
    ),
}


# --- helpers ------------------------------------------------------------------------


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_id(value: Any) -> bool:
    return _is_int(value) and 0 < value <= _MAX_ID


def _err(field: str, code: str, message: StrOrPromise) -> FieldError:
    return FieldError(field=field, code=code, message=message)
