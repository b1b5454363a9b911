"""Recompute the clocks of running tickets after an SLA policy or calendar edit.

Due times are computed at creation and recomputed when a ticket's priority, category
or policy changes (issue 4), and also when the policy or calendar behind them is
edited: the policy and calendar services describe their edit as an `SlaChange` and
enqueue `workflows.sla.tasks.sla_recompute` in their own transaction (the ORM broker
lives in the same database, so the task commits or rolls back with the edit and is
only visible to workers once the edit is).

Which open (not resolved/closed) tickets of the organization, and how:
- Who policies match changed (a policy created active; an active policy's priority,
  category or position edited; a policy activated or deactivated): a ticket whose
  policy is the one the organization's active policies *before the edit* matched for
  its priority and category (`matchers_before`, a snapshot taken in the edit's
  transaction) is matched again (`rematch=True`). A ticket under any other policy
  keeps it: the rule action apply_sla_policy put it there (or an edit older than this
  mechanism did), and a policy edit must not silently undo a rule.
- What a policy measures changed (its minutes, reminder percent or calendar): tickets
  under that policy are recomputed on it (`rematch=False`), whoever chose it.
- A calendar's hours, holidays or time zone changed: tickets whose policy uses it.
- Nothing to do: a calendar created (no policy uses it yet) or deleted (refused while
  a policy uses it), a policy deleted (refused while any ticket has it; a policy no
  ticket has was no ticket's first match, so removing it changes no match), a policy
  created inactive, renames.

`clocks.ticket_sla_sync` does the work with the ticket row locked, so the rules are
those of any other recompute: values are written by UPDATE without a history row or
event (the edit's audit entry is the record), breach flags already set stay set, and
a fired timer is never rewritten or fired again (an extended target does not undo a
breach or a warning that already happened; a shortened one whose new due time has
passed fires at the next sweep). A waiting ticket's due times are, as always, the
ones it would have if it resumed now.

The task walks the tickets in id order (keyset chunks of CHUNK, each in its own
transaction), locking them with SKIP LOCKED so it never waits on a ticket being
edited. Skipped tickets are tried again after the walk, and those still locked by a
later run (a one-off django-q2 schedule RETRY_DELAY later, up to MAX_RETRY_RUNS).
A run stops after BUDGET_SECONDS and enqueues its continuation, well inside the
task timeout. Running it again changes nothing: it recomputes from the same facts.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django_q.tasks import async_task, schedule

from workflows.models import Ticket
from workflows.sla import clocks
from workflows.sla.models import SlaPolicy

logger = logging.getLogger(__name__)

TASK = "workflows.sla.tasks.sla_recompute"
CHUNK = 200
BUDGET_SECONDS = 20.0
RETRY_DELAY = timedelta(minutes=1)
MAX_RETRY_RUNS = 30

# (policy id, priority or None, category id or None) of active policies, in match order.
Matcher = tuple[int, str | None, int | None]


@dataclass(frozen=True)
class SlaChange:
    """What an edit changed, as far as running tickets are concerned."""

    policy_id: int | None = None  # tickets under it are recomputed on it
    calendar_id: int | None = None  # tickets whose policy uses it are recomputed
    matchers_before: tuple[Matcher, ...] | None = None  # set when who policies match changed

    def __bool__(self) -> bool:
        return (self.policy_id, self.calendar_id, self.matchers_before) != (None, None, None)

    def as_args(self) -> dict[str, Any]:
        """Plain values for the task's arguments."""
        return {
            "policy_id": self.policy_id,
            "calendar_id": self.calendar_id,
            "matchers_before": (
                None if self.matchers_before is None else [list(m) for m in self.matchers_before]
            ),
        }

    @classmethod
    def from_args(cls, raw: dict[str, Any]) -> SlaChange:
        before = raw.get("matchers_before")
        return cls(
            policy_id=raw.get("policy_id"),
            calendar_id=raw.get("calendar_id"),
            matchers_before=None if before is None else tuple((m[0], m[1], m[2]) for m in before),
        )


def policy_matchers(organization_id: int) -> tuple[Matcher, ...]:
    """The organization's active policies in match order (call inside the edit's transaction)."""
    return tuple(
        SlaPolicy.objects.filter(organization_id=organization_id, active=True)
        .order_by("position", "id")
        .values_list("id", "priority", "category_id")
    )


def first_match(matchers: Iterable[Matcher], priority: str, category_id: int | None) -> int | None:
    """`clocks.sla_policy_match` over a snapshot: null priority/category match every value."""
    for policy_id, wanted_priority, wanted_category in matchers:
        if wanted_priority in (None, priority) and wanted_category in (None, category_id):
            return policy_id
    return None


def sla_recompute_enqueue(*, organization_id: int, change: SlaChange) -> None:
    """Enqueue the recompute inside the editing service's transaction (nothing when empty)."""
    if change:
        async_task(
            TASK, organization_id, change.as_args(), task_name=f"sla-recompute-{organization_id}"
        )


@dataclass
class _Scope:
    """The change resolved for one run: which policies' tickets are recomputed in place."""

    organization_id: int
    change: SlaChange
    recompute_policy_ids: frozenset[int]

    def how(self, policy_id: int | None, priority: str, category_id: int | None) -> bool | None:
        """rematch (True), recompute on its policy (False) or leave alone (None)."""
        before = self.change.matchers_before
        if before is not None and policy_id == first_match(before, priority, category_id):
            return True
        if policy_id is not None and policy_id in self.recompute_policy_ids:
            return False
        return None


