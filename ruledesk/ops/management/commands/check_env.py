"""`manage.py check_env`: report every problem with the environment, or say it is fine.

Settings let this command load with a broken environment (they look at
`sys.argv`), so it can list all problems at once instead of dying on the first.
Output names variables, never their values.
"""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ruledesk.config_check import original_environ, problems


class Command(BaseCommand):
    help = "Validate the environment variables; exit non-zero and list the problems if any."
    requires_system_checks: list[str] = []

    def handle(self, *args: Any, **options: Any) -> None:
        found = problems(original_environ(os.environ))
        if found:
            for problem in found:
                self.stderr.write(f"- {problem}")
            raise CommandError(f"Environment has {len(found)} problem(s).", returncode=2)
        self.stdout.write("Environment OK")
