"""django-q2 entry points of the rules engine: thin and idempotent."""

from __future__ import annotations

from rules_engine import services


def rules_schedule_run() -> int:
    """Run due time-based rules (registered as the periodic job "rules-schedule")."""
    return services.rules_schedule_run()


def rule_executions_prune() -> int:
    """Delete records past their retention (registered as "rule-executions-prune")."""
    return services.rule_executions_prune()
