"""Notifications: the in-app feed, the e-mail outbox, preferences and templates.

`notify()` is the one entry point for senders (the rules engine's `notify` action,
reporting). It runs inside the caller's transaction: the in-app rows, the
outbox rows and the django-q2 tasks that deliver the e-mails (ORM broker) all
commit or roll back with the change that caused them.

Delivery semantics (`email_deliver`): a worker claims a due row with a
conditional UPDATE (`queued`/`failed` → `sending`, stamping `claimed_at`), which
commits before the SMTP conversation starts, then marks it `sent`. A worker
killed between the claim and the mark leaves a `sending` row whose outcome is
unknown: the SMTP server may or may not have accepted it. Such a row is never
resent automatically (at-most-once): after the lease
(`RULEDESK_EMAIL_SENDING_LEASE_SECONDS`) the sweep parks it as `dead` with
`last_error` "interrupted: ..." for an operator to check and requeue. The
Message-ID header is derived from the dedup key, so even a manual requeue is
recognisably the same message to mail clients. Everything else is retried:
transient failures go to `failed` with exponential backoff, permanent SMTP
rejections (5xx) and exhausted attempts (`RULEDESK_EMAIL_MAX_ATTEMPTS`) to `dead`.
"""

from __future__ import annotations

import hashlib
import logging
import re
import smtplib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from email.utils import parseaddr
from typing import Any, Literal

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone, translation
from django.utils.html import linebreaks
from django_q.tasks import async_task

from ruledesk import errors
from ruledesk.access import policy
from ruledesk.audit.services import record
from ruledesk.notifications import defaults, sandbox
from ruledesk.notifications.models import (
    Audience,
    Channel,
    EmailMessage,
    EmailStatus,
    Notification,
    NotificationPreference,
    NotificationTemplate,
)
from ruledesk.tenancy.models import Locale, Organization, Role, User

logger = logging.getLogger(__name__)

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


@dataclass(frozen=True)
class Message:
    audience: Literal["requester", "agent"]
    context: dict[str, Any] = field(default_factory=dict)  # plain JSON values; the template context


def _org_id(actor: User) -> int:
    if actor.organization_id is None:
        raise errors.NotAuthenticated()
    return actor.organization_id


# --- Preferences -------------------------------------------------------------------


def _explicit_preferences(
    user_ids: Iterable[int], kind: str | None = None
) -> dict[tuple[int, str, str], bool]:
    rows = NotificationPreference.objects.filter(user_id__in=list(user_ids))
    if kind is not None:
        rows = rows.filter(kind=kind)
    return {(r.user_id, r.kind, r.channel): r.enabled for r in rows}


def preference_enabled(user: User, kind: str, channel: str) -> bool:
    """The user's choice for kind × channel, or the documented default for their role."""
    explicit = _explicit_preferences([user.pk], kind).get((user.pk, kind, channel))
    return defaults.preference_default(kind, channel, user.role) if explicit is None else explicit


def preferences_get(*, user: User) -> dict[str, dict[str, bool]]:
    explicit = _explicit_preferences([user.pk])
    return {
        kind: {
            channel: explicit.get(
                (user.pk, kind, channel), defaults.preference_default(kind, channel, user.role)
            )
            for channel in CHANNELS
        }
        for kind in NOTIFICATION_EVENTS
    }


def preferences_update(
    *, actor: User, events: Mapping[str, Mapping[str, bool]]
) -> dict[str, dict[str, bool]]:
    """Merge a partial map of choices into the actor's own preferences; returns the full map."""
    with transaction.atomic():
        for kind, channels in events.items():
            for channel, enabled in channels.items():
                NotificationPreference.objects.update_or_create(
                    user=actor,
                    kind=kind,
                    channel=channel,
                    defaults={"enabled": enabled, "organization_id": _org_id(actor)},
                )
    return preferences_get(user=actor)


# --- Templates -----------------------------------------------------------------------


def _check_template(subject: str, body: str) -> None:
    for name, source in (("subject", subject), ("body", body)):
        problem = sandbox.check(source, defaults.SAMPLE_CONTEXT)
        if problem is not None:
            raise errors.ValidationFailed.on(name, problem, "template_syntax")


