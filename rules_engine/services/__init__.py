"""Every write of the rules engine, split by subject; import from here.

- `rules`: rule CRUD, each definition validated with the paths of its problems;
- `dry_run`: a saved or draft rule evaluated against a ticket, changing nothing;
- `dispatch`: the "rules" events consumer (`event_process`) and the per-process
  cache of parsed rule sets;
- `retention`: pruning old execution records and event snapshots;
- `schedule`: time-based rules, run from a periodic task;
- `defaults`: installing the default rule set.
"""

from rules_engine.services.defaults import rules_install_defaults
from rules_engine.services.dispatch import (
    DEPTH_LIMIT,
    MAX_EVENT_DEPTH,
    ORGANIZATION_CREATED,
    TICKET_GONE,
    CompiledRules,
    event_process,
    rules_cache_warm,
)
from rules_engine.services.dry_run import rule_dry_run
from rules_engine.services.retention import rule_executions_prune
from rules_engine.services.rules import (
    DEFINITION,
    EDITABLE,
    rule_create,
    rule_definition,
    rule_delete,
    rule_update,
)
from rules_engine.services.schedule import SCHEDULE_STATUSES, rules_schedule_run

__all__ = [
    "DEFINITION",
    "DEPTH_LIMIT",
    "EDITABLE",
    "MAX_EVENT_DEPTH",
    "ORGANIZATION_CREATED",
    "SCHEDULE_STATUSES",
    "TICKET_GONE",
    "CompiledRules",
    "event_process",
    "rule_create",
    "rule_definition",
    "rule_delete",
    "rule_dry_run",
    "rule_executions_prune",
    "rule_update",
    "rules_cache_warm",
    "rules_install_defaults",
    "rules_schedule_run",
]
