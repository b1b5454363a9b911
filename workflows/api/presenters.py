"""Shape tickets, comments and history for the API, for one viewer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ruledesk.api.base import named_ref, user_ref
from ruledesk.tenancy.models import User
from workflows import numbering
from workflows.models import Comment, ReopenApproval, Ticket
from workflows.selectors import PageRows
from workflows.services import transitions_available
from workflows.services.transitions import MEMOIZABLE, TransitionsMemo


def ticket_out(
    ticket: Ticket,
    viewer: User,
    transitions: TransitionsMemo | None = None,
    *,
    tags: list[str] | None = None,
) -> dict[str, Any]:
    """`transitions`: a memo shared by the tickets of one page (see transitions_available);
    `tags`: the ticket's tag names in name order when the caller knows them (else read)."""
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
        "tags": [tag.name for tag in ticket.tags.all()] if tags is None else tags,
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
            spec.name
            for spec in transitions_available(actor=viewer, ticket=ticket, memo=transitions)
        ],
    }


@dataclass(frozen=True, slots=True)
class _UserRow:
    """What `user_ref` reads of a user, from a row of `selectors.page_rows`."""

    pk: int
    name: str
    email: str
    role: str

    @property
    def display_name(self) -> str:
        return User.display_name.fget(self)  # type: ignore[attr-defined, no-any-return]


def _user_row(row: dict[str, Any], prefix: str) -> _UserRow | None:
    pk = row[f"{prefix}_id"]
    if pk is None:
        return None
    return _UserRow(pk, row[f"{prefix}__name"], row[f"{prefix}__email"], row[f"{prefix}__role"])


def _named_row(row: dict[str, Any], prefix: str) -> dict[str, Any] | None:
    pk = row[f"{prefix}_id"]
    return None if pk is None else {"id": pk, "name": row[f"{prefix}__name"]}


def ticket_rows_out(page: PageRows, viewer: User) -> list[dict[str, Any]]:
    """The list's tickets: the same representation as `ticket_out`, from plain rows.

    A page of 26 tickets as model instances is 26 x 6 objects built by the ORM (about 6 ms of
    CPU at 1M tickets); as rows it is a fraction of that. Shapes must stay equal to
    `ticket_out` (tests/workflows/test_tickets_api.py compares the list and the detail).
    """
    org_slug = viewer.organization.slug if viewer.organization else ""
    memo: TransitionsMemo = {}
    out = []
    for row in page.rows:
        key = (row["status"], row["organization_id"])
        specs = memo.get(key) if MEMOIZABLE else None
        if specs is None:
            ticket = (
                Ticket(id=row["id"], status=row["status"], organization_id=row["organization_id"])
                if MEMOIZABLE
                else Ticket.objects.get(pk=row["id"])
            )
            specs = transitions_available(actor=viewer, ticket=ticket, memo=memo)
        out.append(
            {
                "id": row["id"],
                "number": numbering.display_number(org_slug, row["number"]),
                "title": row["title"],
                "description": row["description"],
                "description_html": row["description_html"],
                "status": row["status"],
                "priority": row["priority"],
                "category": _named_row(row, "category"),
                "tags": page.tags.get(row["id"], []),
                "requester": user_ref(_user_row(row, "requester"), viewer),
                "assignee": user_ref(_user_row(row, "assignee"), viewer),
                "team": _named_row(row, "team"),
                "created_at": row["created_at"],
                "updated_at": row["updated_at"],
                "first_responded_at": row["first_responded_at"],
                "resolved_at": row["resolved_at"],
                "closed_at": row["closed_at"],
                "reopen_count": row["reopen_count"],
                "sla": {
                    "policy": _named_row(row, "sla_policy"),
                    "first_response_due_at": row["first_response_due_at"],
                    "resolution_due_at": row["resolution_due_at"],
                    "paused": row["sla_paused"],
                    "first_response_breached": row["first_response_breached"],
                    "resolution_breached": row["resolution_breached"],
                },
                "available_transitions": [spec.name for spec in specs],
            }
        )
    return out


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
