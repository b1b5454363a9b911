"""Notification preferences: explicit choices per kind × channel over role defaults."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.db import transaction

from ruledesk.notifications import defaults
from ruledesk.notifications.models import NotificationPreference
from ruledesk.notifications.services.common import CHANNELS, NOTIFICATION_EVENTS, _org_id
from ruledesk.tenancy.models import User


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
