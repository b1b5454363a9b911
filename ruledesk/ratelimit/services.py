"""Fixed-window counters, one row per (limit, identity), counted by one atomic statement.

Used by the API's throttles and login lockout and by services (the comment cooldown), so
it lives in the platform, not in the REST package.

Written by hand rather than with DRF's SimpleRateThrottle because that one
stores every request timestamp per key (300 floats rewritten on each write).
A cache's add()-then-incr() is not atomic on the database cache (it reads, then
writes), so concurrent requests lost counts; here a single
`INSERT … ON CONFLICT DO UPDATE … RETURNING` counts under the row lock, resets
the count when a new window starts, and costs one query.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection

from ruledesk.ratelimit.models import RateCounter

_HIT = f"""
INSERT INTO {RateCounter._meta.db_table} (key, window_start, count) VALUES {{rows}}
ON CONFLICT (key) DO UPDATE SET
    count = CASE WHEN {RateCounter._meta.db_table}.window_start = EXCLUDED.window_start
                 THEN {RateCounter._meta.db_table}.count + 1 ELSE 1 END,
    window_start = EXCLUDED.window_start
RETURNING key, count
"""  # noqa: S608 - the only interpolations are our own table name and placeholders


@dataclass(frozen=True)
class Limit:
    scope: str
    limit: int
    window_seconds: int


def _key(limit: Limit, identity: str) -> str:
    digest = hashlib.sha256(identity.encode()).hexdigest()[:32]
    return f"{limit.scope}:{digest}"


def _window(limit: Limit) -> tuple[int, int]:
    now = int(time.time())
    start = now - now % limit.window_seconds
    return start, start + limit.window_seconds - now


def hit(limit: Limit, identity: str) -> int | None:
    """Count one event; return seconds to wait when the limit is exceeded, else None."""
    return hit_all([(limit, identity)])


def hit_all(hits: Sequence[tuple[Limit, str]]) -> int | None:
    """Count one event against several limits in one statement (an API write counts per
    user and per IP: one round trip instead of two); the longest wait among the limits
    exceeded, else None. Rows go in key order, so concurrent statements lock them in the
    same order and cannot deadlock."""
    by_key = {_key(limit, identity): limit for limit, identity in hits}
    keys = sorted(by_key)
    params: list[str | int] = []
    for key in keys:
        params += [key, _window(by_key[key])[0]]
    with connection.cursor() as cursor:
        cursor.execute(_HIT.format(rows=", ".join(["(%s, %s, 1)"] * len(keys))), params)
        counts = dict(cursor.fetchall())
    waits = [_window(limit)[1] for key, limit in by_key.items() if counts[key] > limit.limit]
    return max(waits) if waits else None


def exceeded(limit: Limit, identity: str) -> int | None:
    """Seconds to wait if the limit is already used up, without counting."""
    start, remaining = _window(limit)
    count = (
        RateCounter.objects.filter(key=_key(limit, identity), window_start=start)
        .values_list("count", flat=True)
        .first()
    ) or 0
    return remaining if count >= limit.limit else None


def reset(limit: Limit, identity: str) -> None:
    RateCounter.objects.filter(key=_key(limit, identity)).delete()


def counters_prune(*, older_than_seconds: int = 86_400) -> int:
    """Delete counters whose window ended long ago (identities that went quiet)."""
    cutoff = int(time.time()) - older_than_seconds
    deleted, _ = RateCounter.objects.filter(window_start__lt=cutoff).delete()
    return deleted
