"""What a rule's actions run with: the action context, the event's ticket state, results.

Its own module so that the registry of handlers (`actions`) and the handlers that live
elsewhere (`notify`) both build on it without importing each other.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypedDict

from django.utils.translation import gettext as _

from ruledesk import errors
from ruledesk.tenancy.models import User
from rules_engine import snapshot
from rules_engine.models import Rule
from workflows.models import Ticket


class ActionResult(TypedDict, total=False):
    type: str
    ok: bool
    error: str


@dataclass
class TicketState:
    """The ticket the actions of one event act on: loaded at most once until an action writes.

    `event_process` seeds it with the ticket its snapshot was built from. A field edit
    hands over the ticket `ticket_update` returned (`ActionContext.adopt`); after any
    other action that may have changed the ticket, `apply.run_one` forgets it and the
    next action reads it again. Edits that would change nothing (the value or tags are
    already as asked) are skipped on what it holds, recorded as ok.
    """

    organization_id: int
    ticket_id: int
    current: Ticket | None = None
    tag_names: list[str] | None = None

    def ticket(self) -> Ticket:
        if self.current is None:
            found = snapshot.ticket_load(
                organization_id=self.organization_id, ticket_id=self.ticket_id
            )
            if found is None:
                raise errors.NotFound(_("The ticket no longer exists."))
            self.current = found
        return self.current

    def tags(self) -> list[str]:
        """The ticket's tag names, in the order the database returns them."""
        if self.tag_names is None:
            self.tag_names = list(self.ticket().tags.values_list("name", flat=True))
        return self.tag_names

    def forget(self) -> None:
        self.current = None
        self.tag_names = None


@dataclass(frozen=True)
class ActionContext:
    """Who acts, on what, and because of which event."""

    rule: Rule
    actor: User
    ticket_id: int
    event_type: str
    event_id: int | None
    event_actor_id: int | None
    event_payload: Mapping[str, Any]
    event_changes: Mapping[str, Any]
    depth: int  # depth for events the actions cause: the triggering event's depth + 1
    dedup_prefix: str  # unique per (event or schedule firing, rule)
    # Shared by every rule of one event; a fresh one (nothing cached) by default.
    state: TicketState | None = field(default=None, compare=False)

    def ticket(self) -> Ticket:
        return self._state().ticket()

    def tags(self) -> list[str]:
        return self._state().tags()

    def adopt(self, updated: Ticket) -> bool:
        """Hold the ticket a workflows service returned (as it now is) for the next actions."""
        state = self._state()
        state.current = updated
        state.tag_names = None
        return UNCHANGED

    def _state(self) -> TicketState:
        state = self.state
        if state is None:
            state = TicketState(self.rule.organization_id, self.ticket_id)
            object.__setattr__(self, "state", state)  # frozen: set once, on first use
        return state


# A handler returns UNCHANGED (False) when the ticket the event holds is still current: it
# changed nothing, or it handed the updated ticket over with `ctx.adopt`. Otherwise (None)
# the next action reads the ticket again.
Handler = Callable[[ActionContext, Mapping[str, Any], int], bool | None]
UNCHANGED = False
