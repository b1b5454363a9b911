"""Shape tickets, comments and history for the API, for one viewer."""

from __future__ import annotations

from typing import Any

from ruledesk.api.base import named_ref, user_ref
from ruledesk.tenancy.models import User
from workflows import numbering
from workflows.models import Comment, ReopenApproval, Ticket
from workflows.services import transitions_available


def ticket_out(ticket: Ticket, viewer: User) -> dict[str, Any]:
    org_slug = viewer.organization.slug if viewer.organization else ""
    return {
        "id": ticket.pk,
        "number": numbering.display_number(org_slug, ticket.number),
        "title": ticket.title,
        "description": ticket.description,
        "description_html": ticket.description_html,
        "status": ticket.status,
        "priority": ticket.priority,
        "category": named_ref(ticket.category),
        "tags": [tag.name for tag in ticket.tags.all()],
        "requester": user_ref(ticket.requester, viewer),
        "assignee": user_ref(ticket.assignee, viewer),
        "team": named_ref(ticket.team),
        "created_at": ticket.created_at,
        "updated_at": ticket.updated_at,
        "first_responded_at": ticket.first_responded_at,
        "resolved_at": ticket.resolved_at,
        "closed_at": ticket.closed_at,
        "reopen_count": ticket.reopen_count,
        "sla": {
            "policy": named_ref(ticket.sla_policy),
            "first_response_due_at": ticket.first_response_due_at,
            "resolution_due_at": ticket.resolution_due_at,
            "paused": ticket.sla_paused,
            "first_response_breached": ticket.first_response_breached,
            "resolution_breached": ticket.resolution_breached,
        },
        "available_transitions": [
            spec.name for spec in transitions_available(actor=viewer, ticket=ticket)
        ],
    }


def comment_out(comment: Comment, viewer: User) -> dict[str, Any]:
    return {
        "id": comment.pk,
        "author": user_ref(comment.author, viewer),
        "body": comment.body,
        "body_html": comment.body_html,
        "visibility": comment.visibility,
        "mentions": [user_ref(u, viewer) for u in comment.mentions.all()],
        "created_at": comment.created_at,
    }


def approval_out(approval: ReopenApproval, viewer: User) -> dict[str, Any]:
    return {
        "id": approval.pk,
        "status": approval.status,
        "reason": approval.reason,
        "requested_by": user_ref(approval.requested_by, viewer),
        "created_at": approval.created_at,
    }
