"""What the shell (header, theme, language switch) needs on every portal page.

Computed lazily: a page that never shows the header (sign-in, errors) costs no query.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal import access
from ruledesk.notifications.selectors import feed_visible_to
from ruledesk.tenancy.models import Organization, Theme, User


@dataclass(frozen=True)
class AreaLink:
    key: str
    label: str
    url: str


class Shell:
    def __init__(self, request: HttpRequest) -> None:
        self.request = request
        user = request.user
        self.user: User | None = user if access.is_member(user) else None  # type: ignore[assignment]

    @property
    def organization(self) -> Organization | None:
        return self.user.organization if self.user is not None else None

    @property
    def theme(self) -> str:
        return self.user.theme if self.user is not None else Theme.SYSTEM

    @property
    def shortcuts_enabled(self) -> bool:
        return self.user.shortcuts_enabled if self.user is not None else False

    @property
    def languages(self) -> list[tuple[str, str]]:
        return list(settings.LANGUAGES)

    @cached_property
    def unread_count(self) -> int:
        if self.user is None:
            return 0
        # Served by the partial index on unread rows (notification_unread_idx).
        return feed_visible_to(self.user, unread=True).count()

    @cached_property
    def areas(self) -> list[AreaLink]:
        if self.user is None:
            return []
        candidates = (
            ("desk", _("Desk"), access.DESK, "portal:desk-home"),
            ("help", _("Help center"), access.HELP, "portal:help-home"),
            ("console", _("Console"), access.CONSOLE, "portal:console-home"),
        )
        return [
            AreaLink(key, str(label), reverse(name))
            for key, label, codenames, name in candidates
            if access.can_enter(self.user, codenames)
        ]

    @property
    def can_search(self) -> bool:
        return any(area.key == "desk" for area in self.areas)


def shell(request: HttpRequest) -> dict[str, Any]:
    return {"shell": Shell(request)}
