"""Password reset by e-mail: a signed, single-use link through the e-mail outbox.

The answer never says whether an address is known (no account enumeration);
requests are rate limited per address and per client IP so nobody can flood
an inbox. Django's token generator makes the link single-use (it hashes the
password and last login) and time-bound (`PASSWORD_RESET_TIMEOUT`).
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext as _

from ruledesk import errors
from ruledesk.audit import services as audit
from ruledesk.notifications.models import ACCOUNT_PASSWORD_RESET
from ruledesk.notifications.services import account_email_send
from ruledesk.ratelimit import services as ratelimit
from ruledesk.tenancy.models import User
from ruledesk.tenancy.services import _check_password

PER_ADDRESS = ratelimit.Limit("password-reset-email", 3, 3600)
PER_IP = ratelimit.Limit("password-reset-ip", 20, 3600)


def password_reset_request(*, email: str, ip: str, link_for: Callable[[str, str], str]) -> None:
    """Queue a reset link when `email` belongs to an active member; silent otherwise.

    `link_for(uidb64, token)` builds the absolute URL of the confirmation page.
    """
    email = email.strip().lower()
    wait = ratelimit.hit(PER_IP, ip) or ratelimit.hit(PER_ADDRESS, email)
    if wait:
        raise errors.RateLimited(
            _("Too many reset requests; try again later."),
            retry_after=wait,
        )
    user = User.live.filter(email=email, is_active=True, organization__isnull=False).first()
    if user is None:
        return
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    link = link_for(uidb64, default_token_generator.make_token(user))
    context = {"user": user, "link": link, "organization": user.organization}
    with translation.override(user.locale):
        subject = _("Reset your Ruledesk password")
        text = render_to_string("emails/password_reset.txt", context)
        html = render_to_string("emails/password_reset.html", context)
    account_email_send(
        user=user, kind=ACCOUNT_PASSWORD_RESET, subject=subject, text=text, html=html
    )


def password_reset_user(*, uidb64: str, token: str) -> User | None:
    """The active member a reset link names, if its token is still valid."""
    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError):
        return None
    user = User.live.filter(pk=pk, is_active=True, organization__isnull=False).first()
    if user is None or not default_token_generator.check_token(user, token):
        return None
    return user


def password_reset_complete(*, user: User, password: str) -> User:
    """Set the new password chosen through a valid link; audited."""
    _check_password(password, user)
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password", "updated_at"])
        audit.record(
            actor=user,
            action="user.password_reset",
            obj_type="user",
            obj_id=user.pk,
            organization_id=user.organization_id,
        )
    return user