def template_create(
    *, actor: User, event: str, channel: str, locale: str, subject: str, body: str
) -> NotificationTemplate:
    policy.require(actor, "templates.manage")
    _check_template(subject, body)
    try:
        with transaction.atomic():
            template = NotificationTemplate.objects.create(
                organization_id=_org_id(actor),
                event=event,
                channel=channel,
                locale=locale,
                subject=subject,
                body=body,
            )
            record(
                actor=actor,
                action="notification_template.create",
                obj_type="notification_template",
                obj_id=template.pk,
                changes={"event": event, "channel": channel, "locale": locale},
            )
    except IntegrityError:
        raise errors.Conflict(
            "A template for this event, channel and locale already exists."
        ) from None
    return template


def template_update(
    *, actor: User, template: NotificationTemplate, **fields: Any
) -> NotificationTemplate:
    policy.require(actor, "templates.manage", template)
    allowed = {"event", "channel", "locale", "subject", "body"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"unknown template fields {sorted(unknown)}")
    _check_template(fields.get("subject", template.subject), fields.get("body", template.body))
    changes: dict[str, list[Any]] = {
        name: [getattr(template, name), value]
        for name, value in fields.items()
        if getattr(template, name) != value
    }
    for name, value in fields.items():
        setattr(template, name, value)
    try:
        with transaction.atomic():
            template.save()
            record(
                actor=actor,
                action="notification_template.update",
                obj_type="notification_template",
                obj_id=template.pk,
                changes=changes,
            )
    except IntegrityError:
        raise errors.Conflict(
            "A template for this event, channel and locale already exists."
        ) from None
    return template


def template_delete(*, actor: User, template: NotificationTemplate) -> None:
    policy.require(actor, "templates.manage", template)
    with transaction.atomic():
        record(
            actor=actor,
            action="notification_template.delete",
            obj_type="notification_template",
            obj_id=template.pk,
            changes={
                "event": template.event,
                "channel": template.channel,
                "locale": template.locale,
            },
        )
        template.delete()


# --- Rendering -----------------------------------------------------------------------


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()[:SUBJECT_MAX]


def _render(
    source: tuple[str, str],
    context: Mapping[str, Any],
    *,
    channel: str,
) -> Rendered:
    subject_src, body_src = source
    subject = _one_line(sandbox.render(subject_src, context, autoescape=False))
    text = sandbox.render(body_src, context, autoescape=False).strip()
    html = ""
    if channel == Channel.EMAIL:
        html = linebreaks(sandbox.render(body_src, context, autoescape=True).strip())
    return Rendered(subject=subject, text=text, html=html)


def render_for(
    *,
    organization: Organization,
    kind: str,
    channel: str,
    locale: str,
    context: Mapping[str, Any],
    override: NotificationTemplate | None,
) -> Rendered:
    """Render the org's template (or the shipped default) in the recipient's locale.

    An org template that fails at render time (too much work for this data) falls
    back to the shipped default, so a bad edit never loses a notification.
    """
    with translation.override(locale), timezone.override(organization.timezone):
        if override is not None:
            try:
                return _render((override.subject, override.body), context, channel=channel)
            except Exception as exc:  # syntax (edited since), limits, bad data
                logger.warning(
                    "notification template %s failed to render (%s); using the default",
                    override.pk,
                    type(exc).__name__,
                )
        return _render(defaults.default_template(kind, channel, locale), context, channel=channel)


# --- notify --------------------------------------------------------------------------


def _dedup(dedup_key: str, recipient_id: int, channel: str) -> str:
    key = f"{dedup_key}:{recipient_id}:{channel}"
    if len(key) > 255:
        key = "sha256:" + hashlib.sha256(key.encode()).hexdigest()
    return key


