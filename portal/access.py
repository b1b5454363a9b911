"""Whole-screen access: signed in, then the permission matrix.

What a viewer may do inside a screen is decided by `ruledesk.access.policy`
and handed to templates as flags; these decorators only gate the screen.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

from portal.http import hx_redirect, is_htmx
from ruledesk import errors
from ruledesk.access import policy
from ruledesk.tenancy.models import Organization, Role, User

View = Callable[..., HttpResponse]

# Codenames that open each area; a person needs one of them.
DESK = ("ticket.view_all",)
HELP = ("ticket.create",)
CONSOLE = (
    "rules.manage",
    "sla.manage",
    "templates.manage",
    "users.manage",
    "matrix.manage",
    "audit.view",
    "taxonomy.manage",
)


def is_member(user: Any) -> bool:
    """Signed in as a person of an organization (platform operators use Django's admin)."""
    return bool(
        user.is_authenticated and isinstance(user, User) and user.organization_id is not None
    )


def member_organization(user: User) -> Organization:
    """The organization of a member; the area decorators admit nobody else, so this is a guard."""
    if user.organization is None:
        raise errors.NotFound()
    return user.organization


def login_url(request: HttpRequest) -> str:
    """The sign-in page, returning to the page the person was on (htmx says which)."""
    current = request.headers.get("HX-Current-URL") if is_htmx(request) else None
    target = request.get_full_path()
    if current:
        parts = urlsplit(current)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
    return f"{reverse('portal:login')}?{urlencode({'next': target})}"


def login_required(view: View) -> View:
    """Send anonymous visitors to sign in; an expired session under htmx reloads the login page."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_member(request.user):
            url = login_url(request)
            return hx_redirect(url) if is_htmx(request) else HttpResponseRedirect(url)
        return view(request, *args, **kwargs)

    return wrapped


def can_enter(user: User, codenames: tuple[str, ...]) -> bool:
    return any(policy.role_can(user, codename) for codename in codenames)


def requires_any(*codenames: str) -> Callable[[View], View]:
    """Gate a screen on holding at least one of `codenames` in the organization's matrix."""

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not can_enter(request.user, codenames):  # type: ignore[arg-type]
                raise errors.PermissionDenied(_("This screen is not open to your role."))
            return view(request, *args, **kwargs)

        return login_required(wrapped)

    return decorate


def home_url(user: User) -> str:
    """Where `/` sends a person: admins to the console, agents to the desk, requesters to help."""
    if user.role == Role.ADMIN and can_enter(user, CONSOLE):
        return reverse("portal:console-home")
    if user.role in (Role.AGENT, Role.ADMIN) and can_enter(user, DESK):
        return reverse("portal:desk-home")
    return reverse("portal:help-home")
