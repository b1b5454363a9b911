"""Names every notifications service module shares: the catalogue and the limits."""

from __future__ import annotations

from datetime import timedelta

from ruledesk import errors
from ruledesk.tenancy.models import Locale, User

NOTIFICATION_EVENTS: tuple[str, ...] = (
    "ticket.created",
    "ticket.assigned",
    "ticket.replied",
    "ticket.resolved",
    "comment.mentioned",
    "sla.warning",
    "sla.breached",
    "report.ready",
)
CHANNELS: tuple[str, ...] = ("email", "in_app")
LOCALES: tuple[str, ...] = tuple(Locale.values)
DELIVER_TASK = "ruledesk.notifications.tasks.email_deliver"
SUBJECT_MAX = 300
TEMPLATE_BODY_MAX = 20_000
IN_APP_BODY_MAX = 5_000
# A queued row gets this long to be picked up by its own task before the sweep re-enqueues it.
QUEUED_GRACE = timedelta(seconds=30)


def _org_id(actor: User) -> int:
    if actor.organization_id is None:
        raise errors.NotAuthenticated()
    return actor.organization_id


def _is_system(user: User) -> bool:
    return bool(getattr(user, "is_system", False))
