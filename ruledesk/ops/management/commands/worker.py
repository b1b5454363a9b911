from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand

from ruledesk.ops.schedules import schedules_install
from ruledesk.ops.warmup import warm_up


class Command(BaseCommand):
    help = (
        "Run the django-q2 worker cluster after making sure the declared schedules exist"
        " and warming the caches its forked workers inherit."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        schedules_install()
        warm_up()
        call_command("qcluster")
