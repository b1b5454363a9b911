"""Creating and editing tickets."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ruledesk import errors
from ruledesk.access import policy
from ruledesk.events.services import emit
from ruledesk.markdown import render_markdown
from ruledesk.tenancy.models import User
from workflows import numbering, search
from workflows.models import PRIORITY_RANK, Channel, Priority, Tag, Ticket, TicketTag
from workflows.services import _refs
from workflows.sla import clocks as sla

UNSET: Any = object()

# Which permission each editable field needs; anything else is not editable here.
FIELD_PERMISSIONS = {
    "title": "ticket.update",
    "priority": "ticket.update",
    "category": "ticket.update",
    "tags": "ticket.update",
    "assignee": "ticket.assign",
    "team": "ticket.assign",
}


def ticket_create(
    *,
    actor: User,
    title: str,
    description: str = "",
    priority: str = Priority.MEDIUM,
    category_id: int | None = None,
    tags: list[str] | None = None,
    assignee_id: Any = UNSET,
    team_id: Any = UNSET,
    channel: str = Channel.WEB,
    depth: int = 0,
    requester_id: Any = UNSET,
) -> Ticket:
    """Sending tags (even []), assignee or team (even null) needs the staff permissions.

    `requester_id` files the ticket on behalf of someone else of the organization who may
    file tickets (the desk's "new ticket"); naming anyone but oneself needs `ticket.update`.
    """
    policy.require(actor, "ticket.create")
    org_id = _org_id(actor)
    on_behalf = requester_id is not UNSET and requester_id != actor.pk
    if on_behalf and not policy.can(actor, "ticket.update"):
        raise errors.PermissionDenied(_("You may not file tickets for someone else."))
    if tags is not None and not policy.can(actor, "ticket.update"):
        raise errors.PermissionDenied(_("You may not set tags."))
    if (assignee_id is not UNSET or team_id is not UNSET) and not policy.can(
        actor, "ticket.assign"
    ):
        raise errors.PermissionDenied(_("You may not assign tickets."))
    assignee_id = None if assignee_id is UNSET else assignee_id
    team_id = None if team_id is UNSET else team_id
    with transaction.atomic():
        category = _refs.category(org_id, category_id)
        team = _refs.team(org_id, team_id)
        assignee = _refs.agent(org_id, assignee_id)
        requester = _refs.requester(org_id, requester_id) if on_behalf else actor
        tag_objects = _refs.tags(org_id, tags or [], may_create=True)
        if team is None and category is not None:
            team = category.default_team
        now = timezone.now()
        description_html = render_markdown(description)
        ticket = Ticket(
            organization_id=org_id,
            title=title,
            description=description,
            description_html=description_html,
            priority=priority,
            priority_rank=PRIORITY_RANK[Priority(priority)],
            channel=channel,
            category=category,
            requester=requester,
            assignee=assignee,
            team=team,
            created_at=now,
            updated_at=now,
            # One write of the new row: search vectors and SLA clocks go into the INSERT.
            search_public=search.initial_vector(title, description),
            search_all=search.initial_vector(title, description),
        )
        clocks = sla.ticket_sla_prepare(ticket=ticket, now=now)
        # Last before the INSERT: the counter row stays locked until commit, and every
        # other creation in the organization waits for it.
        ticket.number = numbering.next_number(org_id)
        ticket.save(force_insert=True)
        # The expressions are not values: reading them again loads what was stored.
        for field in ("search_public", "search_all"):
            ticket.__dict__.pop(field, None)
        # A new ticket has no tags to replace: insert them, and nothing when there are none.
        TicketTag.objects.bulk_create(
            TicketTag(organization_id=org_id, ticket=ticket, tag=tag) for tag in tag_objects
        )
        sla.ticket_sla_start(ticket=ticket, result=clocks, now=now)
        emit(
            organization_id=org_id,
            type="ticket.created",
            actor_id=actor.pk,
            ticket_id=ticket.pk,
            payload={"number": ticket.number},
            depth=depth,
        )
    return ticket


def ticket_update(
    *,
    actor: User,
    ticket: Ticket,
    title: Any = UNSET,
    priority: Any = UNSET,
    category_id: Any = UNSET,
    tags: Any = UNSET,
    assignee_id: Any = UNSET,
    team_id: Any = UNSET,
    depth: int = 0,
) -> Ticket:
    """Change the given fields; emits `ticket.updated` with before/after of each real change."""
    requested = {
        "title": title,
        "priority": priority,
        "category": category_id,
        "tags": tags,
        "assignee": assignee_id,
        "team": team_id,
    }
    requested = {k: v for k, v in requested.items() if v is not UNSET}
    for field in requested:
        policy.require(actor, FIELD_PERMISSIONS[field], ticket)
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        changes = _apply(ticket, requested)
        if changes:
            ticket.updated_at = timezone.now()
            ticket.save()
            if "title" in changes:
                search.refresh(ticket.pk)
            if "priority" in changes or "category" in changes:
                sla.ticket_sla_sync(ticket=ticket, rematch=True)
            emit(
                organization_id=ticket.organization_id,
                type="ticket.updated",
                actor_id=actor.pk,
                ticket_id=ticket.pk,
                changes=changes,
                depth=depth,
            )
    return ticket


def _apply(ticket: Ticket, requested: dict[str, Any]) -> dict[str, list[Any]]:
    org_id = ticket.organization_id
    changes: dict[str, list[Any]] = {}
    if "title" in requested and requested["title"] != ticket.title:
        changes["title"] = [ticket.title, requested["title"]]
        ticket.title = requested["title"]
    if "priority" in requested and requested["priority"] != ticket.priority:
        changes["priority"] = [ticket.priority, requested["priority"]]
        ticket.priority = requested["priority"]
        ticket.priority_rank = PRIORITY_RANK[Priority(requested["priority"])]
    if "category" in requested and requested["category"] != ticket.category_id:
        category = _refs.category(org_id, requested["category"])
        changes["category"] = [ticket.category_id, requested["category"]]
        ticket.category = category
    if "team" in requested and requested["team"] != ticket.team_id:
        changes["team"] = [ticket.team_id, requested["team"]]
        ticket.team = _refs.team(org_id, requested["team"])
    if "assignee" in requested and requested["assignee"] != ticket.assignee_id:
        changes["assignee"] = [ticket.assignee_id, requested["assignee"]]
        ticket.assignee = _refs.agent(org_id, requested["assignee"])
    if "tags" in requested:
        current = list(ticket.tags.all())
        before = sorted(t.name for t in current)
        tag_objects = _refs.tags(
            org_id, requested["tags"], may_create=True, kept={t.pk for t in current}
        )
        after = sorted(t.name for t in tag_objects)
        if before != after:
            _set_tags(ticket, tag_objects)
            changes["tags"] = [before, after]
    return changes


def _set_tags(ticket: Ticket, tags: list[Tag]) -> None:
    TicketTag.objects.filter(ticket=ticket).exclude(tag__in=tags).delete()
    have = set(TicketTag.objects.filter(ticket=ticket).values_list("tag_id", flat=True))
    TicketTag.objects.bulk_create(
        [
            TicketTag(organization_id=ticket.organization_id, ticket=ticket, tag=tag)
            for tag in tags
            if tag.pk not in have
        ]
    )


def _org_id(actor: User) -> int:
    if actor.organization_id is None:
        raise errors.PermissionDenied()
    return actor.organization_id
