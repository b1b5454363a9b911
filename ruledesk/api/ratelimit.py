"""Fixed-window counters in the shared (database) cache.

Written by hand rather than with DRF's SimpleRateThrottle because that one
stores every request timestamp per key (300 floats rewritten on each write);
a counter per window is one small row and the same for web and worker.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from django.core.cache import cache


@dataclass(frozen=True)
class Limit:
    scope: str
    limit: int
    window_seconds: int


def _key(limit: Limit, identity: str, window_start: int) -> str:
    digest = hashlib.sha256(identity.encode()).hexdigest()[:32]
    return f"rl:{limit.scope}:{digest}:{window_start}"


def _window(limit: Limit) -> tuple[int, int]:
    now = int(time.time())
    start = now - now % limit.window_seconds
    return start, start + limit.window_seconds - now


def hit(limit: Limit, identity: str) -> int | None:
    """Count one event; return seconds to wait when the limit is exceeded, else None."""
    start, remaining = _window(limit)
    key = _key(limit, identity, start)
    if cache.add(key, 1, timeout=limit.window_seconds + 1):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=limit.window_seconds + 1)
            count = 1
    return remaining if count > limit.limit else None


def exceeded(limit: Limit, identity: str) -> int | None:
    """Seconds to wait if the limit is already used up, without counting."""
    start, remaining = _window(limit)
    count = cache.get(_key(limit, identity, start), 0)
    return remaining if count >= limit.limit else None


def reset(limit: Limit, identity: str) -> None:
    start, _ = _window(limit)
    cache.delete(_key(limit, identity, start))
