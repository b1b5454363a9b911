"""SLA policies: which tickets they match, what they measure; edits recompute running tickets."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from ruledesk import errors
from ruledesk.tenancy.models import User
from workflows.models import Ticket
from workflows.services import _refs
from workflows.sla import recompute
from workflows.sla.models import SlaPolicy
from workflows.sla.services.calendars import _calendar_ref
from workflows.sla.services.common import UNSET, _audit, _org, _save_unique, _unique_name


def sla_policy_create(
    *,
    actor: User,
    name: str,
    calendar_id: int,
    first_response_minutes: int,
    resolution_minutes: int,
    priority: str | None = None,
    category_id: int | None = None,
    reminder_percent: int = 80,
    position: int = 0,
    active: bool = True,
) -> SlaPolicy:
    """An active new policy also re-matches, in the background, the running tickets whose
    policy was their match until now (`recompute.py`): it may come first for them."""
    org_id = _org(actor)
    with transaction.atomic():
        _unique_name(SlaPolicy, org_id, name)
        matchers_before = recompute.policy_matchers(org_id)
        stored = SlaPolicy(
            organization_id=org_id,
            name=name,
            priority=priority,
            category=_refs.category(org_id, category_id),
            calendar=_calendar_ref(org_id, calendar_id),
            first_response_minutes=first_response_minutes,
            resolution_minutes=resolution_minutes,
            reminder_percent=reminder_percent,
            position=position,
            active=active,
        )
        _save_unique(stored)
        _audit(actor, "sla_policy.create", stored, {"name": name})
        if active:
            recompute.sla_recompute_enqueue(
                organization_id=org_id,
                change=recompute.SlaChange(matchers_before=matchers_before),
            )
    return stored


POLICY_FIELDS = (
    "name",
    "priority",
    "first_response_minutes",
    "resolution_minutes",
    "reminder_percent",
    "position",
    "active",
)
# Changes to whom a policy matches, and to what it measures (see recompute.py).
MATCH_FIELDS = frozenset({"priority", "category", "position", "active"})
TARGET_FIELDS = frozenset(
    {"first_response_minutes", "resolution_minutes", "reminder_percent", "calendar"}
)


def sla_policy_update(*, actor: User, sla_policy: SlaPolicy, **fields: Any) -> SlaPolicy:
    """Change the given fields (POLICY_FIELDS, `category_id`, `calendar_id`).

    Running (not resolved/closed) tickets follow the edit in the background
    (`recompute.py`): a change to whom the policy matches (priority, category, position,
    active) re-matches the tickets whose policy was their match until now, and a change
    to what it measures (minutes, reminder percent, calendar) recomputes the due times
    of the tickets under it. Warnings and breaches that already fired stay.
    """
    org_id = _org(actor, sla_policy)
    with transaction.atomic():
        stored = SlaPolicy.objects.select_for_update().get(pk=sla_policy.pk)
        matchers_before, was_active = recompute.policy_matchers(org_id), stored.active
        changes: dict[str, list[Any]] = {}
        for field in POLICY_FIELDS:
            value = fields.get(field, UNSET)
            if value is UNSET or value == getattr(stored, field):
                continue
            if field == "name":
                _unique_name(SlaPolicy, org_id, value, stored.pk)
            changes[field] = [getattr(stored, field), value]
            setattr(stored, field, value)
        category_id = fields.get("category_id", UNSET)
        if category_id is not UNSET and category_id != stored.category_id:
            changes["category"] = [stored.category_id, category_id]
            stored.category = _refs.category(org_id, category_id)
        calendar_id = fields.get("calendar_id", UNSET)
        if calendar_id is not UNSET and calendar_id != stored.calendar_id:
            changes["calendar"] = [stored.calendar_id, calendar_id]
            stored.calendar = _calendar_ref(org_id, calendar_id)
        if changes:
            _save_unique(stored)
            _audit(actor, "sla_policy.update", stored, changes)
            matching = bool(changes.keys() & MATCH_FIELDS) and (was_active or stored.active)
            recompute.sla_recompute_enqueue(
                organization_id=org_id,
                change=recompute.SlaChange(
                    policy_id=stored.pk if changes.keys() & TARGET_FIELDS else None,
                    matchers_before=matchers_before if matching else None,
                ),
            )
    return stored


def sla_policy_delete(*, actor: User, sla_policy: SlaPolicy) -> None:
    """Refused (409) while tickets use the policy: deactivate it instead.

    No running ticket's clocks change: a policy no ticket has was no ticket's match.
    """
    _org(actor, sla_policy)
    with transaction.atomic():
        if Ticket.objects.filter(sla_policy=sla_policy).exists():
            raise errors.Conflict(_("Tickets use this SLA policy: deactivate it instead."))
        _audit(actor, "sla_policy.delete", sla_policy, {"name": sla_policy.name})
        sla_policy.delete()
