"""Writes to the permission matrix."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ruledesk import errors
from ruledesk.access import policy, registry
from ruledesk.access.models import RoleGrant
from ruledesk.audit import services as audit
from ruledesk.tenancy import listeners
from ruledesk.tenancy.models import User


def matrix_update(
    *, actor: User, grants: Mapping[str, Mapping[str, bool]]
) -> dict[str, dict[str, bool]]:
    """Replace the cells named in `grants` (codename -> role -> bool) for the actor's organization."""
    policy.require(actor, "matrix.manage")
    if actor.organization_id is None:  # require() already refuses this; keeps types honest
        raise errors.PermissionDenied()
    field_errors = _validate(grants)
    if field_errors:
        raise errors.ValidationFailed(_("The matrix is invalid."), errors=field_errors)
    org_id = actor.organization_id
    with transaction.atomic():
        before = policy.organization_grants(org_id)
        changes: dict[str, dict[str, list[bool]]] = {}
        now = timezone.now()
        for codename, cells in grants.items():
            for role, granted in cells.items():
                if before[codename][role] == granted:
                    continue
                RoleGrant.objects.update_or_create(
                    organization_id=org_id,
                    role=role,
                    codename=codename,
                    defaults={"granted": granted, "updated_at": now},
                )
                changes.setdefault(codename, {})[role] = [before[codename][role], granted]
        if changes:
            audit.record(
                actor=actor,
                action="matrix.update",
                obj_type="permission_matrix",
                obj_id=str(org_id),
                changes=changes,
            )
        policy.invalidate(org_id)
        transaction.on_commit(lambda: policy.invalidate(org_id))
        if changes:
            listeners.access_changed(org_id)  # e.g. who edits the knowledge base
    return policy.organization_grants(org_id)


def _validate(grants: Mapping[str, Mapping[str, bool]]) -> list[errors.FieldError]:
    found: list[errors.FieldError] = []
    for codename, cells in grants.items():
        if codename not in registry.BY_CODENAME:
            found.append(
                errors.FieldError(codename, "unknown_permission", _("Unknown permission."))
            )
            continue
        permission = registry.BY_CODENAME[codename]
        for role, granted in cells.items():
            path = f"{codename}.grants.{role}"
            if role not in registry.ROLES:
                found.append(errors.FieldError(path, "unknown_role", _("Unknown role.")))
            elif role in permission.locked and permission.locked[role] != granted:
                found.append(
                    errors.FieldError(
                        path,
                        "locked",
                        _("This cell is locked to %(value)s.") % {"value": permission.locked[role]},
                    )
                )
    return found
