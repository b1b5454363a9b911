"""django-q2 entry points of the API layer."""

from __future__ import annotations

from ruledesk.api import ratelimit


def ratelimit_prune() -> int:
    return ratelimit.counters_prune()
