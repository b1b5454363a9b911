"""SLA writes and computations, split by subject; import from here.

- `calendars`: business calendars (hours, holidays, time zone) and their validation;
- `policies`: SLA policies; edits recompute running tickets in the background;
- `preview`: which policy a new ticket would get, and simulations of a draft policy;
- `sweep`: the periodic sweep that fires due warnings and breaches.

The per-ticket clocks live in `workflows.sla.clocks` (imported by the ticket services);
the names other apps use are re-exported here (INTERFACES: organization_calendar,
sla_policy_apply, sla_state).
"""

from workflows.sla.clocks import organization_calendar, sla_policy_apply, sla_state
from workflows.sla.services.calendars import (
    MAX_HOLIDAYS,
    business_calendar_create,
    business_calendar_delete,
    business_calendar_update,
    hours_parse,
)
from workflows.sla.services.common import UNSET
from workflows.sla.services.policies import (
    MATCH_FIELDS,
    POLICY_FIELDS,
    TARGET_FIELDS,
    sla_policy_create,
    sla_policy_delete,
    sla_policy_update,
)
from workflows.sla.services.preview import (
    SIMULATE_MAX_TICKETS,
    Preview,
    moment_parse,
    sla_policy_preview,
    sla_policy_simulate,
)
from workflows.sla.services.sweep import sla_sweep

__all__ = [
    "MATCH_FIELDS",
    "MAX_HOLIDAYS",
    "POLICY_FIELDS",
    "SIMULATE_MAX_TICKETS",
    "TARGET_FIELDS",
    "UNSET",
    "Preview",
    "business_calendar_create",
    "business_calendar_delete",
    "business_calendar_update",
    "hours_parse",
    "moment_parse",
    "organization_calendar",
    "sla_policy_apply",
    "sla_policy_create",
    "sla_policy_delete",
    "sla_policy_preview",
    "sla_policy_simulate",
    "sla_policy_update",
    "sla_state",
    "sla_sweep",
]
