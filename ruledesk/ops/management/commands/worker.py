from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand

from ruledesk.ops.schedules import schedules_install


class Command(BaseCommand):
    help = "Run the django-q2 worker cluster after making sure the declared schedules exist."

    def handle(self, *args: Any, **options: Any) -> None:
        schedules_install()
        call_command("qcluster")
