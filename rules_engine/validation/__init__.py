"""Validation of a rule's definition: event, schedule, condition tree and actions.

Pure: objects a rule names (categories, teams, agents, templates, policies,
users) are checked through a `References` object, which the service backs by
the database and tests back by sets. Every error names the JSON path of the bad
node (`conditions.all[1].operator`, `actions[0].priority`), as api.md requires.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from ruledesk.errors import FieldError
from rules_engine import vocabulary as v
from rules_engine.validation.actions import parse_user_recipient, validate_actions
from rules_engine.validation.common import (
    GROUPS,
    LEAF_KEYS,
    References,
    _err,
    _is_int,
)
from rules_engine.validation.conditions import validate_conditions

__all__ = [
    "GROUPS",
    "LEAF_KEYS",
    "References",
    "parse_user_recipient",
    "validate_actions",
    "validate_conditions",
    "validate_definition",
]


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
