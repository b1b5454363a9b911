"""django-q2 entry points: thin, idempotent, load by id."""

from __future__ import annotations

from ruledesk.events import services


def dispatch_event(event_id: int) -> bool:
    return services.event_dispatch(event_id=event_id)


def redispatch_pending() -> int:
    return services.events_redispatch()