def _scope(organization_id: int, change: SlaChange) -> _Scope:
    ids: set[int] = set()
    if change.policy_id is not None:
        ids.add(change.policy_id)
    if change.calendar_id is not None:
        ids.update(
            SlaPolicy.objects.filter(
                organization_id=organization_id, calendar_id=change.calendar_id
            ).values_list("id", flat=True)
        )
    return _Scope(organization_id, change, frozenset(ids))


def _open_tickets(organization_id: int) -> QuerySet[Ticket]:
    return Ticket.objects.filter(organization_id=organization_id).exclude(status__in=clocks.DONE)


def _candidates(scope: _Scope, after_id: int) -> tuple[list[int], int | None]:
    """The next chunk's affected ticket ids and the cursor after it (None: the last chunk)."""
    tickets = _open_tickets(scope.organization_id).filter(pk__gt=after_id)
    if scope.change.matchers_before is None:  # only tickets under the affected policies
        tickets = tickets.filter(sla_policy_id__in=scope.recompute_policy_ids)
    rows = list(
        tickets.order_by("pk").values_list("pk", "sla_policy_id", "priority", "category_id")[:CHUNK]
    )
    if not rows:
        return [], None
    wanted = [
        pk for pk, policy_id, prio, cat in rows if scope.how(policy_id, prio, cat) is not None
    ]
    return wanted, rows[-1][0] if len(rows) == CHUNK else None


def _sync(scope: _Scope, ticket_ids: Sequence[int]) -> tuple[int, list[int]]:
    """Recompute the given tickets in one transaction; returns (synced, ids still locked)."""
    if not ticket_ids:
        return 0, []
    synced = 0
    with transaction.atomic():
        tickets = list(
            _open_tickets(scope.organization_id)
            .select_for_update(skip_locked=True)
            .filter(pk__in=ticket_ids)
            .order_by("pk")
        )
        policies = {
            p.pk: p
            for p in SlaPolicy.objects.select_related("calendar").filter(
                organization_id=scope.organization_id,
                pk__in={t.sla_policy_id for t in tickets if t.sla_policy_id is not None},
            )
        }
        for ticket in tickets:
            # Decided again under the lock: the ticket may have changed since it was listed.
            how = scope.how(ticket.sla_policy_id, ticket.priority, ticket.category_id)
            if how is None:
                continue
            if not how and ticket.sla_policy_id in policies:
                ticket.sla_policy = policies[ticket.sla_policy_id]
            clocks.ticket_sla_sync(ticket=ticket, rematch=how)
            synced += 1
    missing = set(ticket_ids) - {t.pk for t in tickets}
    # Not returned: locked by someone else, or resolved/closed/deleted meanwhile.
    locked = sorted(
        _open_tickets(scope.organization_id).filter(pk__in=missing).values_list("pk", flat=True)
    )
    return synced, locked


def _sync_chunks(scope: _Scope, ticket_ids: Sequence[int]) -> tuple[int, list[int]]:
    synced = 0
    locked: list[int] = []
    for start in range(0, len(ticket_ids), CHUNK):
        done, still = _sync(scope, ticket_ids[start : start + CHUNK])
        synced, locked = synced + done, locked + still
    return synced, locked


def sla_tickets_recompute(
    *,
    organization_id: int,
    change: SlaChange,
    after_id: int | None = 0,
    retry_ids: Sequence[int] = (),
    retry_run: int = 0,
) -> dict[str, int]:
    """One run: `retry_ids` first, then the walk from `after_id` (None: walk finished).

    Returns {"synced": tickets recomputed, "deferred": tickets left to a later run}.
    """
    scope = _scope(organization_id, change)
    stop_at = time.monotonic() + BUDGET_SECONDS
    synced, skipped = _sync_chunks(scope, retry_ids)
    cursor = after_id
    while cursor is not None:
        wanted, cursor = _candidates(scope, cursor)
        done, locked = _sync(scope, wanted)
        synced, skipped = synced + done, skipped + locked
        if time.monotonic() >= stop_at:
            break
    if cursor is not None:  # out of time: carry on in a fresh run
        _continue(organization_id, change, cursor, skipped, retry_run)
        return {"synced": synced, "deferred": len(skipped)}
    if skipped:  # a later pass: those edits have likely committed by now
        done, skipped = _sync_chunks(scope, skipped)
        synced += done
    if skipped:
        _retry_later(organization_id, change, skipped, retry_run + 1)
    logger.info(
        "SLA recompute for organization %s: %s ticket(s) synced, %s deferred",
        organization_id,
        synced,
        len(skipped),
    )
    return {"synced": synced, "deferred": len(skipped)}


def _continue(
    organization_id: int, change: SlaChange, cursor: int, skipped: list[int], retry_run: int
) -> None:
    async_task(
        TASK,
        organization_id,
        change.as_args(),
        after_id=cursor,
        retry_ids=skipped,
        retry_run=retry_run,
        task_name=f"sla-recompute-{organization_id}",
    )


def _retry_later(organization_id: int, change: SlaChange, ticket_ids: list[int], run: int) -> None:
    if run > MAX_RETRY_RUNS:
        logger.error(
            "SLA recompute for organization %s gave up on tickets locked for too long: %s",
            organization_id,
            ticket_ids,
        )
        return
    schedule(
        TASK,
        organization_id,
        change.as_args(),
        after_id=None,
        retry_ids=ticket_ids,
        retry_run=run,
        next_run=timezone.now() + RETRY_DELAY,
    )
