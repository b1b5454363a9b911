"""django-q2 task wrappers for SLA (periodic; idempotent, no required arguments)."""

from __future__ import annotations

from workflows.sla import services


def sla_sweep() -> int:
    """Fire due SLA timers (registered to run every 30 seconds in WorkflowsConfig.ready)."""
    return services.sla_sweep()
