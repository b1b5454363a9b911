"""Token login: the shared credentials check, then a token."""

from __future__ import annotations

from django.http import HttpRequest

from ruledesk.api.authentication import token_issue
from ruledesk.api.models import ApiToken
from ruledesk.tenancy.signin import credentials_check


def login_for_token(
    *, request: HttpRequest, email: str, password: str, ip: str
) -> tuple[str, ApiToken]:
    """Issue a token for valid credentials; every attempt is recorded."""
    user = credentials_check(request=request, email=email, password=password, ip=ip)
    return token_issue(user=user)
