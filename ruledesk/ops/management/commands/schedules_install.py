from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from ruledesk.ops.schedules import schedules_install


class Command(BaseCommand):
    help = "Write the periodic jobs declared in code as django-q2 schedules (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        names = schedules_install()
        self.stdout.write(f"Schedules installed: {', '.join(names) or 'none'}.")
