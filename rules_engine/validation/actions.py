"""Validation of a rule's actions and their parameters (references checked through `References`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ruledesk.errors import FieldError, StrOrPromise
from rules_engine import vocabulary as v
from rules_engine.validation.common import (
    References,
    _err,
    _is_id,
    _is_int,
)

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
