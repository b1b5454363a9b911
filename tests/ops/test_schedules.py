"""Periodic jobs declared in code become django-q2 schedules, idempotently."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
from croniter import croniter
from django.core.management import call_command
from django_q.models import Schedule

from ruledesk.ops import schedules


@pytest.fixture
def declared() -> Iterator[None]:
    saved = dict(schedules._jobs)
    yield
    schedules._jobs.clear()
    schedules._jobs.update(saved)


def test_every_app_job_is_installed_once(db: None) -> None:
    call_command("schedules_install")
    call_command("schedules_install")

    rows = {s.name: s for s in Schedule.objects.filter(name__startswith="ruledesk:")}
    assert "ruledesk:events-redispatch" in rows
    assert len(rows) == len(schedules.jobs())
    redispatch = rows["ruledesk:events-redispatch"]
    assert redispatch.func == "ruledesk.events.tasks.redispatch_pending"
    assert redispatch.repeats == -1


def test_sub_minute_jobs_use_a_seconds_cron_and_others_whole_minutes(
    db: None, declared: None
) -> None:
    schedules.register("test-fast", "ruledesk.ops.tasks.heartbeat", 30)
    schedules.register("test-slow", "ruledesk.ops.tasks.heartbeat", 300)

    schedules.schedules_install()

    fast = Schedule.objects.get(name="ruledesk:test-fast")
    slow = Schedule.objects.get(name="ruledesk:test-slow")
    assert fast.schedule_type == Schedule.CRON
    runs = croniter(fast.cron, datetime(2026, 1, 1, 10, 0, 5))  # noqa: DTZ001 - cron arithmetic
    assert [runs.get_next(datetime).second for _ in range(3)] == [30, 0, 30]
    assert (slow.schedule_type, slow.minutes) == (Schedule.MINUTES, 5)


def test_a_job_no_longer_declared_loses_its_schedule(db: None, declared: None) -> None:
    schedules.register("test-gone", "ruledesk.ops.tasks.heartbeat", 60)
    schedules.schedules_install()
    del schedules._jobs["test-gone"]

    schedules.schedules_install()

    assert not Schedule.objects.filter(name="ruledesk:test-gone").exists()


@pytest.mark.parametrize("seconds", [0, 10, 29, 90])
def test_intervals_the_scheduler_cannot_keep_are_refused(seconds: int, declared: None) -> None:
    with pytest.raises(ValueError, match="every_seconds"):
        schedules.register("test-bad", "ruledesk.ops.tasks.heartbeat", seconds)