def _is_system(user: User) -> bool:
    return bool(getattr(user, "is_system", False))


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
    if not connection.in_atomic_block:
        raise RuntimeError("notify() must be called inside transaction.atomic()")
    if kind not in NOTIFICATION_EVENTS:
        raise ValueError(f"unknown notification kind {kind!r}")
    if channel not in ("email", "in_app", "both"):
        raise ValueError(f"unknown channel {channel!r}")
    channels: list[str] = list(CHANNELS) if channel == "both" else [channel]
    users = _recipients(organization_id, recipients)
    if not users:
        return 0
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
    done = set(
        Notification.objects.filter(dedup_key__in=candidates).values_list("dedup_key", flat=True)
    ) | set(
        EmailMessage.objects.filter(dedup_key__in=candidates).values_list("dedup_key", flat=True)
    )

    in_app: list[Notification] = []
    emails: list[EmailMessage] = []
    for user in users:
        message = _message_for(user, messages)
        if message is None:
            continue
        locale = _locale_for(user, organization)
        context = dict(message.context)
        context.setdefault("event", event)
        context.setdefault("organization", {"name": organization.name})
        context["recipient"] = {"name": user.display_name}
        context["audience"] = message.audience
        for chan in channels:
            enabled = explicit.get((user.pk, kind, chan))
            if enabled is None:
                enabled = defaults.preference_default(kind, chan, user.role)
            key = _dedup(dedup_key, user.pk, chan)
            if not enabled or key in done:
                continue
            override = forced if forced is not None and forced.channel == chan else None
            if override is None:
                override = org_templates.get((chan, locale))
            rendered = render_for(
                organization=organization,
                kind=kind,
                channel=chan,
                locale=locale,
                context=context,
                override=override,
            )
            if chan == Channel.IN_APP:
                in_app.append(
                    Notification(
                        organization_id=organization_id,
                        recipient=user,
                        event=event[:64],
                        kind=kind,
                        title=rendered.subject,
                        body=rendered.text[:IN_APP_BODY_MAX],
                        ticket_id=ticket_id,
                        ticket_number=ticket_number[:32],
                        audience=message.audience,
                        dedup_key=key,
                    )
                )
            else:
                emails.append(
                    EmailMessage(
                        organization_id=organization_id,
                        recipient=user,
                        to_email=user.email,
                        subject=rendered.subject,
                        body_text=rendered.text,
                        body_html=rendered.html,
                        audience=message.audience,
                        event=event[:64],
                        kind=kind,
                        locale=locale,
                        dedup_key=key,
                    )
                )
    created = _insert_new(Notification, in_app)
    new_emails = _insert_new(EmailMessage, emails)
    for message_id in (
        EmailMessage.objects.filter(dedup_key__in=new_emails)
        .order_by("pk")
        .values_list("pk", flat=True)
    ):
        async_task(DELIVER_TASK, message_id, task_name=f"email-{message_id}")
    return len(created) + len(new_emails)


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


# --- In-app feed ---------------------------------------------------------------------


def notification_mark_read(*, actor: User, notification_id: int) -> None:
    """Mark one of the actor's own notifications read (idempotent); NotFound otherwise."""
    mine = Notification.objects.filter(pk=notification_id, recipient=actor)
    if not mine.exists():
        raise errors.NotFound()
    mine.filter(read_at__isnull=True).update(read_at=timezone.now())


def notifications_mark_all_read(*, actor: User) -> int:
    return Notification.objects.filter(recipient=actor, read_at__isnull=True).update(
        read_at=timezone.now()
    )


# --- E-mail delivery -----------------------------------------------------------------


def _max_attempts() -> int:
    return int(getattr(settings, "RULEDESK_EMAIL_MAX_ATTEMPTS", 6))


