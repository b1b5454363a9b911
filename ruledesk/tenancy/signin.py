"""Checking credentials for every way in (web sign-in, API tokens): one decision, one limit.

Known and unknown addresses get the same answer and the same hashing cost;
failures are counted per (IP, e-mail) and per IP, and every attempt is recorded.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.utils.translation import gettext as _

from ruledesk import errors
from ruledesk.api.models import LoginAttempt
from ruledesk.ratelimit import services as ratelimit
from ruledesk.tenancy.models import User

WINDOW = 300


def _limits() -> tuple[ratelimit.Limit, ratelimit.Limit]:
    return (
        ratelimit.Limit("login-ip-email", settings.RULEDESK_RATE_LOGIN_FAILURES, WINDOW),
        ratelimit.Limit("login-ip", settings.RULEDESK_RATE_LOGIN_FAILURES_PER_IP, WINDOW),
    )


def credentials_check(*, request: HttpRequest, email: str, password: str, ip: str) -> User:
    """The member these credentials belong to; RateLimited or NotAuthenticated otherwise."""
    email = email.strip().lower()
    per_pair, per_ip = _limits()
    pair = f"{ip}|{email}"
    wait = ratelimit.exceeded(per_pair, pair) or ratelimit.exceeded(per_ip, ip)
    if wait:
        _log(email, ip, request, succeeded=False)
        raise errors.RateLimited(_("Too many failed logins; try again later."), retry_after=wait)
    # authenticate() runs the password hasher for unknown users too, so timing matches.
    user = authenticate(request, username=email, password=password)
    if (
        not isinstance(user, User)
        or user.organization_id is None
        or user.deleted_at is not None
        or user.is_system  # rule actions run as it; nobody signs in as it
    ):
        ratelimit.hit(per_pair, pair)
        ratelimit.hit(per_ip, ip)
        _log(email, ip, request, succeeded=False)
        raise errors.NotAuthenticated(_("Invalid e-mail address or password."))
    _log(email, ip, request, succeeded=True)
    return user


def _log(email: str, ip: str, request: HttpRequest, *, succeeded: bool) -> None:
    LoginAttempt.objects.create(
        email=email[:254],
        ip=ip,
        succeeded=succeeded,
        user_agent=request.headers.get("User-Agent", "")[:300],
    )
