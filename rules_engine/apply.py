"""Carrying out the matched rules of one event, in order, with their field edits merged.

The rules of one event all decide on the same snapshot, so their field edits
(priority, category, team, tags) can be folded into one `ticket_update`: one
row lock, one history row and one `ticket.updated` instead of one of each per
action, which also spares the engine a cascade of follow-on events. The end
state is what applying them one by one gives: a later rule's value wins, tags
are added and removed in order. Any other action first flushes the pending
edits, so it sees the ticket as every earlier action left it. When the merged
update is refused, the edits are replayed one at a time, so each failure is
recorded on its own action and the others still apply.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from ruledesk import errors
from rules_engine.actions import HANDLERS, SKIPPABLE, changes_nothing, describe
from rules_engine.context import UNCHANGED, ActionContext, ActionResult
from workflows import services as tickets

# Actions that only set ticket fields: what the merged update is made of.
MERGEABLE = SKIPPABLE


@dataclass
class Run:
    """One matched rule's actions: their results and the time spent on its behalf."""

    ctx: ActionContext
    actions: Sequence[Mapping[str, Any]]
    results: list[ActionResult] = field(default_factory=list)
    seconds: float = 0.0


@dataclass
class _Edit:
    run: Run
    action: Mapping[str, Any]
    index: int
    result: ActionResult


def run_matched(runs: Sequence[Run]) -> None:
    """Carry out every run's actions in order (results and times are filled in on each)."""
    pending: list[_Edit] = []
    for run in runs:
        for index, action in enumerate(run.actions):
            result: ActionResult = {"type": str(action.get("type")), "ok": True}
            run.results.append(result)
            if result["type"] in MERGEABLE:
                pending.append(_Edit(run, action, index, result))
                continue
            _flush(pending)
            started = time.perf_counter()
            run_one(run.ctx, action, index, result)
            run.seconds += time.perf_counter() - started
    _flush(pending)


def run_one(
    ctx: ActionContext, action: Mapping[str, Any], index: int, result: ActionResult
) -> None:
    """One action in its own savepoint; a refusal is recorded on `result`, never raised."""
    kind = result["type"]
    handler = HANDLERS.get(kind)
    outcome: bool | None = None
    try:
        if handler is None:
            raise errors.ValidationFailed(_("Unknown action type %(type)s.") % {"type": repr(kind)})
        if kind in SKIPPABLE and changes_nothing(ctx, action):
            outcome = UNCHANGED
        else:
            with transaction.atomic():
                outcome = handler(ctx, action, index)
    except errors.ApplicationError as exc:
        result["ok"] = False
        result["error"] = describe(exc)
    if outcome is not UNCHANGED and ctx.state is not None:
        ctx.state.forget()


def _flush(pending: list[_Edit]) -> None:
    """Apply the pending field edits as one `ticket_update` (nothing when they change nothing)."""
    if not pending:
        return
    started = time.perf_counter()
    ctx = pending[0].run.ctx
    try:
        fields = _merged(ctx, pending)
        if fields:
            with transaction.atomic():
                updated = tickets.ticket_update(
                    actor=ctx.actor, ticket=ctx.ticket(), depth=ctx.depth, **fields
                )
            ctx.adopt(updated)
    except errors.ApplicationError:
        if ctx.state is not None:
            ctx.state.forget()
        for edit in pending:
            run_one(edit.run.ctx, edit.action, edit.index, edit.result)
    spent = time.perf_counter() - started
    for run in {id(edit.run): edit.run for edit in pending}.values():
        run.seconds += spent
    pending.clear()


def _merged(ctx: ActionContext, pending: list[_Edit]) -> dict[str, Any]:
    """The `ticket_update` arguments the edits add up to, only those that change the ticket."""
    ticket = ctx.ticket()
    wanted: dict[str, Any] = {}
    tags: list[str] | None = None
    for edit in pending:
        action, kind = edit.action, edit.result["type"]
        if kind == "set_priority":
            wanted["priority"] = action["priority"]
        elif kind == "set_category":
            wanted["category_id"] = action["category"]
        elif kind == "assign_team":
            wanted["team_id"] = action["team"]
        else:
            tags = list(ctx.tags()) if tags is None else tags
            tags = _retagged(tags, kind, action["tags"])
    current = {
        "priority": ticket.priority,
        "category_id": ticket.category_id,
        "team_id": ticket.team_id,
    }
    fields = {name: value for name, value in wanted.items() if value != current[name]}
    if tags is not None and _folded(tags) != _folded(ctx.tags()):
        fields["tags"] = tags
    return fields


def _retagged(current: list[str], kind: str, names: Sequence[str]) -> list[str]:
    """`add_tags` / `remove_tags` on a list of names, case-insensitively, as their handlers do."""
    have = {name.casefold() for name in current}
    if kind == "add_tags":
        added: list[str] = []
        for raw in names:
            name = raw.strip()
            if name.casefold() not in have:
                have.add(name.casefold())
                added.append(name)
        return [*current, *added]
    drop = {name.strip().casefold() for name in names}
    return [name for name in current if name.casefold() not in drop]


def _folded(names: Sequence[str]) -> set[str]:
    return {name.casefold() for name in names}