def _lease() -> timedelta:
    return timedelta(seconds=int(getattr(settings, "RULEDESK_EMAIL_SENDING_LEASE_SECONDS", 600)))


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, … capped at one hour."""
    return timedelta(seconds=min(3600, 30 * 2 ** max(0, attempts - 1)))


def message_id_header(message: EmailMessage) -> str:
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "ruledesk.invalid"
    digest = hashlib.sha256(message.dedup_key.encode()).hexdigest()[:32]
    return f"<{digest}@{domain}>"


def _finish(message_id: int, status: str, error: str = "", **extra: Any) -> None:
    EmailMessage.objects.filter(pk=message_id, status=EmailStatus.SENDING).update(
        status=status, last_error=error[:2000], **extra
    )


def _undeliverable(message: EmailMessage) -> tuple[str, str] | None:
    """(status, reason) when the message must not be sent now, judged on fresh data."""
    user = message.recipient
    if (
        not user.is_active
        or user.deleted_at is not None
        or user.organization_id != message.organization_id
        or _is_system(user)
    ):
        return EmailStatus.CANCELLED, "recipient_inactive"
    if message.audience == Audience.AGENT and user.role == Role.REQUESTER:
        return EmailStatus.DEAD, "confidentiality"
    if not preference_enabled(user, message.kind, Channel.EMAIL):
        return EmailStatus.CANCELLED, "preference_disabled"
    return None


def _permanent(exc: Exception) -> bool:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _msg in exc.recipients.values()]
        return bool(codes) and all(500 <= code < 600 for code in codes)
    if isinstance(exc, smtplib.SMTPResponseException):
        return 500 <= exc.smtp_code < 600
    return False


def email_deliver(*, message_id: int) -> str:
    """Send one outbox row if it is due; returns the status it ends in ("skipped" when not claimed)."""
    now = timezone.now()
    claimed = EmailMessage.objects.filter(
        pk=message_id,
        status__in=[EmailStatus.QUEUED, EmailStatus.FAILED],
        next_attempt_at__lte=now,
    ).update(status=EmailStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    if not claimed:
        return "skipped"
    message = EmailMessage.objects.select_related("recipient").get(pk=message_id)
    refusal = _undeliverable(message)
    if refusal is not None:
        status, reason = refusal
        if status == EmailStatus.DEAD:
            logger.error("e-mail %s refused at delivery: %s", message_id, reason)
        _finish(message_id, status, reason)
        return status
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.recipient.email],
        headers={
            "Message-ID": message_id_header(message),
            "Auto-Submitted": "auto-generated",
            "Content-Language": message.locale,
        },
    )
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
    try:
        email.send(fail_silently=False)
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
        if _permanent(exc) or message.attempts >= _max_attempts():
            logger.error(
                "e-mail %s dead after %s attempts: %s", message_id, message.attempts, error
            )
            _finish(message_id, EmailStatus.DEAD, error)
            return EmailStatus.DEAD
        logger.warning("e-mail %s failed (attempt %s): %s", message_id, message.attempts, error)
        _finish(
            message_id,
            EmailStatus.FAILED,
            error,
            next_attempt_at=timezone.now() + backoff(message.attempts),
        )
        return EmailStatus.FAILED
    _finish(message_id, EmailStatus.SENT, sent_at=timezone.now(), to_email=message.recipient.email)
    return EmailStatus.SENT


def due_emails(now: Any = None) -> QuerySet[EmailMessage]:
    now = now or timezone.now()
    return EmailMessage.objects.filter(
        Q(status=EmailStatus.QUEUED, next_attempt_at__lte=now - QUEUED_GRACE)
        | Q(status=EmailStatus.FAILED, next_attempt_at__lte=now)
    )


def email_outbox_sweep(*, limit: int = 500) -> dict[str, int]:
    """Re-enqueue due queued/failed rows; park interrupted `sending` rows (at-most-once)."""
    now = timezone.now()
    interrupted = EmailMessage.objects.filter(
        status=EmailStatus.SENDING, claimed_at__lt=now - _lease()
    ).update(
        status=EmailStatus.DEAD,
        last_error="interrupted: the worker stopped during delivery; the outcome is unknown, "
        "so it is not resent automatically (at-most-once). Requeue it if it did not arrive.",
    )
    if interrupted:
        logger.error("%s e-mail(s) interrupted mid-delivery parked as dead", interrupted)
    due = list(
        due_emails(now).order_by("next_attempt_at", "id").values_list("pk", flat=True)[:limit]
    )
    for message_id in due:
        async_task(DELIVER_TASK, message_id, task_name=f"email-{message_id}-retry")
    return {"enqueued": len(due), "interrupted": interrupted}


def email_requeue(*, message_id: int) -> bool:
    """Operator action: put a dead (or cancelled) row back in the queue."""
    with transaction.atomic():
        updated = EmailMessage.objects.filter(
            pk=message_id, status__in=[EmailStatus.DEAD, EmailStatus.CANCELLED]
        ).update(
            status=EmailStatus.QUEUED, attempts=0, next_attempt_at=timezone.now(), last_error=""
        )
        if updated:
            async_task(DELIVER_TASK, message_id, task_name=f"email-{message_id}-requeue")
    return bool(updated)
