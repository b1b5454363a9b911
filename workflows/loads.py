"""Agent load: how many tickets an agent holds that are still being worked.

Load is the agent's tickets in new, open or waiting_on_requester (api.md, `least_loaded`).
It is a correlated count per agent over the partial index `ticket_open_by_assignee`
rather than a join of every ticket an agent ever held: at a million tickets the join
read each agent's closed history (1.5 s for one team), the subquery reads only open rows.
"""

from __future__ import annotations

from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from workflows.models import OPEN_STATUSES, Ticket


def open_load(organization_id: int, *, excluding: int | None = None) -> Coalesce:
    """An annotation for a User queryset: the user's open tickets in the organization."""
    held = Ticket.objects.filter(
        organization_id=organization_id, assignee_id=OuterRef("pk"), status__in=OPEN_STATUSES
    )
    if excluding is not None:
        held = held.exclude(pk=excluding)
    counted = held.order_by().values("assignee_id").annotate(n=Count("*")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))
