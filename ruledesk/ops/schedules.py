"""Periodic jobs, declared in code by each app and upserted as django-q2 schedules.

Apps call `register()` from `AppConfig.ready()`; `manage.py schedules_install`
(run by `manage.py worker` on start and by `make migrate`) writes one
django-q2 `Schedule` row per job and deletes rows of jobs no longer declared.
django-q2's scheduler looks for due schedules about every 30 seconds, so
intervals under a minute use a cron expression with a seconds field (croniter).
"""

from __future__ import annotations

from dataclasses import dataclass

PREFIX = "ruledesk:"


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    func: str  # dotted path of a django-q2 task taking no arguments
    every_seconds: int


_jobs: dict[str, PeriodicJob] = {}


def register(name: str, func: str, every_seconds: int) -> None:
    if every_seconds < 30 or (every_seconds >= 60 and every_seconds % 60):
        raise ValueError("every_seconds must be 30..59 or a whole number of minutes")
    _jobs[name] = PeriodicJob(name=name, func=func, every_seconds=every_seconds)


def jobs() -> list[PeriodicJob]:
    return sorted(_jobs.values(), key=lambda job: job.name)


def schedules_install() -> list[str]:
    """Upsert the declared schedules; returns their names."""
    from django_q.models import Schedule

    declared = jobs()
    for job in declared:
        if job.every_seconds < 60:
            fields = {
                "schedule_type": Schedule.CRON,
                "cron": f"* * * * * */{job.every_seconds}",
                "minutes": None,
            }
        else:
            fields = {
                "schedule_type": Schedule.MINUTES,
                "minutes": job.every_seconds // 60,
                "cron": None,
            }
        Schedule.objects.update_or_create(
            name=PREFIX + job.name, defaults={"func": job.func, "repeats": -1, **fields}
        )
    Schedule.objects.filter(name__startswith=PREFIX).exclude(
        name__in=[PREFIX + job.name for job in declared]
    ).delete()
    return [job.name for job in declared]
