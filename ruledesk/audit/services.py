"""Writing audit events. Services call `record()` inside their own transaction."""

from __future__ import annotations

from typing import Any

from ruledesk import context
from ruledesk.audit.models import AuditEvent


def record(
    *,
    actor: Any,
    action: str,
    obj_type: str,
    obj_id: str | int,
    changes: dict[str, Any] | None = None,
    organization_id: int | None = None,
) -> AuditEvent:
    """Append one audit event; request id and client IP come from the request context."""
    actor_id = getattr(actor, "pk", None) if getattr(actor, "is_authenticated", False) else None
    current = context.current()
    return AuditEvent.objects.create(
        organization_id=organization_id
        if organization_id is not None
        else getattr(actor, "organization_id", None),
        actor_id=actor_id,
        actor_name=getattr(actor, "name", "") if actor_id else "",
        actor_email=getattr(actor, "email", "") if actor_id else "",
        action=action,
        object_type=obj_type,
        object_id=str(obj_id),
        changes=changes or {},
        request_id=current.request_id,
        ip=current.client_ip,
    )
