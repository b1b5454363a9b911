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


class WriteThrottle(BaseThrottle):
    """A write counts against its user's allowance and its client IP's, in one statement."""

    def __init__(self) -> None:
        self._wait: int | None = None

    def allow_request(self, request: Request, view: Any) -> bool:
        if request.method in SAFE_METHODS:
            return True
        per_minute = settings.RULEDESK_RATE_WRITES_PER_MIN
        hits = [
            (
                ratelimit.Limit("writes-ip", per_minute * IP_ALLOWANCE_FACTOR, 60),
                f"ip:{client_ip(request)}",
            )
        ]
        user = request.user
        if user and user.is_authenticated:
            hits.append((ratelimit.Limit("writes-user", per_minute, 60), f"user:{user.pk}"))
        self._wait = ratelimit.hit_all(hits)
        return self._wait is None

    def wait(self) -> float | None:
        return self._wait
