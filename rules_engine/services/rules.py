"""Rule CRUD: create, update and delete rules, each definition validated with paths."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ruledesk import errors
from ruledesk.access import policy
from ruledesk.audit import services as audit
from ruledesk.tenancy.models import User
from rules_engine import validation
from rules_engine import vocabulary as v
from rules_engine.models import Rule, ScheduleRuleState
from rules_engine.references import DbReferences

EDITABLE = ("name", "description", "position", "active", "stop_processing")
DEFINITION = ("event", "schedule", "conditions", "actions")


def rule_create(*, actor: User, data: Mapping[str, Any]) -> Rule:
    """Create a rule from a validated-shape body; the definition is checked here (400 with paths)."""
    policy.require(actor, "rules.manage")
    org_id = _org_id(actor)
    definition = {
        "event": data.get("event"),
        "schedule": data.get("schedule"),
        "conditions": data.get("conditions", {"all": []}),
        "actions": data.get("actions", []),
    }
    _check(org_id, definition)
    now = timezone.now()
    with transaction.atomic():
        rule = Rule(
            organization_id=org_id,
            created_by=actor,
            created_at=now,
            updated_at=now,
            **_columns(definition),
            **{k: data[k] for k in EDITABLE if k in data},
        )
        rule.save()
        audit.record(
            actor=actor,
            action="rule.create",
            obj_type="rule",
            obj_id=rule.pk,
            changes={"name": rule.name, "event": rule.event},
        )
    return rule


def rule_update(*, actor: User, rule: Rule, data: Mapping[str, Any]) -> Rule:
    """Change the given fields; the whole resulting definition is validated again."""
    policy.require(actor, "rules.manage", rule)
    with transaction.atomic():
        rule = Rule.objects.select_for_update().get(pk=rule.pk)
        definition = rule_definition(rule)
        definition.update({k: data[k] for k in DEFINITION if k in data})
        if "event" in data and data["event"] != v.SCHEDULE and "schedule" not in data:
            definition["schedule"] = None  # leaving schedule drops its interval
        _check(rule.organization_id, definition)
        changes: dict[str, Any] = {}
        updates = {**_columns(definition), **{k: data[k] for k in EDITABLE if k in data}}
        for field, value in updates.items():
            if getattr(rule, field) != value:
                changes[field] = [getattr(rule, field), value]
                setattr(rule, field, value)
        if changes:
            rule.updated_at = timezone.now()
            if "schedule_every_minutes" in changes or "event" in changes:
                rule.last_run_at = None
            rule.save()
            if "conditions" in changes or "event" in changes:
                ScheduleRuleState.objects.filter(rule=rule).delete()
            audit.record(
                actor=actor,
                action="rule.update",
                obj_type="rule",
                obj_id=rule.pk,
                changes={k: _brief(vals) for k, vals in changes.items()},
            )
    return rule


def rule_delete(*, actor: User, rule: Rule) -> None:
    policy.require(actor, "rules.manage", rule)
    with transaction.atomic():
        audit.record(
            actor=actor,
            action="rule.delete",
            obj_type="rule",
            obj_id=rule.pk,
            changes={"name": rule.name},
        )
        rule.delete()


def rule_definition(rule: Rule) -> dict[str, Any]:
    schedule = (
        {"every_minutes": rule.schedule_every_minutes}
        if rule.schedule_every_minutes is not None
        else None
    )
    return {
        "event": rule.event,
        "schedule": schedule,
        "conditions": rule.conditions,
        "actions": rule.actions,
    }


def _columns(definition: Mapping[str, Any]) -> dict[str, Any]:
    schedule = definition.get("schedule")
    every = schedule.get("every_minutes") if isinstance(schedule, Mapping) else None
    return {
        "event": definition["event"],
        "schedule_every_minutes": every,
        "conditions": definition["conditions"],
        "actions": definition["actions"],
    }


def _check(organization_id: int, definition: Mapping[str, Any]) -> None:
    problems = validation.validate_definition(
        event=definition.get("event"),
        schedule=definition.get("schedule"),
        conditions=definition.get("conditions"),
        actions=definition.get("actions"),
        refs=DbReferences(organization_id),
    )
    if problems:
        raise errors.ValidationFailed(_("The rule is invalid."), errors=problems)


def _brief(values: list[Any]) -> list[Any]:
    return [value if not isinstance(value, dict | list) else "…" for value in values]


def _org_id(actor: User) -> int:
    if actor.organization_id is None:
        raise errors.PermissionDenied()
    return actor.organization_id
