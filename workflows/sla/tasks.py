"""django-q2 task wrappers for SLA (idempotent; the periodic ones take no arguments)."""

from __future__ import annotations

from typing import Any

from workflows.sla import recompute, services

# One periodic sweep's time budget: well inside its 30 s schedule and the 60 s task timeout.
SWEEP_BUDGET_SECONDS = 20.0


def sla_sweep() -> int:
    """Fire due SLA timers (registered to run every 30 seconds in WorkflowsConfig.ready).

    One run works off a burst: it walks every due timer once, batch after batch, until none
    is left or SWEEP_BUDGET_SECONDS are spent; the rest (and timers whose ticket was being
    edited) are the next run's.
    """
    return services.sla_sweep(limit=None, budget=SWEEP_BUDGET_SECONDS)


def sla_recompute(
    organization_id: int,
    change: dict[str, Any],
    after_id: int | None = 0,
    retry_ids: list[int] | None = None,
    retry_run: int = 0,
) -> dict[str, int]:
    """Recompute running tickets' clocks after a policy or calendar edit (see recompute.py)."""
    return recompute.sla_tickets_recompute(
        organization_id=organization_id,
        change=recompute.SlaChange.from_args(change),
        after_id=after_id,
        retry_ids=retry_ids or (),
        retry_run=retry_run,
    )
