"""A ticket's history for one viewer: field changes, transitions and comments, oldest first.

Built from django-simple-history rows, the status log and comments; internal
comments never appear to a viewer who may not see them. References in `from`/`to`
are embedded as everywhere else in the API (assignee as a user, category and team
as `{id, name}`), resolved per page in one query per kind; an object deleted since
keeps its id with a null name (and e-mail).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model
from rest_framework.request import Request
from rest_framework.utils.urls import replace_query_param

from ruledesk.api import pagination
from ruledesk.api.base import user_ref
from ruledesk.tenancy.models import Team, User
from workflows import selectors
from workflows.models import Category, Ticket

TRACKED_FIELDS = ("title", "priority", "category_id", "assignee_id", "team_id")
# Fields whose values are ids, embedded as references: field -> model.
REFERENCES: dict[str, type[Model]] = {"assignee": User, "category": Category, "team": Team}
MAX_OFFSET = 10**9


def entries(ticket: Ticket, viewer: User) -> list[dict[str, Any]]:
    """Every entry the viewer may see, oldest first; reference fields still hold bare ids."""
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
    comments = selectors.comments_visible_to(viewer, ticket).prefetch_related(None)
    for comment in comments.order_by("created_at", "id"):
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


def page(
    request: Request, items: list[dict[str, Any]], ticket: Ticket, viewer: User
) -> dict[str, Any]:
    """Cursor pages over a short, per-ticket list; the (signed) cursor holds an offset.

    History only grows at its end, so `next` stays stable while entries are added.
    """
    size = pagination.page_size(request)
    start = _offset(request.query_params.get("cursor"))
    chunk = embed_references(items[start : start + size], ticket, viewer)

    def link(offset: int) -> str:
        token = pagination.encode_token({"o": "history", "n": offset})
        return replace_query_param(request.build_absolute_uri(), "cursor", token)

    return {
        "next": link(start + size) if start + size < len(items) else None,
        "previous": link(max(0, start - size)) if start > 0 else None,
        "results": chunk,
    }


def embed_references(
    chunk: list[dict[str, Any]], ticket: Ticket, viewer: User
) -> list[dict[str, Any]]:
    """Replace the ids in `from`/`to` of reference fields by embedded objects, in batch."""
    wanted: dict[str, set[int]] = {field: set() for field in REFERENCES}
    for entry in chunk:
        if entry["kind"] == "field" and entry["field"] in REFERENCES:
            wanted[entry["field"]].update(
                v for v in (entry["from"], entry["to"]) if isinstance(v, int)
            )
    found: dict[str, dict[int, Any]] = {}
    for field, ids in wanted.items():
        model = REFERENCES[field]
        rows = model._default_manager.filter(organization_id=ticket.organization_id, pk__in=ids)
        found[field] = {row.pk: row for row in rows} if ids else {}

    def ref(field: str, value: Any) -> Any:
        if value is None:
            return None
        row = found[field].get(value)
        if field == "assignee":
            return user_ref(row, viewer) if row else {"id": value, "name": None, "email": None}
        return {"id": value, "name": row.name if row else None}

    for entry in chunk:
        if entry["kind"] == "field" and entry["field"] in REFERENCES:
            entry["from"] = ref(entry["field"], entry["from"])
            entry["to"] = ref(entry["field"], entry["to"])
    return chunk


def _offset(raw: str | None) -> int:
    if raw is None:
        return 0
    payload = pagination.decode_token(raw)
    value = payload.get("n")
    if (
        set(payload) != {"o", "n"}
        or payload["o"] != "history"
        or isinstance(value, bool)
        or not isinstance(value, int)
        or not 0 <= value <= MAX_OFFSET
    ):
        raise pagination.invalid_cursor()
    return value
