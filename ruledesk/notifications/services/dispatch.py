"""`notify()`: turn one event into in-app notifications and queued e-mails.

It is the one entry point for senders (the rules engine's `notify` action,
reporting). It runs inside the caller's transaction: the in-app rows, the
outbox rows and the django-q2 tasks that deliver the e-mails (ORM broker) all
commit or roll back with the change that caused them. Delivery itself is in
`delivery.py`.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from django.db import connection
from django_q.tasks import async_task

from ruledesk.notifications import defaults
from ruledesk.notifications.models import (
    Channel,
    EmailMessage,
    Notification,
    NotificationTemplate,
)
from ruledesk.notifications.services.common import (
    CHANNELS,
    DELIVER_TASK,
    IN_APP_BODY_MAX,
    LOCALES,
    NOTIFICATION_EVENTS,
    _is_system,
)
from ruledesk.notifications.services.preferences import _explicit_preferences
from ruledesk.notifications.services.templates import Rendered, render_for
from ruledesk.tenancy.models import Locale, Organization, Role, User

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Message:
    audience: Literal["requester", "agent"]
    context: dict[str, Any] = field(default_factory=dict)  # plain JSON values; the template context


@dataclass(frozen=True)
class _Batch:
    """What every recipient of one notify() call shares, loaded once up front."""

    organization_id: int
    organization: Organization
    event: str
    kind: str
    channels: list[str]
    dedup_key: str
    explicit: dict[tuple[int, str, str], bool]
    org_templates: dict[tuple[str, str], NotificationTemplate]
    forced: NotificationTemplate | None
    ticket_id: Any
    ticket_number: str
    done: set[str]  # dedup keys that already exist


def notify(
    *,
    organization_id: int,
    event: str,
    kind: str,
    recipients: Iterable[User],
    messages: Mapping[str, Message],
    channel: Literal["email", "in_app", "both"],
    ticket: Mapping[str, Any] | None = None,
    template_id: int | None = None,
    dedup_key: str,
) -> int:
    """Create the in-app notifications and queued e-mails for one event; returns how many.

    Per recipient: the audience follows the role (requester → `messages["requester"]`,
    agent/admin → `messages["agent"]`; an agent-audience message never reaches a
    requester), preferences are checked now (and for e-mail again at delivery),
    the org template or the shipped default is rendered in the recipient's locale.
    Rows are deduplicated on f"{dedup_key}:{recipient_id}:{channel}", so a
    redelivered event creates nothing twice. `template_id` forces one org template
    for its channel; a template of another organization is ignored (and logged).
    """
    _check_call(kind, channel)
    channels: list[str] = list(CHANNELS) if channel == "both" else [channel]
    users = _recipients(organization_id, recipients)
    if not users:
        return 0
    batch = _batch_load(
        organization_id=organization_id,
        event=event,
        kind=kind,
        channels=channels,
        users=users,
        ticket=ticket,
        template_id=template_id,
        dedup_key=dedup_key,
    )
    in_app: list[Notification] = []
    emails: list[EmailMessage] = []
    for user in users:
        message = _message_for(user, messages)
        if message is None:
            continue
        user_in_app, user_emails = _rows_for(batch, user, message)
        in_app.extend(user_in_app)
        emails.extend(user_emails)
    created = _insert_new(Notification, in_app)
    new_emails = _insert_new(EmailMessage, emails)
    _enqueue_deliveries(new_emails)
    return len(created) + len(new_emails)


# --- Who gets what -------------------------------------------------------------------


def _check_call(kind: str, channel: str) -> None:
    if not connection.in_atomic_block:
        raise RuntimeError("notify() must be called inside transaction.atomic()")
    if kind not in NOTIFICATION_EVENTS:
        raise ValueError(f"unknown notification kind {kind!r}")
    if channel not in ("email", "in_app", "both"):
        raise ValueError(f"unknown channel {channel!r}")


def _dedup(dedup_key: str, recipient_id: int, channel: str) -> str:
    key = f"{dedup_key}:{recipient_id}:{channel}"
    if len(key) > 255:
        key = "sha256:" + hashlib.sha256(key.encode()).hexdigest()
    return key


def _locale_for(user: User, organization: Organization) -> str:
    for candidate in (user.locale, organization.default_locale):
        if candidate in LOCALES:
            return candidate
    return Locale.EN


def _leaks_internal(context: Mapping[str, Any]) -> bool:
    """Does a requester-audience context carry agent-only content?"""
    comment = context.get("comment")
    if isinstance(comment, Mapping) and comment.get("visibility") == "internal":
        return True
    return bool(context.get("internal_note"))


def _message_for(user: User, messages: Mapping[str, Message]) -> Message | None:
    """The one message this recipient may get, or None (never agent content to a requester)."""
    if user.role == Role.REQUESTER:
        message = messages.get("requester")
        if message is None:
            return None
        if message.audience != "requester" or _leaks_internal(message.context):
            logger.error(
                "refused an agent-audience notification for requester %s (confidentiality)",
                user.pk,
            )
            return None
        return message
    message = messages.get("agent")
    if message is not None and message.audience != "agent":
        return None
    return message


def _recipients(organization_id: int, recipients: Iterable[User]) -> list[User]:
    """Fresh rows of the eligible recipients: same organization, active, not deleted, not system."""
    ids = {user.pk for user in recipients if user is not None and user.pk is not None}
    if not ids:
        return []
    users = User.objects.filter(
        pk__in=ids, organization_id=organization_id, is_active=True, deleted_at__isnull=True
    ).order_by("pk")
    return [user for user in users if not _is_system(user)]


def _forced_template(
    organization_id: int, template_id: int | None, channels: list[str]
) -> NotificationTemplate | None:
    """The org template a rule names, when it is usable here; otherwise None (and a log line)."""
    if template_id is None:
        return None
    template = NotificationTemplate.objects.filter(
        pk=template_id, organization_id=organization_id
    ).first()
    if template is None or template.channel not in channels:
        logger.warning(
            "notify: template %s is not a %s template of organization %s; using the defaults",
            template_id,
            "/".join(channels),
            organization_id,
        )
        return None
    return template


# --- Loading once, building rows per recipient ---------------------------------------


def _batch_load(
    *,
    organization_id: int,
    event: str,
    kind: str,
    channels: list[str],
    users: list[User],
    ticket: Mapping[str, Any] | None,
    template_id: int | None,
    dedup_key: str,
) -> _Batch:
    organization = Organization.objects.get(pk=organization_id)
    explicit = _explicit_preferences([u.pk for u in users], kind)
    org_templates = {
        (t.channel, t.locale): t
        for t in NotificationTemplate.objects.filter(
            organization_id=organization_id, event=kind, channel__in=channels
        )
    }
    forced = _forced_template(organization_id, template_id, channels)
    ticket_id = ticket.get("id") if ticket else None
    ticket_number = str(ticket.get("number") or "") if ticket else ""
    # A redelivered event renders nothing again: skip the keys that already exist.
    candidates = [_dedup(dedup_key, user.pk, chan) for user in users for chan in channels]
    return _Batch(
        organization_id=organization_id,
        organization=organization,
        event=event,
        kind=kind,
        channels=channels,
        dedup_key=dedup_key,
        explicit=explicit,
        org_templates=org_templates,
        forced=forced,
        ticket_id=ticket_id,
        ticket_number=ticket_number,
        done=_existing_keys(candidates),
    )


def _existing_keys(candidates: list[str]) -> set[str]:
    return set(
        Notification.objects.filter(dedup_key__in=candidates).values_list("dedup_key", flat=True)
    ) | set(
        EmailMessage.objects.filter(dedup_key__in=candidates).values_list("dedup_key", flat=True)
    )


def _context_for(batch: _Batch, user: User, message: Message) -> dict[str, Any]:
    context = dict(message.context)
    context.setdefault("event", batch.event)
    context.setdefault("organization", {"name": batch.organization.name})
    context["recipient"] = {"name": user.display_name}
    context["audience"] = message.audience
    return context


def _template_for(batch: _Batch, channel: str, locale: str) -> NotificationTemplate | None:
    """The rule's forced template for this channel, else the org's template for it, if any."""
    override = (
        batch.forced if batch.forced is not None and batch.forced.channel == channel else None
    )
    if override is None:
        override = batch.org_templates.get((channel, locale))
    return override


def _rows_for(
    batch: _Batch, user: User, message: Message
) -> tuple[list[Notification], list[EmailMessage]]:
    """The unsaved rows for one recipient: each enabled channel not already delivered."""
    locale = _locale_for(user, batch.organization)
    context = _context_for(batch, user, message)
    in_app: list[Notification] = []
    emails: list[EmailMessage] = []
    for chan in batch.channels:
        enabled = batch.explicit.get((user.pk, batch.kind, chan))
        if enabled is None:
            enabled = defaults.preference_default(batch.kind, chan, user.role)
        key = _dedup(batch.dedup_key, user.pk, chan)
        if not enabled or key in batch.done:
            continue
        rendered = render_for(
            organization=batch.organization,
            kind=batch.kind,
            channel=chan,
            locale=locale,
            context=context,
            override=_template_for(batch, chan, locale),
        )
        if chan == Channel.IN_APP:
            in_app.append(_notification_row(batch, user, message, rendered, key))
        else:
            emails.append(_email_row(batch, user, message, rendered, key, locale))
    return in_app, emails


def _notification_row(
    batch: _Batch, user: User, message: Message, rendered: Rendered, key: str
) -> Notification:
    return Notification(
        organization_id=batch.organization_id,
        recipient=user,
        event=batch.event[:64],
        kind=batch.kind,
        title=rendered.subject,
        body=rendered.text[:IN_APP_BODY_MAX],
        ticket_id=batch.ticket_id,
        ticket_number=batch.ticket_number[:32],
        audience=message.audience,
        dedup_key=key,
    )


def _email_row(
    batch: _Batch, user: User, message: Message, rendered: Rendered, key: str, locale: str
) -> EmailMessage:
    return EmailMessage(
        organization_id=batch.organization_id,
        recipient=user,
        to_email=user.email,
        subject=rendered.subject,
        body_text=rendered.text,
        body_html=rendered.html,
        audience=message.audience,
        event=batch.event[:64],
        kind=batch.kind,
        locale=locale,
        dedup_key=key,
    )


# --- Writing -------------------------------------------------------------------------


def _insert_new(model: type[Notification] | type[EmailMessage], rows: list[Any]) -> list[str]:
    """INSERT … ON CONFLICT DO NOTHING; returns the dedup keys that were new."""
    if not rows:
        return []
    keys = [row.dedup_key for row in rows]
    existing = set(model.objects.filter(dedup_key__in=keys).values_list("dedup_key", flat=True))
    fresh = [row for row in rows if row.dedup_key not in existing]
    if fresh:
        model.objects.bulk_create(fresh, ignore_conflicts=True)
    return [row.dedup_key for row in fresh]


def _enqueue_deliveries(new_emails: list[str]) -> None:
    """One delivery task per new outbox row (committed with the caller's transaction)."""
    for message_id in (
        EmailMessage.objects.filter(dedup_key__in=new_emails)
        .order_by("pk")
        .values_list("pk", flat=True)
    ):
        async_task(DELIVER_TASK, message_id, task_name=f"email-{message_id}", save=False)
