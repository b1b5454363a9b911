"""Organization templates: managing them (checked in the sandbox) and rendering them."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.html import linebreaks
from django.utils.translation import gettext as _

from ruledesk import errors
from ruledesk.access import policy
from ruledesk.audit.services import record
from ruledesk.notifications import defaults, sandbox
from ruledesk.notifications.models import Channel, NotificationTemplate
from ruledesk.notifications.services.common import SUBJECT_MAX, _org_id
from ruledesk.tenancy.models import Organization, User

logger = logging.getLogger(__name__)


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
            _("A template for this event, channel and locale already exists.")
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
            _("A template for this event, channel and locale already exists.")
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
