"""The SLA clocks of one ticket, derived from its policy, calendar and status log.

Everything here is recomputed from facts, never from counters: the ticket's
`created_at`, its `first_responded_at`, and the append-only StatusTransition log.
Paused time (`waiting_on_requester`) is found by replaying the log, so a due time
can always be recomputed and checked.

Semantics (documented in architecture.md, SLA):
- First response runs from creation until the first public agent comment; it is
  inactive while the ticket waits on the requester or is resolved/closed.
- Resolution runs from creation, or from the latest reopen (a reopen restarts the
  full resolution target from the reopen moment and starts a new "cycle": the
  resolution breach flag is cleared and warning/breach can fire again); it is
  paused while waiting on the requester and stops at `resolved`.
- While a ticket waits, its stored due times are the ones it would have if it
  resumed now; on resume they are recomputed from the log (pushed by the business
  minutes paused). A warning time not yet reached when a pause starts is cleared.
- The warning fires when `reminder_percent` of the target's business minutes have
  elapsed; the breach at the due time.

Hooks (called by workflows services inside their transaction, ticket row locked):
`ticket_sla_sync(ticket=..., rematch=...)`.

Split by subject: `calendars` (stored calendars as pure ones), `deadlines` (pure due and
warning times), `hook` (policy matching, the ticket hook and timer rows, the
`apply_sla_policy` action), `state` (the SLA state a list shows); import from here.
"""

from workflows.sla.clocks.breakdown import Clock, clocks_of
from workflows.sla.clocks.calendars import DAY_KEYS, calendar_of, organization_calendar
from workflows.sla.clocks.deadlines import (
    DONE,
    FIRST_RESPONSE_INACTIVE,
    Plan,
    Span,
    Targets,
    deadline,
    plan,
    status_spans,
)
from workflows.sla.clocks.hook import (
    SLA_FIELDS,
    sla_policy_apply,
    sla_policy_match,
    ticket_sla_prepare,
    ticket_sla_start,
    ticket_sla_sync,
)
from workflows.sla.clocks.state import sla_state

__all__ = [
    "DAY_KEYS",
    "Clock",
    "DONE",
    "FIRST_RESPONSE_INACTIVE",
    "SLA_FIELDS",
    "Plan",
    "Span",
    "Targets",
    "calendar_of",
    "clocks_of",
    "deadline",
    "organization_calendar",
    "plan",
    "sla_policy_apply",
    "sla_policy_match",
    "sla_state",
    "status_spans",
    "ticket_sla_prepare",
    "ticket_sla_start",
    "ticket_sla_sync",
]
