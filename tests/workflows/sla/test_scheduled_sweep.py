"""The SLA sweep as production runs it: django-q2's scheduler in a real `manage.py worker`.

Nothing here calls the sweep. The worker installs its schedules on start, the
scheduler finds the sweep due, and the timers of a ticket whose deadlines have
passed fire: reminders and breaches recorded as events, each exactly once.
"""

from __future__ import annotations

from collections import Counter

import pytest
import time_machine
from django_q.models import Schedule, Task

from ruledesk.events.models import DomainEvent
from ruledesk.tenancy.models import User
from tests import processes
from workflows import services
from workflows.sla import services as sla
from workflows.sla.models import SlaTimer

from .conftest import MONDAY_10, OFFICE

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
SWEEP = "workflows.sla.tasks.sla_sweep"


def test_the_scheduler_fires_the_sweep_and_records_reminders_and_breaches(
    admin: User, requester: User, tmp_path
) -> None:
    calendar = sla.business_calendar_create(
        actor=admin, name="Office", timezone="UTC", hours=OFFICE
    )
    sla.sla_policy_create(
        actor=admin,
        name="Standard",
        calendar_id=calendar.pk,
        first_response_minutes=60,
        resolution_minutes=480,
        reminder_percent=50,
    )
    # Filed on a past Monday at 10:00: every deadline (first response 11:00, resolution
    # Tuesday 10:00) and every reminder lies in the past for the worker's real clock.
    with time_machine.travel(MONDAY_10, tick=False):
        ticket = services.ticket_create(actor=requester, title="Printer jams")
    assert SlaTimer.objects.filter(ticket=ticket, fired_at__isnull=True).count() == 4
    assert not Schedule.objects.filter(func=SWEEP).exists()  # the worker installs it

    worker = processes.start_worker(tmp_path / "worker.log")
    try:
        processes.wait_ready(worker)
        assert Schedule.objects.filter(func=SWEEP).exists()
        # django-q2's scheduler looks for due schedules about every 30 s; the sweep's
        # cron fires every 30 s: two rounds at most, with room for a loaded machine.
        processes.wait_for(
            lambda: not SlaTimer.objects.filter(ticket=ticket, fired_at__isnull=True).exists(),
            worker,
            seconds=150,
        )
    finally:
        processes.stop(worker)

    fired = Counter(
        (e.type, e.payload["target"])
        for e in DomainEvent.objects.filter(ticket_id=ticket.pk, type__startswith="sla.")
    )
    assert fired == Counter(
        {
            ("sla.warning", "first_response"): 1,
            ("sla.breached", "first_response"): 1,
            ("sla.warning", "resolution"): 1,
            ("sla.breached", "resolution"): 1,
        }
    )
    assert Task.objects.filter(func=SWEEP, success=True).exists()  # the scheduler's own run
