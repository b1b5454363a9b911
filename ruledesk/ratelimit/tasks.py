"""django-q2 entry points of the rate limiter."""

from __future__ import annotations

from ruledesk.ratelimit import services as ratelimit


def ratelimit_prune() -> int:
    return ratelimit.counters_prune()
