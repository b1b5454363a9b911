"""A ticket's history for one viewer: field changes, transitions and comments, oldest first.

Built from django-simple-history rows, the status log and comments; internal
comments never appear to a viewer who may not see them.
"""

from __future__ import annotations

import base64
from typing import Any

from rest_framework.request import Request

from ruledesk import errors
from ruledesk.api.base import user_ref
from ruledesk.tenancy.models import User
from workflows import selectors
from workflows.models import Ticket

TRACKED_FIELDS = ("title", "priority", "category_id", "assignee_id", "team_id")
MAX_PAGE = 100


def entries(ticket: Ticket, viewer: User) -> list[dict[str, Any]]:
    found: list[tuple[Any, int, dict[str, Any]]] = []
    versions = list(
        ticket.history.order_by("history_date", "history_id").select_related("history_user")
    )
    for previous, current in zip(versions, versions[1:], strict=False):
        for field in TRACKED_FIELDS:
            before, after = getattr(previous, field), getattr(current, field)
            if before != after:
                found.append(
                    (
                        current.history_date,
                        0,
                        {
                            "at": current.history_date,
                            "actor": user_ref(current.history_user, viewer),
                            "kind": "field",
                            "field": field.removesuffix("_id"),
                            "from": before,
                            "to": after,
                        },
                    )
                )
    for step in ticket.transitions.select_related("actor").order_by("created_at", "id"):
        found.append(
            (
                step.created_at,
                1,
                {
                    "at": step.created_at,
                    "actor": user_ref(step.actor, viewer),
                    "kind": "transition",
                    "field": "status",
                    "from": step.from_status,
                    "to": step.to_status,
                    "reason": step.reason,
                },
            )
        )
    for comment in selectors.comments_visible_to(viewer, ticket).order_by("created_at", "id"):
        found.append(
            (
                comment.created_at,
                2,
                {
                    "at": comment.created_at,
                    "actor": user_ref(comment.author, viewer),
                    "kind": "comment",
                    "to": comment.visibility,
                },
            )
        )
    found.sort(key=lambda item: (item[0], item[1]))
    return [entry for _, _, entry in found]


def page(request: Request, items: list[dict[str, Any]]) -> dict[str, Any]:
    """Cursor pages over a short, per-ticket list (the cursor encodes an offset)."""
    size = _size(request.query_params.get("page_size"))
    start = _offset(request.query_params.get("cursor"))
    chunk = items[start : start + size]

    def link(offset: int) -> str:
        token = base64.urlsafe_b64encode(str(offset).encode()).decode()
        return request.build_absolute_uri(f"{request.path}?cursor={token}&page_size={size}")

    return {
        "next": link(start + size) if start + size < len(items) else None,
        "previous": link(max(0, start - size)) if start > 0 else None,
        "results": chunk,
    }


def _size(raw: str | None) -> int:
    if raw is None:
        return 25
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 9 or int(raw) < 1:
        raise errors.ValidationFailed.on("page_size", "Must be a positive integer.")
    return min(int(raw), MAX_PAGE)


def _offset(raw: str | None) -> int:
    if not raw:
        return 0
    try:
        value = int(base64.urlsafe_b64decode(raw.encode()).decode())
    except (ValueError, UnicodeDecodeError):
        raise errors.ValidationFailed.on("cursor", "Invalid cursor.") from None
    if value < 0 or value > 10**9:
        raise errors.ValidationFailed.on("cursor", "Invalid cursor.")
    return value
