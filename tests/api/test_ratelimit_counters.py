"""The fixed-window counter counts every hit exactly, even under concurrency."""

from __future__ import annotations

import threading

import pytest
import time_machine
from django.db import connection

from ruledesk.ratelimit import services as ratelimit
from ruledesk.ratelimit.models import RateCounter
from tests import threads

LIMIT = ratelimit.Limit("test", limit=3, window_seconds=60)


def test_hits_over_the_limit_ask_to_wait_until_the_window_ends(db: None) -> None:
    with time_machine.travel("2026-11-25 10:00:15Z", tick=False):
        answers = [ratelimit.hit(LIMIT, "alice") for _ in range(4)]
        waiting = ratelimit.exceeded(LIMIT, "alice")
        other = ratelimit.exceeded(LIMIT, "bob")

    assert answers == [None, None, None, 45]
    assert waiting == 45
    assert other is None


def test_a_new_window_starts_the_count_again_in_the_same_row(db: None) -> None:
    with time_machine.travel("2026-11-25 10:00:59Z", tick=False):
        for _ in range(5):
            ratelimit.hit(LIMIT, "alice")
    with time_machine.travel("2026-11-25 10:01:00Z", tick=False):
        assert ratelimit.hit(LIMIT, "alice") is None
        assert ratelimit.exceeded(LIMIT, "alice") is None

    assert RateCounter.objects.count() == 1
    assert RateCounter.objects.get().count == 1


def test_one_hit_is_one_query(db: None, django_assert_num_queries: object) -> None:
    with django_assert_num_queries(1):  # type: ignore[operator]
        ratelimit.hit(LIMIT, "alice")


def test_reset_and_prune_remove_counters(db: None) -> None:
    with time_machine.travel("2026-11-20 10:00:00Z", tick=False):
        ratelimit.hit(LIMIT, "old")
    with time_machine.travel("2026-11-25 10:00:00Z", tick=False):
        ratelimit.hit(LIMIT, "alice")
        ratelimit.hit(LIMIT, "bob")
        ratelimit.reset(LIMIT, "bob")
        assert ratelimit.counters_prune() == 1

    assert RateCounter.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_hits_are_all_counted() -> None:
    """The database cache's add-then-incr lost counts here; the upsert cannot."""
    limit = ratelimit.Limit("test-concurrent", limit=1000, window_seconds=3600)
    barrier = threading.Barrier(8)

    def worker() -> None:
        try:
            barrier.wait(timeout=threads.DEADLINE)
            for _ in range(25):
                ratelimit.hit(limit, "shared")
        finally:
            connection.close()

    with time_machine.travel("2026-11-25 10:00:00Z", tick=False):  # one window throughout
        threads.join_all([threads.started(worker) for _ in range(8)])

    assert RateCounter.objects.get().count == 200
