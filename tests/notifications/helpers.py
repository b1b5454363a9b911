"""Shared builders for the notification tests."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django_q.models import OrmQ

from ruledesk.notifications import services, tasks
from ruledesk.notifications.services import Message
from ruledesk.tenancy.models import User

TICKET = {"id": 42, "number": "ACME-42"}


def context(**extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "event": "ticket.updated",
        "organization": {"name": "Acme"},
        "actor_name": "Alice Admin",
        "ticket": {
            "number": "ACME-42",
            "title": "Printer jams",
            "status": "open",
            "priority": "high",
            "url": "https://desk.test/tickets/42",
            "requester_name": "Carol Requester",
            "assignee_name": "Bob Agent",
        },
        "comment": None,
        "sla": None,
    }
    base.update(extra)
    return base


def both(**extra: Any) -> dict[str, Message]:
    """The same public context for both audiences."""
    return {
        "requester": Message(audience="requester", context=context(**extra)),
        "agent": Message(audience="agent", context=context(**extra)),
    }


def send(
    recipients: Iterable[User],
    *,
    kind: str = "ticket.assigned",
    channel: str = "both",
    messages: dict[str, Message] | None = None,
    dedup_key: str = "event:1",
    template_id: int | None = None,
    event: str = "ticket.updated",
) -> int:
    users = list(recipients)
    organization_id = users[0].organization_id if users else 0
    assert organization_id is not None
    with transaction.atomic():
        return services.notify(
            organization_id=organization_id,
            event=event,
            kind=kind,
            recipients=users,
            messages=messages if messages is not None else both(),
            channel=channel,  # type: ignore[arg-type]
            ticket=TICKET,
            template_id=template_id,
            dedup_key=dedup_key,
        )


def queued_email_ids() -> list[int]:
    """Message ids of the delivery tasks waiting in the django-q2 ORM broker."""
    return [
        q.task["args"][0]
        for q in OrmQ.objects.order_by("id")
        if q.task["func"] == services.DELIVER_TASK
    ]


def run_email_tasks() -> list[str]:
    """Run (and remove) the queued delivery tasks the way the worker would."""
    results = []
    for q in OrmQ.objects.order_by("id"):
        task = q.task
        if task["func"] == services.DELIVER_TASK:
            results.append(tasks.email_deliver(*task["args"]))
            q.delete()
    return results
