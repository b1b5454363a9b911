"""Write rate limits per user and per client IP (api.md: 300 writes/min by default)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from ruledesk.client_ip import client_ip
from ruledesk.ratelimit import services as ratelimit

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
# Per IP the allowance is wider: many users may share one office NAT.
IP_ALLOWANCE_FACTOR = 10


class UserWriteThrottle(BaseThrottle):
    def __init__(self) -> None:
        self._wait: int | None = None

    def allow_request(self, request: Request, view: Any) -> bool:
        user = request.user
        if request.method in SAFE_METHODS or not (user and user.is_authenticated):
            return True
        limit = ratelimit.Limit("writes-user", settings.RULEDESK_RATE_WRITES_PER_MIN, 60)
        self._wait = ratelimit.hit(limit, f"user:{user.pk}")
        return self._wait is None

    def wait(self) -> float | None:
        return self._wait


class IpWriteThrottle(BaseThrottle):
    def __init__(self) -> None:
        self._wait: int | None = None

    def allow_request(self, request: Request, view: Any) -> bool:
        if request.method in SAFE_METHODS:
            return True
        allowance = settings.RULEDESK_RATE_WRITES_PER_MIN * IP_ALLOWANCE_FACTOR
        limit = ratelimit.Limit("writes-ip", allowance, 60)
        self._wait = ratelimit.hit(limit, f"ip:{client_ip(request)}")
        return self._wait is None

    def wait(self) -> float | None:
        return self._wait
