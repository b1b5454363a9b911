"""Notifications: the in-app feed, the e-mail outbox, preferences and templates.

Split by subject; import from here. `notify()` (dispatch.py) is the one entry
point for senders and runs inside the caller's transaction; delivery.py sends
the outbox after commit and explains its at-most-once decision.
"""

from ruledesk.notifications.services.account import account_email_send, direct_email_send
from ruledesk.notifications.services.common import (
    CHANNELS,
    DELIVER_TASK,
    IN_APP_BODY_MAX,
    LOCALES,
    NOTIFICATION_EVENTS,
    QUEUED_GRACE,
    SUBJECT_MAX,
    TEMPLATE_BODY_MAX,
)
from ruledesk.notifications.services.delivery import (
    backoff,
    due_emails,
    email_deliver,
    email_outbox_sweep,
    email_requeue,
    message_id_header,
)
from ruledesk.notifications.services.dispatch import Message, notify
from ruledesk.notifications.services.feed import (
    notification_mark_read,
    notifications_mark_all_read,
)
from ruledesk.notifications.services.preferences import (
    preference_enabled,
    preferences_get,
    preferences_update,
)
from ruledesk.notifications.services.templates import (
    Rendered,
    render_for,
    template_create,
    template_delete,
    template_update,
)

__all__ = [
    "CHANNELS",
    "DELIVER_TASK",
    "IN_APP_BODY_MAX",
    "LOCALES",
    "NOTIFICATION_EVENTS",
    "QUEUED_GRACE",
    "SUBJECT_MAX",
    "TEMPLATE_BODY_MAX",
    "Message",
    "account_email_send",
    "direct_email_send",
    "Rendered",
    "backoff",
    "due_emails",
    "email_deliver",
    "email_outbox_sweep",
    "email_requeue",
    "message_id_header",
    "notification_mark_read",
    "notifications_mark_all_read",
    "notify",
    "preference_enabled",
    "preferences_get",
    "preferences_update",
    "render_for",
    "template_create",
    "template_delete",
    "template_update",
]
