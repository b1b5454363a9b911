"""What the calendar and policy services share: authorization, unique names, audit."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ruledesk import errors
from ruledesk.access import policy as access
from ruledesk.audit import services as audit
from ruledesk.tenancy.models import User
from workflows.sla.models import BusinessCalendar, SlaPolicy

# A keyword argument not given (None is a value: "no priority").
UNSET: Any = object()


def _org(actor: User, obj: Any = None) -> int:
    access.require(actor, "sla.manage", obj)
    if actor.organization_id is None:
        raise errors.PermissionDenied()
    return actor.organization_id


def _name_taken(model: type[BusinessCalendar] | type[SlaPolicy]) -> errors.Conflict:
    if model is BusinessCalendar:
        return errors.Conflict(_("A business calendar with this name already exists."))
    return errors.Conflict(_("A sla policy with this name already exists."))


def _unique_name(
    model: type[BusinessCalendar] | type[SlaPolicy], org_id: int, name: str, pk: int | None = None
) -> None:
    clash = model.objects.filter(organization_id=org_id, name__iexact=name)
    if pk is not None:
        clash = clash.exclude(pk=pk)
    if clash.exists():
        raise _name_taken(model)


def _save_unique(obj: BusinessCalendar | SlaPolicy) -> None:
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError:
        raise _name_taken(type(obj)) from None


def _audit(
    actor: User, action: str, obj: BusinessCalendar | SlaPolicy, changes: dict[str, Any]
) -> None:
    kind = "business_calendar" if isinstance(obj, BusinessCalendar) else "sla_policy"
    audit.record(actor=actor, action=action, obj_type=kind, obj_id=obj.pk, changes=changes)
