"""django-q2 entry points: thin, idempotent, load by id."""

from __future__ import annotations

from ruledesk.notifications import services


def email_deliver(message_id: int) -> str:
    return services.email_deliver(message_id=message_id)


def email_outbox_sweep() -> dict[str, int]:
    return services.email_outbox_sweep()
